import { formatZodIssues } from '../config/zod-problems.js';
import {
  activityStepSchema,
  groupStepSchema,
  planSchema,
  type ActivityStep,
  type Compensation,
  type Plan,
  type Step,
} from './schema.js';
import type { ActivityCatalog } from './activity-catalog.js';

export type PlanValidation = { ok: true; plan: Plan } | { ok: false; problems: string[] };

/** A step as found while walking the plan, with where it sits. */
interface Located {
  step: ActivityStep;
  path: string;
  /** Index of the top-level step it belongs to (itself, or its group). */
  top: number;
  inGroup: boolean;
}

/**
 * Checks a parsed YAML value against the plan language and the activity catalog. Returns every problem,
 * one line each, path first, so a user fixes a plan in one round instead of one error at a time.
 */
export function validatePlan(raw: unknown, catalog: ActivityCatalog): PlanValidation {
  const top = planSchema.safeParse(raw);
  const problems = top.success ? [] : formatZodIssues(top.error.issues);
  const rawSteps = (raw as { spec?: { steps?: unknown } } | null)?.spec?.steps;
  if (!Array.isArray(rawSteps)) return { ok: false, problems };

  const located: Located[] = [];
  const steps = rawSteps.map((s, i) => walkStep(s, `spec.steps[${i}]`, i, false, located, problems));
  checkIds(rawSteps, problems);
  const acknowledged = ((raw as { spec?: { acknowledge?: unknown } } | null)?.spec?.acknowledge ?? []) as unknown[];
  for (const entry of located) checkActivityStep(entry, catalog, problems);
  for (const entry of located) checkSecondNoReturn(entry, catalog, acknowledged.includes('second-point-of-no-return'), problems);
  // A step whose shape is broken may be the pivot: don't also claim the plan has none.
  if (steps.every((s) => s !== null) || located.some((l) => l.step.pivot)) checkPivotRules(located, catalog, problems);

  if (problems.length || !top.success || steps.some((s) => s === null)) return { ok: false, problems };
  return { ok: true, plan: { ...top.data, spec: { ...top.data.spec, steps: steps as Step[] } } };
}

function walkStep(raw: unknown, path: string, top: number, inGroup: boolean, located: Located[], problems: string[]): Step | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${path}: expected a step: {id, activity, on, …} or a group {id, parallel: [steps]}`);
    return null;
  }
  if ('parallel' in raw) {
    const group = groupStepSchema.safeParse(raw);
    if (!group.success) {
      problems.push(...formatZodIssues(group.error.issues, path));
      return null;
    }
    const members = group.data.parallel.map((m, j) => walkStep(m, `${path}.parallel[${j}]`, top, true, located, problems));
    return members.every((m) => m !== null) ? { id: group.data.id, parallel: members } : null;
  }
  const step = activityStepSchema.safeParse(raw);
  if (!step.success) {
    problems.push(...formatZodIssues(step.error.issues, path));
    return null;
  }
  located.push({ step: step.data, path, top, inGroup });
  return step.data;
}

/** Ids are looked up on the raw value so a duplicate is reported even when the step has other problems. */
function checkIds(rawSteps: unknown[], problems: string[]): void {
  const seen = new Map<string, string>();
  const visit = (raw: unknown, path: string): void => {
    if (typeof raw !== 'object' || raw === null) return;
    const { id, parallel } = raw as { id?: unknown; parallel?: unknown };
    if (typeof id === 'string') {
      const first = seen.get(id);
      if (first) problems.push(`${path}.id: duplicate step id "${id}" (first used at ${first})`);
      else seen.set(id, `${path}.id`);
    }
    if (Array.isArray(parallel)) parallel.forEach((m, j) => visit(m, `${path}.parallel[${j}]`));
  };
  rawSteps.forEach((s, i) => visit(s, `spec.steps[${i}]`));
}

function checkActivityStep({ step, path }: Located, catalog: ActivityCatalog, problems: string[]): void {
  checkCall(step, path, catalog, problems);
  const def = catalog.get(step.activity);
  if (def && step.readOnly === true && !def.readOnly) {
    problems.push(`${path}.readOnly: activity "${step.activity}" changes state, so the step cannot be readOnly`);
  }
  if (step.compensate) checkCall(step.compensate, `${path}.compensate`, catalog, problems);
}

/** The checks a step and a compensation share: the activity exists, may run there, and accepts `with`. */
function checkCall(call: ActivityStep | Compensation, path: string, catalog: ActivityCatalog, problems: string[]): void {
  const def = catalog.get(call.activity);
  if (!def) {
    problems.push(`${path}.activity: unknown activity "${call.activity}" (known: ${[...catalog.keys()].sort().join(', ')})`);
    return;
  }
  if (!def.hosts.includes(call.on)) {
    problems.push(`${path}.on: activity "${call.activity}" cannot run on ${call.on} (it runs on: ${def.hosts.join(', ')})`);
  }
  const args = def.with.safeParse(call.with ?? {});
  if (!args.success) problems.push(...formatZodIssues(args.error.issues, `${path}.with`));
}

/**
 * A step that can go past the point of no return a second time (post-copy) is the pivot itself, and the
 * plan says in so many words that it accepts it: a failure there leaves the VM on neither host cleanly.
 */
function checkSecondNoReturn({ step, path }: Located, catalog: ActivityCatalog, acknowledged: boolean, problems: string[]): void {
  const risk = secondPointOfNoReturn(step, catalog);
  if (!risk) return;
  if (!acknowledged) {
    problems.push(`${path}.with: ${risk}; a plan that allows this says so: add acknowledge: [second-point-of-no-return] under spec`);
  }
  if (step.pivot !== true) problems.push(`${path}.with: only the pivot may go past the point of no return a second time (${risk})`);
}

/** The activity's own words for the second point of no return this call's `with` opens, or null. */
export function secondPointOfNoReturn(call: { activity: string; with?: Record<string, unknown> | undefined }, catalog: ActivityCatalog): string | null {
  const def = catalog.get(call.activity);
  const args = def?.with.safeParse(call.with ?? {});
  return def?.secondPointOfNoReturn && args?.success ? def.secondPointOfNoReturn(args.data) : null;
}

function checkPivotRules(located: Located[], catalog: ActivityCatalog, problems: string[]): void {
  const pivots = located.filter((l) => l.step.pivot === true);
  if (pivots.length === 0) {
    problems.push('spec.steps: no step has pivot: true; exactly one step (usually migrate) must be the point of no return');
    return;
  }
  const [first, ...others] = pivots as [Located, ...Located[]];
  for (const extra of others) {
    problems.push(`${extra.path}.pivot: a second pivot (the first is ${first.path}); a plan has exactly one point of no return`);
  }
  for (const p of pivots.filter((p) => p.inGroup)) {
    problems.push(`${p.path}.pivot: the pivot cannot be inside a parallel group; make it a step of its own`);
  }
  if (first.step.compensate) {
    problems.push(`${first.path}.compensate: the pivot has no compensation (if it fails the VM has not moved; once it succeeds there is no way back)`);
  }
  for (const entry of located) {
    if (entry === first) continue;
    const before = entry.top < first.top;
    const after = entry.top > first.top;
    if (before && !entry.step.compensate && !isReadOnly(entry.step, catalog)) {
      problems.push(
        `${entry.path}: step "${entry.step.id}" changes state before the pivot but has no compensate; add compensate: {activity, on} to undo it, or readOnly: true if it changes nothing`,
      );
    }
    if (after && entry.step.compensate) {
      problems.push(`${entry.path}.compensate: a compensation after the pivot never runs (the VM has moved; the run retries forward); remove it`);
    }
  }
}

function isReadOnly(step: ActivityStep, catalog: ActivityCatalog): boolean {
  return step.readOnly ?? catalog.get(step.activity)?.readOnly ?? false;
}

