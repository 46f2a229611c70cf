import type { MigrationBytes, MigrationProgress, StepProgress } from './migration-types.js';

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
  const lines = [`**${p.vm}**: ${p.source} → ${p.destination} · plan ${p.plan.name} v${p.plan.version}${p.planChoice ? ` (${p.planChoice})` : ''}`, `Phase: **${p.phase}**`];
  if (note) lines.push('', note);
  lines.push('', ...p.steps.map((s) => renderStep(s, 'markdown')));
  if (p.migration && p.migration.dataTotalBytes > 0) {
    const pct = Math.round((100 * p.migration.dataProcessedBytes) / p.migration.dataTotalBytes);
    lines.push('', `Migration: ${pct}% (${mib(p.migration.dataProcessedBytes)} of ${mib(p.migration.dataTotalBytes)} MiB, ${mib(p.migration.dataRemainingBytes)} MiB remaining)`);
    const convergence = convergenceFacts(p.migration);
    if (convergence) lines.push(`Convergence: ${convergence}`);
    for (const action of p.migration.actions ?? []) lines.push(`- ${action}`);
  }
  return lines.join('\n');
}

type Compensation = NonNullable<StepProgress['compensation']>;

/** The same facts of a step, as a Markdown list item (the UI's details) or as a plain line (the CLI). */
const stepStyles = {
  markdown: { item: '- ', pivot: ' **pivot**', error: (text: string) => ` — ${text}`, note: (text: string) => ` — ${text}`, undo: (c: Compensation) => ` · undo ${c.activity}` },
  plain: { item: '', pivot: ' [pivot]', error: (text: string) => `  ${text}`, note: (text: string) => `  (${text})`, undo: (c: Compensation) => `  undo ${c.activity} on ${c.runsOn}` },
};

/** One step: its state, where it runs, how long it took, why it failed or was skipped, and its compensation. */
export function renderStep(s: StepProgress, style: keyof typeof stepStyles): string {
  const st = stepStyles[style];
  const time = s.durationMs !== undefined ? ` ${s.durationMs} ms` : '';
  const error = s.error ? st.error(`${s.error.type}: ${s.error.message}`) : s.note ? st.note(s.note) : '';
  const c = s.compensation;
  const comp = c ? `${st.undo(c)}: ${c.state}${c.error ? ` (${c.error.message})` : ''}` : '';
  return `${st.item}${stepMarks[s.state]} ${s.id} (${s.activity} on ${s.runsOn})${s.pivot ? st.pivot : ''}${time}${error}${comp}`;
}

/** Pass, dirty rate, allowed pause and mode of a running migration, as far as they are known; '' when none is. */
export function convergenceFacts(m: MigrationBytes): string {
  const parts: string[] = [];
  if (m.iteration !== undefined) parts.push(`pass ${m.iteration}`);
  if (m.dirtyRateBytesPerSecond !== undefined) parts.push(`dirtying ${mib(m.dirtyRateBytesPerSecond)} MiB/s`);
  if (m.maxDowntimeMs !== undefined) parts.push(`max downtime ${Math.round(m.maxDowntimeMs)} ms`);
  if (m.mode && m.mode !== 'precopy') parts.push(m.mode === 'postcopy' ? 'POST-COPY (no way back)' : 'aborting');
  return parts.join(', ');
}

/** Bytes as whole MiB, as the UI details and the CLI print them. */
export function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
