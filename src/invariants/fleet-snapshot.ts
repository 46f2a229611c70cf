/**
 * What the invariant checker reads: the state of the hosts a run touched and the runs themselves, as
 * plain data (read-snapshot.ts takes it through the Hypervisor port, so the model and libvirt give the
 * same shape). Plain data so the checker is a pure function, tested on hand-made snapshots.
 */
import type { RunState, VfHolder } from '../hypervisor/hypervisor.js';
import type { Booking } from '../vf/ledger.js';
import type { Outcome } from '../workflows/migration-types.js';

export interface FleetSnapshot {
  /** The VM the runs moved. */
  vm: string;
  /** Its teaming pairs before the runs (0: a VM without a VF, healthy without any); 1 when not said. */
  pairs?: number;
  hosts: HostSnapshot[];
  /** Every run of the VM that matters, oldest first; the last one is the one whose word counts. */
  runs: RunSnapshot[];
}

export interface HostSnapshot {
  name: string;
  /** The VM as this host has it, or null when it is not defined here. */
  vm: VmSnapshot | null;
  /** Every domain here that holds a VF (two holding one VF is a broken invariant). */
  holders: VfHolder[];
  /** Every domain here, by name, and whether it runs: a booking for a VM that is gone belongs to nothing. */
  domains: { name: string; state: RunState }[];
  bookings: Booking[];
}

export interface VmSnapshot {
  state: RunState;
  /** Each teaming pair: its standby's link and the primaries attached for it now. */
  teams: { standby: string; standbyLink: 'up' | 'down'; primaries: { alias: string | null; pciAddress: string | null }[] }[];
}

export interface RunSnapshot {
  workflowId: string;
  source: string;
  destination: string;
  /** Still running: its bookings are its own, and it has not said anything yet. */
  open: boolean;
  /** null for a run that ended without a report (terminated, timed out). */
  outcome: Outcome | null;
  location: 'source' | 'destination' | null;
  failedStep: string | null;
  message: string;
}
