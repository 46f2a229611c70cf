import type { RepairCandidate } from '../domain/repair-candidates.js';
import type { RepairProgress, RepairReport } from '../workflows/repair-types.js';
import { outcomeLine } from './output.js';
import { stepLine } from './progress-lines.js';

/** A repair run as `status` and `repair --wait` print it: where, what was found, each step. */
export function repairLines(p: RepairProgress): string[] {
  return [
    `${p.vm}: repair on ${p.host}${p.formerHost ? ` (left ${p.formerHost})` : ''}, phase ${p.phase}`,
    ...p.findings.map((f) => `  found: ${f}`),
    ...p.steps.map((s) => `  ${stepLine(s)}`),
  ];
}

export function repairReportLines(report: RepairReport): string[] {
  return [outcomeLine(report), ...report.findings.map((f) => `found: ${f}`), `took ${report.durationMs} ms; steps:`, ...report.steps.map((s) => `  ${stepLine(s)}`)];
}

/** `status --host`: one line per VM needing repair, or one saying there is none. */
export function candidateLines(host: string, candidates: readonly RepairCandidate[]): string[] {
  if (!candidates.length) return [`${host}: no VM needs repair`];
  return [
    `${host}: ${candidates.length} VM${candidates.length === 1 ? '' : 's'} need${candidates.length === 1 ? 's' : ''} repair (\`vfmigrate repair VM\`):`,
    ...candidates.map((c) => `  ${c.vm}: ${c.findings.join('; ')}`),
  ];
}
