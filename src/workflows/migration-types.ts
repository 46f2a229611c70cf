/**
 * The migration workflow's contract with clients: its input, its `progress` query and its report.
 * Plain data: workflow code, the client and the CLI all import these types.
 */
import type { PlanRef } from '../plan/plan-ref.js';
import type { ResolvedPlan } from '../plan/resolved.js';
import type { HostRole } from '../plan/schema.js';

/** The run's input (checked in the run: migration-request.ts; published as JSON Schema: docs/api.md). */
export interface MigrationRequest {
  vm: string;
  source: string;
  destination: string;
  /**
   * A shipped plan's name, a plan document or a resolved plan; the run resolves it and records the result.
   * Absent: the run chooses by the VM's shape on the source (no VF: plain-live-migration; teamed: sriov-live-migration).
   */
  plan?: PlanRef;
  /** Task queue prefix the hosts' workers poll under (default `vfmigrate`). */
  queuePrefix?: string;
}

/** What the interpreter runs: the request checked, its defaults filled in, its plan resolved and checked. */
export interface RunRequest extends Required<MigrationRequest> {
  plan: ResolvedPlan;
}

export type StepState =
  | 'pending'
  | 'running'
  | 'completed'
  | 'failed'
  | 'compensating'
  | 'compensated'
  | 'compensation-failed'
  | 'not-run'
  /** Nothing to do on that host (e.g. no host networking configured): not even called. */
  | 'skipped';

export interface StepError {
  type: string;
  message: string;
}

export interface StepProgress {
  id: string;
  activity: string;
  on: HostRole;
  /** The host (or control queue) it runs on in this run. */
  runsOn: string;
  state: StepState;
  pivot: boolean;
  startedAt?: string;
  durationMs?: number;
  error?: StepError;
  /** Why a skipped step was skipped. */
  note?: string;
  compensation?: { activity: string; runsOn: string; state: 'running' | 'completed' | 'failed'; durationMs?: number; error?: StepError };
}

export interface MigrationBytes {
  elapsedMs: number;
  dataTotalBytes: number;
  dataProcessedBytes: number;
  dataRemainingBytes: number;
  at: string;
  /** How fast the guest dirties memory, bytes/s, and the pre-copy pass (when the hypervisor says). */
  dirtyRateBytesPerSecond?: number;
  iteration?: number;
  /** The pause allowed at the switch-over now (raised step by step), ms. */
  maxDowntimeMs?: number;
  /** precopy; postcopy once switched; aborting once given up on. */
  mode?: 'precopy' | 'postcopy' | 'aborting';
  /** What the convergence controls did, oldest first (the last 20). */
  actions?: string[];
}

/** postcopy-failed: the job failed after it switched to post-copy; the VM is on neither host cleanly. */
export type Outcome = 'migrated' | 'rolled-back' | 'degraded' | 'cancelled' | 'compensation-failed' | 'postcopy-failed';

export interface MigrationProgress {
  vm: string;
  source: string;
  destination: string;
  plan: { name: string; version: number; hash: string };
  /** Why this plan, when nobody named it, e.g. "no VF -> plain-live-migration" (absent when the plan was named). */
  planChoice?: string;
  /** The running step's id, or a terminal phase: Completed, Compensating, RolledBack, Degraded, Cancelled, NeedsAttention. */
  phase: string;
  startedAt: string;
  steps: StepProgress[];
  migration: MigrationBytes | null;
  cancelRequested: boolean;
  outcome: Outcome | null;
}

export interface MigrationReport extends MigrationProgress {
  outcome: Outcome;
  /** Where the VM runs now, as far as the run knows. */
  location: 'source' | 'destination';
  message: string;
  durationMs: number;
  failedStep: { id: string; activity: string; error: StepError } | null;
  /** The VM's pause during the switch-over as the hypervisor measured it (the guest's own clock stops then). */
  downtimeMs: number | null;
  /** The VF the VM held on the source, and the one booked for it on the destination. */
  vf: { source: string | null; destination: string | null };
  /** From the VF's attach until the guest's agent showed net_failover whole again; null when not asked. */
  vfBackInGuestMs: number | null;
  /** Each teamed pair (runs started before pairs were reported have none): what moved, and how long its unplug and plug took. */
  pairs?: PairReport[];
}

export interface PairReport {
  /** The standby's alias, which names the pair. */
  standby: string;
  /** The primary's alias on the destination (or on the source, when it never got there). */
  primary: string | null;
  mac: string;
  /** `hostdev`: a plain PCI `<hostdev>` with `<teaming>`; `interface` otherwise. */
  form: 'interface' | 'hostdev';
  vf: { source: string | null; destination: string | null };
  /** How long the unplug on the source and the plug on the destination took to be confirmed; null where not done. */
  detachMs: number | null;
  attachMs: number | null;
}

/** ApplicationFailure types the workflow ends with when it does not succeed (the report is in details[0]). */
export const migrationFailureTypes = {
  'rolled-back': 'MigrationRolledBack',
  degraded: 'MigrationDegraded',
  'compensation-failed': 'CompensationFailed',
  'postcopy-failed': 'PostcopyFailed',
} as const;
