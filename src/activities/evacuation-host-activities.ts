import { z } from 'zod';
import { VfmigrateError } from '../errors.js';
import type { VmSummary } from '../hypervisor/hypervisor.js';
import { typedFailures } from './bind.js';
import type { HostServices } from './host-services.js';
import { runIsOpen } from './run-is-open.js';
import { vmNamePattern } from '../temporal/names.js';

/**
 * Host activities the evacuation workflow calls (not plan steps): what runs here, what room is left, and
 * booking a VF for an incoming VM before its migration starts. They run on the host's own queue, so every
 * booking for a host, from any evacuation or migration, goes through that host's single worker.
 */
export interface HostCapacity {
  host: string;
  freeVfs: number;
  totalVfs: number;
  freeMemoryMiB: number;
  incoming: number;
}

export interface ClaimRequest {
  vm: string;
  memoryMiB: number;
  owner: string;
  maxIncoming: number;
  /** VFs to book, one per teamed pair; 0: the VM's plan attaches no VF here (plain-live-migration): book its memory alone. Default 1. */
  vfs?: number;
}

/** A claim as it arrives (from any client of the namespace): what reaches the pool is a real VM name and a sane count. */
const claimRequestSchema = z.object({
  vm: z.string().regex(vmNamePattern),
  memoryMiB: z.number().nonnegative(),
  owner: z.string().min(1).max(1000),
  maxIncoming: z.int().min(1),
  vfs: z.int().min(0).max(1024).optional(),
});

/** `vfId` null: memory alone was booked. */
export type ClaimResult = { ok: true; vfId: string | null } | { ok: false; type: string; reason: string };

export function evacuationActivities(host: HostServices) {
  const guarded = typedFailures(host.name);
  return {
    listHostVms: guarded('listHostVms', (): Promise<VmSummary[]> => host.hypervisor.listVms()),
    hostCapacity: guarded('hostCapacity', async (): Promise<HostCapacity> => {
      const [pool, freeMemoryMiB] = await Promise.all([host.vfs.status(), host.hypervisor.freeMemoryMiB()]);
      return { host: host.name, freeVfs: pool.free, totalVfs: pool.total, freeMemoryMiB: freeMemoryMiB - pool.reservedMemoryMiB, incoming: pool.incoming };
    }),
    /** Books a VF for a VM about to migrate here; a refusal (full, limit reached) is an answer, not an error. */
    claimIncoming: guarded('claimIncoming', async (raw: ClaimRequest): Promise<ClaimResult> => {
      const req = claimRequestSchema.parse(raw);
      try {
        const booking = { vm: req.vm, memoryMiB: req.memoryMiB, owner: req.owner, maxIncoming: req.maxIncoming, freeMemoryMiB: () => host.hypervisor.freeMemoryMiB(), ownerAlive: runIsOpen };
        if (req.vfs === 0) {
          await host.vfs.reserveMemory(booking);
          return { ok: true, vfId: null };
        }
        // All of them or none, as the migration's own reserveVf books them (which then takes them over).
        const vfs = await host.vfs.reserveVfs(booking, req.vfs ?? 1);
        return { ok: true, vfId: vfs[0]!.id };
      } catch (err) {
        if (err instanceof VfmigrateError && !err.retryable) return { ok: false, type: err.type, reason: err.message };
        throw err;
      }
    }),
    releaseClaim: guarded('releaseClaim', (vm: string, owner: string): Promise<boolean> => host.vfs.releaseIfOwner(vm, owner)),
  };
}

export type EvacuationActivities = ReturnType<typeof evacuationActivities>;

