import { controlQueue, hostQueue } from '../temporal/names.js';
import { formatDuration } from '../util/duration.js';
import type { ResolvedActivityStep, ResolvedCall, ResolvedPlan, ResolvedStep } from './resolved.js';
import type { HostRole } from './schema.js';

export interface ExplainOptions {
  file: string;
  /** Names the queues after these hosts when given; otherwise `<source>` / `<destination>`. */
  source?: string;
  destination?: string;
  queuePrefix: string;
}

/**
 * What a plan will do, in order: where each step runs, what undoes it, and for every step the exact
 * compensations (newest first) that run if it fails. Mirrors the interpreter's rules: a failed step's
 * own compensation runs too (it may have acted), and nothing is undone once the pivot has succeeded.
 */
export function explainPlan(plan: ResolvedPlan, opts: ExplainOptions): string[] {
  const host = (on: HostRole): string => (on === 'control' ? 'control' : ((on === 'source' ? opts.source : opts.destination) ?? on));
  const queue = (on: HostRole): string =>
    on === 'control' ? controlQueue(opts.queuePrefix) : hostQueue(opts.queuePrefix, (on === 'source' ? opts.source : opts.destination) ?? `<${on}>`);
  const pivot = plan.steps.findIndex((s) => s.kind === 'activity' && s.pivot);
  const rows: string[][] = [['#', 'step', 'activity', 'runs on (task queue)', 'undone by']];
  plan.steps.forEach((step, i) => {
    const n = String(i + 1);
    if (step.kind === 'parallel') {
      rows.push([n, step.id, '(parallel group)', '', '']);
      step.steps.forEach((m, j) => rows.push(...stepRows(m, `${n}${String.fromCharCode(97 + j)}`, i > pivot, queue, host)));
    } else {
      rows.push(...stepRows(step, n, i > pivot, queue, host));
    }
  });
  const lines = [`plan ${plan.name} v${plan.version} (sha256 ${plan.hash.slice(0, 12)}) from ${opts.file}`, '', ...table(rows), ''];
  lines.push('If a step fails, these run in this order:');
  const undo: string[] = [];
  plan.steps.forEach((step, i) => {
    const label = `${i + 1} ${step.id}`;
    if (i > pivot) {
      lines.push(`  ${label}: nothing is undone (the VM has moved); retried forward, then the run ends DEGRADED`);
      return;
    }
    const own = compensationsOf(step).map((c) => call(c, host));
    const order = [...own.reverse(), ...[...undo].reverse()];
    lines.push(`  ${label}: ${order.length ? order.join(' → ') : 'nothing to undo'}${i === pivot ? '  (the VM has not moved)' : ''}`);
    if (step.kind === 'activity' && step.secondPointOfNoReturn) {
      lines.push(`  ${label} after a switch to post-copy: NOTHING is undone and nothing can be: the run ends NeedsAttention with libvirt's state on both hosts`);
    }
    undo.push(...compensationsOf(step).map((c) => call(c, host)));
  });
  lines.push('', 'A cancel before the pivot undoes the same way; during migrate it aborts the migration job first; after the pivot the run finishes forward.');
  plan.steps.forEach((step, i) => {
    if (step.kind !== 'activity' || !step.secondPointOfNoReturn) return;
    lines.push('', `SECOND POINT OF NO RETURN (acknowledged by the plan): step ${i + 1} ${step.id}: ${step.secondPointOfNoReturn}.`);
  });
  return lines;
}

function stepRows(step: ResolvedStep, n: string, afterPivot: boolean, queue: (on: HostRole) => string, host: (on: HostRole) => string): string[][] {
  if (step.kind === 'parallel') return [[n, step.id, '(parallel group)', '', '']];
  const undoneBy = step.pivot
    ? `PIVOT: point of no return${step.secondPointOfNoReturn ? ' (post-copy: a second one)' : ''}`
    : step.compensate
      ? call(step.compensate, host)
      : afterPivot
        ? '(after the pivot: retried forward)'
        : step.readOnly
          ? '(read-only)'
          : '';
  return [
    [n, step.id, `${step.activity}${args(step.with)}`, `${step.on} (${queue(step.on)})`, undoneBy],
    ['', '', timing(step), '', ''],
  ];
}

function compensationsOf(step: ResolvedStep): ResolvedCall[] {
  if (step.kind === 'parallel') return step.steps.flatMap(compensationsOf);
  return step.compensate ? [step.compensate] : [];
}

function call(c: ResolvedCall, host: (on: HostRole) => string): string {
  return `${c.activity}${args(c.with)} on ${host(c.on)}`;
}

function args(w: Record<string, unknown>): string {
  const entries = Object.entries(w);
  return entries.length ? `(${entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')})` : '';
}

function timing(step: ResolvedActivityStep): string {
  const o = step.options;
  const parts = [`timeout ${formatDuration(o.startToCloseMs)}`];
  if (o.heartbeatMs) parts.push(`heartbeat ${formatDuration(o.heartbeatMs)}`);
  if (o.scheduleToStartMs) parts.push(`worker within ${formatDuration(o.scheduleToStartMs)}`);
  parts.push(`${o.retry.maximumAttempts} attempt${o.retry.maximumAttempts === 1 ? '' : 's'}`);
  if (step.onlyIf) parts.push(`skipped where the host has no ${step.onlyIf === 'vfMac' ? 'VF MAC handling' : 'FDB device'} configured`);
  return `  ${parts.join(', ')}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}
