import type { MigrationProgress, StepProgress } from './migration-types.js';

/** One glyph per step state, shared by the UI details and the CLI. */
export const stepMarks: Record<StepProgress['state'], string> = {
  pending: '·',
  running: '▶',
  completed: '✓',
  failed: '✗',
  compensating: '↺',
  compensated: '↩',
  'compensation-failed': '‼',
  'not-run': '–',
  skipped: '↷',
};

/** The Temporal UI's "current details" for a migration: where it is, each step, and bytes moved. */
export function renderDetails(p: MigrationProgress, note?: string): string {
  const lines = [`**${p.vm}**: ${p.source} → ${p.destination} · plan ${p.plan.name} v${p.plan.version}`, `Phase: **${p.phase}**`];
  if (note) lines.push('', note);
  lines.push('', ...p.steps.map(stepLine));
  if (p.migration && p.migration.dataTotalBytes > 0) {
    const pct = Math.round((100 * p.migration.dataProcessedBytes) / p.migration.dataTotalBytes);
    lines.push('', `Migration: ${pct}% (${mib(p.migration.dataProcessedBytes)} of ${mib(p.migration.dataTotalBytes)} MiB, ${mib(p.migration.dataRemainingBytes)} MiB remaining)`);
  }
  return lines.join('\n');
}

function stepLine(s: StepProgress): string {
  const time = s.durationMs !== undefined ? ` ${s.durationMs} ms` : '';
  const error = s.error ? ` — ${s.error.type}: ${s.error.message}` : s.note ? ` — ${s.note}` : '';
  const comp = s.compensation ? ` · undo ${s.compensation.activity}: ${s.compensation.state}${s.compensation.error ? ` (${s.compensation.error.message})` : ''}` : '';
  return `- ${stepMarks[s.state]} ${s.id} (${s.activity} on ${s.runsOn})${s.pivot ? ' **pivot**' : ''}${time}${error}${comp}`;
}

/** Bytes as whole MiB, as the UI details and the CLI print them. */
export function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
