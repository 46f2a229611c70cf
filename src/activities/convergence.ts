import type { BudgetAction, ConvergenceSettings } from './convergence-settings.js';

/**
 * THE CONVERGENCE DECISION: given the migration job's latest sample and what was done so far, what to do
 * next. Pure, so every rule is a unit test (test/unit/convergence.test.ts); the migrate activity only
 * carries the answer out through the hypervisor port. Modelled on Nova's libvirt driver
 * (nova/virt/libvirt/migration.py: downtime_steps, update_downtime, should_trigger_timeout_action), with
 * the progress watermark Nova had before it dropped its progress timeout.
 */

export interface ConvergenceSample {
  /** The job's own clock (libvirt's time_elapsed): it survives a worker restart, ours would not. */
  elapsedMs: number;
  dataTotalBytes: number;
  dataRemainingBytes: number;
}

export type ConvergenceMode = 'precopy' | 'postcopy' | 'aborting';

export interface ConvergenceState {
  mode: ConvergenceMode;
  /** The max downtime set on the job now, ms. */
  downtimeMs: number;
  /** The lowest data remaining seen, and the job time it was first seen at. */
  lowestRemainingBytes: number | null;
  lowestAtMs: number;
  /** What was done, oldest first, one short line each (shown in progress and the report). */
  actions: string[];
}

export type ConvergenceAction =
  | { kind: 'wait' }
  | { kind: 'set-downtime'; downtimeMs: number }
  | { kind: 'give-up'; action: BudgetAction; reason: string };

/** Bytes of guest memory as GiB, the unit the budgets are given per (a 256 MiB guest is 0.25). */
export function memoryGiB(bytes: number): number {
  return bytes / 1073741824;
}

/**
 * The escalation as (job time, downtime) pairs, Nova's linear schedule: starts at maxDowntime / steps,
 * raised every downtimeDelayPerGiB × GiB, reaching maxDowntime after `steps` raises.
 */
export function downtimeSchedule(s: ConvergenceSettings, memoryBytes: number): { atMs: number; downtimeMs: number }[] {
  const delay = Math.round(s.downtimeDelayPerGiB * memoryGiB(memoryBytes));
  const base = s.maxDowntime / s.downtimeSteps;
  const offset = (s.maxDowntime - base) / s.downtimeSteps;
  return Array.from({ length: s.downtimeSteps + 1 }, (_, i) => ({ atMs: delay * i, downtimeMs: Math.round(base + offset * i) }));
}

/** The downtime the job starts with (set before it starts: QEMU keeps it for the job). */
export function initialDowntimeMs(s: ConvergenceSettings): number {
  return Math.round(s.maxDowntime / s.downtimeSteps);
}

/** `downtimeMs`: what the job really starts at when it is more than the schedule's first step (a TCG guest). */
export function initialConvergenceState(s: ConvergenceSettings, downtimeMs = initialDowntimeMs(s)): ConvergenceState {
  return { mode: 'precopy', downtimeMs, lowestRemainingBytes: null, lowestAtMs: 0, actions: [] };
}

/** The job's budget: completionBudgetPerGiB × GiB of guest memory. */
export function completionBudgetMs(s: ConvergenceSettings, memoryBytes: number): number {
  return Math.round(s.completionBudgetPerGiB * memoryGiB(memoryBytes));
}

/**
 * One round: the state with this sample's watermark, and the one thing to do now. Giving up wins over
 * raising the downtime; nothing is decided once the job is in post-copy or being aborted (as Nova: a
 * switched migration is never aborted or switched again).
 */
export function decideConvergence(s: ConvergenceSettings, state: ConvergenceState, sample: ConvergenceSample): { state: ConvergenceState; action: ConvergenceAction } {
  if (state.mode !== 'precopy') return { state, action: { kind: 'wait' } };
  // libvirt reports data_total 0 until the job has sized the guest's RAM: a budget of 0 s would give up at once.
  if (sample.dataTotalBytes <= 0) return { state, action: { kind: 'wait' } };
  const next = { ...state };
  if (next.lowestRemainingBytes === null || sample.dataRemainingBytes < next.lowestRemainingBytes) {
    next.lowestRemainingBytes = sample.dataRemainingBytes;
    next.lowestAtMs = sample.elapsedMs;
  }
  const budget = completionBudgetMs(s, sample.dataTotalBytes);
  if (sample.elapsedMs > budget) {
    return { state: next, action: { kind: 'give-up', action: s.onBudgetExhausted, reason: `not complete after ${seconds(sample.elapsedMs)} (budget ${seconds(budget)} for ${gib(sample.dataTotalBytes)} GiB)` } };
  }
  const stalled = sample.elapsedMs - next.lowestAtMs;
  if (stalled > s.progressTimeout) {
    return { state: next, action: { kind: 'give-up', action: s.onBudgetExhausted, reason: `no progress for ${seconds(stalled)} (data remaining never below ${mib(next.lowestRemainingBytes ?? 0)} MiB since ${seconds(next.lowestAtMs)})` } };
  }
  const due = downtimeSchedule(s, sample.dataTotalBytes).filter((step) => sample.elapsedMs > step.atMs).at(-1);
  if (due && due.downtimeMs > next.downtimeMs) return { state: next, action: { kind: 'set-downtime', downtimeMs: due.downtimeMs } };
  return { state: next, action: { kind: 'wait' } };
}

/** The state once `action` has been carried out (the caller calls this only after it succeeded). */
export function applyConvergenceAction(state: ConvergenceState, action: ConvergenceAction, atMs: number): ConvergenceState {
  const at = seconds(atMs);
  if (action.kind === 'set-downtime') return { ...state, downtimeMs: action.downtimeMs, actions: [...state.actions, `${at}: max downtime ${action.downtimeMs} ms`] };
  if (action.kind === 'give-up') {
    const what = action.action === 'postcopy' ? 'switched to post-copy' : 'aborted';
    return { ...state, mode: action.action === 'postcopy' ? 'postcopy' : 'aborting', actions: [...state.actions, `${at}: ${what}: ${action.reason}`] };
  }
  return state;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function gib(bytes: number): string {
  return memoryGiB(bytes).toFixed(2);
}

function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
