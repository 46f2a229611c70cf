import { z } from 'zod';
import { labelKeyPattern, labelValuePattern } from '../domain/vm-labels.js';
import { readYamlFile } from './yaml-file.js';
import { hostNamePattern, vmNamePattern } from '../temporal/names.js';
import { durationMs, durationParam } from '../util/duration.js';

/**
 * A fleet of MODEL hypervisors (src/hypervisor/model.ts) for trying vfmigrate without libvirt:
 * `vfmigrate worker --model FILE` runs every host of the fleet in one process (the model cannot span
 * processes). Not a substitute for real hosts: see docs/testbed.md.
 */
export const modelFleetSchema = z.strictObject({
  apiVersion: z.literal('vfmigrate/v1'),
  kind: z.literal('ModelFleet'),
  spec: z.strictObject({
    migrationTime: durationParam('3s'),
    /**
     * Where the fleet keeps its state (relative to this file): its domains and each host's VF ledger, so a
     * killed and restarted `worker --model` finds them as it left them; and a fault file (faults.json) the
     * fault matrix writes. Absent: everything lives in memory and is gone with the process.
     */
    stateDir: z.string().min(1).optional(),
    /** How often each host's worker takes back VF bookings of VMs that left it, their run ended (a host config's repair.scanEvery). */
    watchEvery: durationParam('5m'),
    latency: z.partialRecord(z.enum(['setLinkState', 'detachInterface', 'attachPrimary', 'describeVm', 'listVms']), durationMs).default({}),
    hosts: z
      .array(
        z.strictObject({
          name: z.string().regex(hostNamePattern, { message: 'expected a host name (letters, digits, . _ -)' }),
          vfs: z.int().min(0),
          memoryMiB: z.int().positive().default(262_144),
          vms: z
            .array(
              z.strictObject({
                name: z.string().regex(vmNamePattern),
                memoryMiB: z.int().positive().default(2048),
                // The guest's side: an agent on its channel, and whether its kernel binds the VF.
                guestAgent: z.enum(['connected', 'disconnected']).optional(),
                guestLacksVfDriver: z.boolean().default(false),
                /** Teamed pairs (standby + VF each); each needs a VF of its host. */
                pairs: z.int().min(1).max(8).default(1),
                /** false: a VM without a VF (one plain virtio NIC), migrated with plain-live-migration. */
                vf: z.boolean().default(true),
                /** As a domain's <vfmigrate:labels> would carry them; evacuation policies' planRules match them. */
                labels: z.record(z.string().regex(labelKeyPattern), z.string().regex(labelValuePattern)).default({}),
              }),
            )
            .default([]),
        }),
      )
      .min(1),
  }),
});

export type ModelFleetConfig = z.output<typeof modelFleetSchema>;

export function loadModelFleet(file: string): Promise<ModelFleetConfig> {
  return readYamlFile(file, modelFleetSchema, 'model fleet');
}
