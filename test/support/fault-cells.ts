import { flattenSteps, type ResolvedPlan } from '../../src/plan/resolved.js';

/** The faults of issue 11, as the model matrix makes them happen (fault-matrix.ts). */
export const faultKinds = [
  'activity-fails',
  'host-worker-killed',
  'control-worker-killed',
  'temporal-killed',
  'source-libvirtd-restart',
  'destination-libvirtd-restart',
  'destination-unreachable',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface MatrixPoint {
  /** A plan step's id (an activity, a member of a parallel group included). */
  step: string;
  /** during: while the step's job runs (the testbed's migrate; a model step has no duration to hit). */
  point: 'before' | 'during' | 'after';
  /** Which host the step runs on, from the plan. */
  on: string;
}

export interface MatrixCell {
  /** `fault@before:step`: what --cells matches. */
  id: string;
  fault: FaultKind;
  at: MatrixPoint;
}

/** Before and after each step of the plan, in its order: a new plan's steps are covered without code changes. */
export function matrixPoints(plan: ResolvedPlan): MatrixPoint[] {
  return flattenSteps(plan.steps).flatMap((s) => (['before', 'after'] as const).map((point) => ({ step: s.id, point, on: s.on })));
}

/**
 * Every fault at every point, or those whose id contains one of `filters` (`host-worker-killed`,
 * `@after:migrate`, `activity-fails@before:detach-vf`).
 */
export function matrixCells(plan: ResolvedPlan, filters: string[] = []): MatrixCell[] {
  const cells = faultKinds.flatMap((fault) => matrixPoints(plan).map((at) => ({ id: `${fault}@${at.point}:${at.step}`, fault, at })));
  return filters.length ? cells.filter((c) => filters.some((f) => c.id.includes(f))) : cells;
}

/**
 * The testbed's cells: each fault once before the pivot, once while the pivot step runs and once after it,
 * the cells that differ in kind (a real cell costs a real migration). After the pivot each fault goes where
 * it tells most: where a result is lost with the step done (after the pivot step), at the first step that
 * needs the destination again, or at the run's last step.
 */
export function testbedCells(plan: ResolvedPlan, filters: string[] = []): MatrixCell[] {
  const steps = flattenSteps(plan.steps);
  const pivotAt = steps.findIndex((s) => s.pivot);
  const pivot = steps[pivotAt];
  const next = steps[pivotAt + 1];
  const last = steps.at(-1);
  if (!pivot || !next || !last) throw new Error(`plan ${plan.name} has no step after a pivot: no testbed matrix for it`);
  const at = (step: (typeof steps)[number], point: MatrixPoint['point']): MatrixPoint => ({ step: step.id, point, on: step.on });
  const afterPivot: Record<FaultKind, MatrixPoint> = {
    'activity-fails': at(pivot, 'after'),
    'host-worker-killed': at(pivot, 'after'),
    'control-worker-killed': at(last, 'before'),
    'temporal-killed': at(next, 'before'),
    'source-libvirtd-restart': at(pivot, 'after'),
    'destination-libvirtd-restart': at(next, 'before'),
    'destination-unreachable': at(next, 'before'),
  };
  const cells = faultKinds.flatMap((fault) => [at(pivot, 'before'), at(pivot, 'during'), afterPivot[fault]].map((p) => ({ id: `${fault}@${p.point}:${p.step}`, fault, at: p })));
  return filters.length ? cells.filter((c) => filters.some((f) => c.id.includes(f))) : cells;
}

/** The points the cells hit, in the plan's order (before, during, after within a step): a table's rows. */
export function cellPoints(plan: ResolvedPlan, cells: MatrixCell[]): string[] {
  const order = flattenSteps(plan.steps).map((s) => s.id);
  const points = ['before', 'during', 'after'];
  const rank = (c: MatrixCell): number => order.indexOf(c.at.step) * points.length + points.indexOf(c.at.point);
  const sorted = [...cells].sort((a, b) => rank(a) - rank(b));
  return [...new Set(sorted.map((c) => `${c.at.point} ${c.at.step}`))];
}
