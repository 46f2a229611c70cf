import { convergenceFacts, mib, renderStep } from '../workflows/details.js';
import { outcomeLine } from './output.js';
import type { MigrationProgress, MigrationReport, StepProgress } from '../workflows/migration-types.js';

export function stepLine(s: StepProgress): string {
  return renderStep(s, 'plain');
}

/** Lines for what changed between two progress snapshots, for a live `--wait` display. */
export function progressChanges(prev: MigrationProgress | null, next: MigrationProgress): string[] {
  const lines: string[] = [];
  if (next.planChoice && prev?.planChoice !== next.planChoice) lines.push(`plan: ${next.plan.name} v${next.plan.version} (${next.planChoice})`);
  if (prev?.phase !== next.phase) lines.push(`phase: ${next.phase}`);
  for (const step of next.steps) {
    const before = prev?.steps.find((s) => s.id === step.id);
    if (step.state !== 'pending' && (before?.state !== step.state || before.compensation?.state !== step.compensation?.state)) lines.push(`  ${stepLine(step)}`);
  }
  const m = next.migration;
  if (m && m.dataTotalBytes > 0 && m.at !== prev?.migration?.at) {
    const facts = convergenceFacts(m);
    lines.push(`  migrating: ${Math.round((100 * m.dataProcessedBytes) / m.dataTotalBytes)}% (${mib(m.dataProcessedBytes)}/${mib(m.dataTotalBytes)} MiB)${facts ? `, ${mib(m.dataRemainingBytes)} MiB left, ${facts}` : ''}`);
    // The signal carries the last 20 actions: print those not printed yet.
    const before = prev?.migration?.actions ?? [];
    for (const action of (m.actions ?? []).filter((a) => !before.includes(a))) lines.push(`  convergence: ${action}`);
  }
  if (next.cancelRequested && !prev?.cancelRequested) lines.push('  cancel requested');
  return lines;
}

export function reportLines(report: MigrationReport): string[] {
  const plan = report.planChoice ? [`plan: ${report.plan.name} v${report.plan.version} (${report.planChoice})`] : [];
  const guest = report.vfBackInGuestMs === null ? [] : [`the guest had its VF back ${report.vfBackInGuestMs} ms after the attach (its agent says)`];
  return [outcomeLine(report), ...plan, `took ${report.durationMs} ms; steps:`, ...report.steps.map((s) => `  ${stepLine(s)}`), ...guest];
}
