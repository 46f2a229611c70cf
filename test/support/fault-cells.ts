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
  point: 'before' | 'after';
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
