import { z } from 'zod';
import { networkNamePattern } from './libvirt-names.js';

/**
 * A VF on one host: what the host's VF pool hands out and books, what a primary is plugged in with, and
 * what a run's facts carry from step to step (parsed again at every activity's boundary, so the network
 * name is held to libvirt's rule here, whoever produced it).
 */
export const vfRefSchema = z.object({
  /** What the host's VF pool hands out and books. */
  id: z.string(),
  kind: z.enum(['pci', 'network', 'emulated']),
  /** Host PCI address for kind=pci. */
  pciAddress: z.string().optional(),
  /** libvirt hostdev network for kind=network. */
  network: z.string().regex(networkNamePattern, { message: 'expected a libvirt network name' }).optional(),
  /** Physical function netdev and VF index, when host networking steps need them. */
  pf: z.string().optional(),
  vfIndex: z.number().int().optional(),
});

export type VfRef = z.infer<typeof vfRefSchema>;
