/** The evacuation workflow's contract: input, `progress` query, report. Plain data (workflow code imports it). */
import type { PlanRef } from '../plan/plan-ref.js';
import type { PolicySpec } from './policy-schema.js';

export type VmEvacuationState =
  | 'pending'
  | 'waiting'
  | 'migrating'
  | 'migrated'
  | 'degraded'
  | 'failed'
  | 'cancelled'
  | 'skipped'
  | 'unplaceable';

export interface VmEntry {
  vm: string;
  memoryMiB: number;
  state: VmEvacuationState;
  destination?: string;
  startedAt?: string;
  durationMs?: number;
  message?: string;
  /** The plan chosen for it (a policy rule, or its shape) and why; absent in evacuations recorded before plans were chosen per VM. */
  plan?: string;
  planChoice?: string;
  /** Its teamed pairs as the source described them: a plan that books VFs books one per pair on the destination. Absent in evacuations recorded before (one VF). */
  pairs?: number;
}

export interface EvacuationRequest {
  host: string;
  policyName: string;
  policy: PolicySpec;
  /** The plan every child migration runs: a name or document is resolved (and any plan checked) at the start. */
  plan: PlanRef;
  /** Hosts that may receive VMs (include/exclude already applied; never the drained host). */
  candidates: string[];
  /** Default `vfmigrate`. */
  queuePrefix?: string;
  /** Continue-as-new once the history holds this many events (Temporal's own suggestion also counts); default 5000. */
  historyLimit?: number;
  /** Set when this run continues an earlier one. */
  carried?: CarriedState;
}

export interface CarriedState {
  vms: VmEntry[];
  startedAt: string;
  paused: boolean;
  stopping: boolean;
  unavailable: { host: string; reason: string }[];
  runs: number;
}

export type EvacuationOutcome = 'completed' | 'incomplete' | 'stopped' | 'cancelled';

export interface EvacuationProgress {
  host: string;
  policy: string;
  state: 'running' | 'paused' | 'stopping' | EvacuationOutcome;
  counts: Record<VmEvacuationState, number>;
  vms: VmEntry[];
  startedAt: string;
  elapsedMs: number;
  /** From the durations observed so far; null until one migration has finished. */
  etaMs: number | null;
  unavailable: { host: string; reason: string }[];
  /** How many runs (continue-as-new generations) this evacuation has used. */
  runs: number;
}

export interface EvacuationReport extends EvacuationProgress {
  outcome: EvacuationOutcome;
  message: string;
}

export const evacuationFailureType = 'EvacuationIncomplete';
