/**
 * The repair workflow's contract with clients: its input, its `progress` query and its report.
 * Plain data: workflow code, the client and the CLI all import these types.
 */
import type { RepairCandidate } from '../domain/repair-candidates.js';
import type { StepError, StepProgress } from './migration-types.js';

/** The run's input (checked in the run: repair-request.ts; published in docs/api.md). */
export interface RepairRequest {
  vm: string;
  /** The host the VM runs on: its VF is booked and attached there. */
  host: string;
  /** The host the VM last left (a migration's source), whose ledger is reconciled too; optional. */
  formerHost?: string | null;
  queuePrefix?: string;
}

export interface CheckedRepairRequest {
  vm: string;
  host: string;
  formerHost: string | null;
  queuePrefix: string;
}

/** repaired: VF attached and standby down; healthy: nothing needed doing, nothing changed; not-repaired: left as found (booking given back); refused: a migration of the VM is open. */
export type RepairOutcome = 'repaired' | 'healthy' | 'not-repaired' | 'refused';

export interface RepairProgress {
  vm: string;
  host: string;
  formerHost: string | null;
  /** The running step's id, or a terminal phase: Repaired, Healthy, NotRepaired, Refused. */
  phase: string;
  startedAt: string;
  steps: StepProgress[];
  /** What the inspection found wrong, one line per pair. */
  findings: string[];
  outcome: RepairOutcome | null;
}

export interface RepairReport extends RepairProgress {
  outcome: RepairOutcome;
  message: string;
  durationMs: number;
  failedStep: { id: string; activity: string; error: StepError } | null;
  /** The VF attached by this run, if any (the first pair's, when it attached several). */
  vf: string | null;
  /** Every VF attached by this run, in pair order, when it attached more than one. */
  vfs?: string[];
}

/** ApplicationFailure types a repair ends with when it does not succeed (the report is in details[0]). */
export const repairFailureTypes = { 'not-repaired': 'RepairFailed', refused: 'RepairRefused' } as const;

/** findVmsToRepair's input and answer (`vfmigrate status --host`). */
export interface RepairScanRequest {
  host: string;
  queuePrefix?: string;
}
export interface RepairScan {
  host: string;
  candidates: RepairCandidate[];
}
