import type { MigrationReport } from '../src/workflows/migration-types.js';

/**
 * What the convergence controls did in one run, read from its report as the migrate step recorded it
 * (src/activities/convergence.ts: one line per action, "<job time>: max downtime <n> ms", "…: switched to
 * post-copy: …", "…: aborted: …"). Auto-converge is QEMU's own, asked for at the job's start: it is the
 * plan's setting, not an action.
 */
export interface ConvergenceSummary {
  /** Downtime raises, and the pause allowed at the end (null: the run never sampled the job). */
  raises: number;
  maxDowntimeMs: number | null;
  autoConverge: boolean;
  postcopy: boolean;
  aborted: boolean;
  /** Pre-copy passes, and the job's mean throughput (MiB/s) at its last sample. */
  passes: number | null;
  throughputMiBps: number | null;
}

export function convergenceSummary(report: Pick<MigrationReport, 'migration'>, autoConverge: boolean): ConvergenceSummary {
  const m = report.migration;
  const actions = m?.actions ?? [];
  return {
    raises: actions.filter((a) => /: max downtime \d+ ms$/.test(a)).length,
    maxDowntimeMs: m?.maxDowntimeMs ?? null,
    autoConverge,
    postcopy: m?.mode === 'postcopy' || actions.some((a) => a.includes(': switched to post-copy')),
    aborted: m?.mode === 'aborting' || actions.some((a) => a.includes(': aborted: ')),
    passes: m?.iteration ?? null,
    throughputMiBps: m && m.elapsedMs > 0 ? m.dataProcessedBytes / 1048576 / (m.elapsedMs / 1000) : null,
  };
}

/** One cell for the table, e.g. "4 raises to 410 ms", "4 raises to 500 ms, aborted", "none". */
export function describeConvergence(s: ConvergenceSummary): string {
  const parts = s.raises ? [`${s.raises} raise${s.raises === 1 ? '' : 's'} to ${s.maxDowntimeMs} ms`] : [];
  if (s.autoConverge) parts.push('auto-converge');
  if (s.postcopy) parts.push('post-copy');
  if (s.aborted) parts.push('aborted');
  return parts.length ? parts.join(', ') : 'none';
}
