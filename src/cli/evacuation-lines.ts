import type { EvacuationProgress, EvacuationReport, VmEntry } from '../evacuation/evacuation-types.js';

const stateMarks: Record<VmEntry['state'], string> = {
  pending: ' ',
  waiting: '…',
  migrating: '▶',
  migrated: '✓',
  degraded: '!',
  failed: '✗',
  cancelled: '–',
  skipped: '↷',
  unplaceable: '∅',
};

/** The progress bar with its counts, elapsed time and ETA, then each host found unavailable. */
export function evacuationLines(p: EvacuationProgress | EvacuationReport): string[] {
  const c = p.counts;
  const done = c.migrated + c.failed + c.degraded + c.skipped + c.unplaceable + c.cancelled;
  const total = p.vms.length;
  const width = 30;
  const filled = total ? Math.round((width * done) / total) : width;
  const eta = p.etaMs === null ? '' : `, ETA ${Math.round(p.etaMs / 1000)} s`;
  return [
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${p.state} — ${c.migrated} migrated, ${c.migrating} migrating, ${c.pending + c.waiting} waiting, ${c.failed} failed, ${c.degraded} degraded, ${c.skipped} skipped, ${c.unplaceable} unplaceable; ${Math.round(p.elapsedMs / 1000)} s${eta}`,
    ...p.unavailable.map((u) => `  unavailable: ${u.host}: ${u.reason}`),
  ];
}

export function vmLine(v: VmEntry): string {
  return `  ${stateMarks[v.state]} ${v.vm} (${v.memoryMiB} MiB)${v.destination ? ` → ${v.destination}` : ''} ${v.state}${v.durationMs !== undefined ? ` ${v.durationMs} ms` : ''}${v.message && v.state !== 'migrated' ? `: ${v.message}` : ''}${v.planChoice ? ` [${v.planChoice}]` : ''}`;
}

