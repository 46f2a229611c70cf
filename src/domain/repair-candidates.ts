import type { RepairNeed } from './repair-need.js';

/** A VM on a host that needs repair, and why (one finding per pair). */
export interface RepairCandidate {
  vm: string;
  findings: string[];
}

/**
 * The host worker's detection decision: VMs whose standby is up or whose primary is missing, unless a run
 * of theirs (a migration or a repair) is open: mid-migration that state is the procedure, not a fault.
 * VMs that cannot be repaired (not running, not teamed) are not reported: they are not left-overs of a run.
 */
export function repairCandidates(vms: readonly { name: string; need: RepairNeed }[], withOpenRun: ReadonlySet<string>): RepairCandidate[] {
  return vms
    .filter((v) => v.need.kind === 'repair' && !withOpenRun.has(v.name))
    .map((v) => ({ vm: v.name, findings: v.need.kind === 'repair' ? v.need.findings : [] }))
    .sort((a, b) => a.vm.localeCompare(b.vm));
}

/**
 * How many repairs a host may start by itself now: at most `maxPerHour` in any hour, counting the starts
 * of the last hour (`startedAtMs`). A fleet-wide fault then costs a few repairs an hour, not a storm.
 */
export function autoRepairAllowance(startedAtMs: readonly number[], nowMs: number, maxPerHour: number): number {
  const lastHour = startedAtMs.filter((t) => nowMs - t < 3_600_000).length;
  return Math.max(0, maxPerHour - lastHour);
}
