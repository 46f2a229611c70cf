import type { RepairCandidate } from '../domain/repair-candidates.js';
import { repairNeed, type RepairNeed } from '../domain/repair-need.js';
import type { VfRef } from '../domain/vf-ref.js';
import { PreflightError } from '../errors.js';
import { typedFailures } from './bind.js';
import { findVmsToRepair } from './find-vms-to-repair.js';
import type { HostServices } from './host-services.js';
import { runIsOpen } from './run-is-open.js';

/** What the repair learns on the VM's host: what is wrong, and the VM as the attach and standby steps need it. */
export interface TeamingInspection {
  need: Exclude<RepairNeed, { kind: 'unrepairable' }>;
  memoryMiB: number;
}

export interface LedgerReconciliation {
  host: string;
  /** The VM's booking here after reconciling: its state, or null for none. */
  booking: 'reserved' | 'attached' | null;
  /** A booking of a VM that is not here and whose run has ended, given back. */
  released: boolean;
}

/**
 * Host activities the repair workflow calls besides the plan activities it shares with migrations
 * (attachVf, setStandbyLink, releaseVf). They run on the host's own queue, next to its hypervisor and ledger.
 */
export function repairActivities(host: HostServices) {
  const guarded = typedFailures(host.name);
  return {
    /** Read-only: the VM's pairs here and what repairing them takes; a VM that cannot be repaired fails the step, untouched. */
    inspectTeaming: guarded('inspectTeaming', async (vm: string): Promise<TeamingInspection> => {
      const described = await host.hypervisor.describeVm(vm);
      const need = repairNeed(described, host.primaryMode);
      if (need.kind === 'unrepairable') throw new PreflightError(`${need.reason} (on ${host.name}); nothing was changed`);
      return { need, memoryMiB: described.memoryMiB };
    }),
    /**
     * Books `count` VFs, all or none, for the pairs of a VM that runs here missing their primaries: its memory
     * is in use already, so nothing is promised. VFs still booked for it (by the migration that could not
     * attach them) are the ones it gets; the VFs its present primaries hold are never handed out again.
     */
    bookVfsHere: guarded('bookVfsHere', (vm: string, owner: string, count: number): Promise<VfRef[]> => bookVfsHere(host, vm, owner, count)),
    /** bookVfsHere for one pair: repairs recorded before a repair booked for every missing pair call this one. */
    bookVfHere: guarded('bookVfHere', async (vm: string, owner: string): Promise<VfRef> => (await bookVfsHere(host, vm, owner, 1))[0]!),
    /** Brings the ledger in line with the host, and gives back the booking of a VM that left and whose run has ended. */
    reconcileLedger: guarded('reconcileLedger', async (vm: string): Promise<LedgerReconciliation> => {
      await host.vfs.status();
      const [vms, booked] = await Promise.all([host.hypervisor.listVms(), host.vfs.bookingOf(vm)]);
      const here = vms.some((v) => v.name === vm);
      if (!here && booked && !(await runIsOpen(booked.booking.owner))) {
        await host.vfs.release(vm);
        return { host: host.name, booking: null, released: true };
      }
      return { host: host.name, booking: booked?.booking.state ?? null, released: false };
    }),
    vmsToRepair: guarded('vmsToRepair', (): Promise<RepairCandidate[]> => findVmsToRepair(host, runIsOpen)),
  };
}

export type RepairActivities = ReturnType<typeof repairActivities>;

async function bookVfsHere(host: HostServices, vm: string, owner: string, count: number): Promise<VfRef[]> {
  const held = new Set((await host.hypervisor.vfHolders()).flatMap((h) => (h.vm === vm && h.pciAddress ? [h.pciAddress] : [])));
  // The pool counts what the VM already has booked (its present primaries' VFs too): ask for those and `count` more.
  const vfs = await host.vfs.reserveVfs({ vm, owner, memoryMiB: 0, freeMemoryMiB: () => Promise.resolve(Number.POSITIVE_INFINITY), ownerAlive: runIsOpen }, held.size + count);
  return vfs.filter((vf) => !(vf.pciAddress && held.has(vf.pciAddress))).slice(0, count);
}

