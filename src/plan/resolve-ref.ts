import { formatZodIssues } from '../config/zod-problems.js';
import type { ActivityCatalog } from './activity-catalog.js';
import { loadPlan, shippedPlanNames } from './load.js';
import { planRefKind } from './plan-ref.js';
import { flattenSteps, type ResolvedCall, type ResolvedPlan, type ResolvedStep } from './resolved.js';
import { resolvedPlanSchema } from './resolved-schema.js';
import { resolvePlan, resolvedPlanHash } from './resolve.js';
import { planNamePattern } from './schema.js';
import { validatePlan } from './validate.js';
import { quoted } from '../util/printable.js';

export type RefResolution = { ok: true; plan: ResolvedPlan } | { ok: false; problems: string[] };

/**
 * Turns a run's plan reference (plan-ref.ts) into the plan it runs, or every problem with it, path first
 * under `plan`. A name only ever selects a file in plans/ (never a path), a document goes through the same
 * validator as a plan file, and a resolved plan must hash to its `hash` and pass the same rules.
 */
export async function resolvePlanRef(ref: unknown, catalog: ActivityCatalog): Promise<RefResolution> {
  switch (planRefKind(ref)) {
    case 'name':
      return resolveName(ref as string, catalog);
    case 'document': {
      const result = validatePlan(ref, catalog);
      return result.ok ? { ok: true, plan: resolvePlan(result.plan, catalog) } : { ok: false, problems: result.problems.map((p) => `plan.${p}`) };
    }
    case 'resolved':
      return checkResolved(ref, catalog);
    case null:
      return { ok: false, problems: ["plan: expected a shipped plan's name, a plan document or a resolved plan"] };
  }
}

async function resolveName(name: string, catalog: ActivityCatalog): Promise<RefResolution> {
  const shipped = await shippedPlanNames();
  if (!planNamePattern.test(name) || !shipped.includes(name)) {
    return { ok: false, problems: [`plan: no shipped plan ${quoted(name)} (shipped plans: ${shipped.join(', ')}); or send a plan document`] };
  }
  const loaded = await loadPlan(name, catalog);
  return loaded.ok ? { ok: true, plan: loaded.resolved } : { ok: false, problems: loaded.problems.map((p) => `plan (${name}): ${p}`) };
}

function checkResolved(ref: unknown, catalog: ActivityCatalog): RefResolution {
  const parsed = resolvedPlanSchema.safeParse(ref);
  if (!parsed.success) return { ok: false, problems: formatZodIssues(parsed.error.issues, 'plan') };
  const plan: ResolvedPlan = parsed.data;
  const problems: string[] = [];
  const actual = resolvedPlanHash(plan);
  if (actual !== plan.hash) {
    problems.push(
      `plan.hash: does not match the plan (its steps hash to ${actual}): the plan was changed after it was resolved; resolve it again, or send the plan's name or document instead`,
    );
  }
  // The same rules a plan file obeys: the activities exist, run where they are sent, accept their arguments,
  // and the pivot and compensations make a saga. A hash proves nothing about those: anyone can compute one.
  const rules = validatePlan(documentOf(plan), catalog);
  if (!rules.ok) problems.push(...rules.problems.map(resolvedPath));
  problems.push(...capabilityProblems(plan.steps, 'plan.steps', catalog));
  return problems.length ? { ok: false, problems } : { ok: true, plan };
}

/** The plan document a resolved plan stands for (its durations as milliseconds), for validatePlan. */
function documentOf(plan: ResolvedPlan): unknown {
  const step = (s: ResolvedStep): unknown => {
    if (s.kind === 'parallel') return { id: s.id, parallel: s.steps.map(step) };
    const o = s.options;
    return {
      id: s.id,
      activity: s.activity,
      on: s.on,
      with: s.with,
      readOnly: s.readOnly,
      pivot: s.pivot,
      timeout: { startToClose: `${o.startToCloseMs}ms`, scheduleToStart: ms(o.scheduleToStartMs), heartbeat: ms(o.heartbeatMs) },
      retry: {
        maximumAttempts: o.retry.maximumAttempts,
        initialInterval: `${o.retry.initialIntervalMs}ms`,
        backoffCoefficient: o.retry.backoffCoefficient,
        maximumInterval: `${o.retry.maximumIntervalMs}ms`,
        nonRetryableErrorTypes: o.retry.nonRetryableErrorTypes,
      },
      compensate: s.compensate ? { activity: s.compensate.activity, on: s.compensate.on, with: s.compensate.with } : undefined,
    };
  };
  // A resolved step that names its second point of no return came from a plan that acknowledged it.
  const acknowledged = flattenSteps(plan.steps).some((s) => s.secondPointOfNoReturn !== undefined);
  return {
    apiVersion: 'vfmigrate/v1',
    kind: 'MigrationPlan',
    metadata: { name: plan.name, version: plan.version },
    spec: { steps: plan.steps.map(step), ...(acknowledged ? { acknowledge: ['second-point-of-no-return'] } : {}) },
  };
}

function ms(value: number | null): string | undefined {
  return value === null ? undefined : `${value}ms`;
}

/** validatePlan speaks of the document (`spec.steps[1].parallel[0]`); the run's input is `plan.steps[1].steps[0]`. */
function resolvedPath(problem: string): string {
  return problem.replace(/^spec\.steps/, 'plan.steps').replace(/\.parallel\[/g, '.steps[');
}

/** `onlyIf` lets the interpreter skip a call: it must be the catalog's, never the client's choice. */
function capabilityProblems(steps: ResolvedStep[], path: string, catalog: ActivityCatalog): string[] {
  return steps.flatMap((s, i): string[] => {
    const at = `${path}[${i}]`;
    if (s.kind === 'parallel') return capabilityProblems(s.steps, `${at}.steps`, catalog);
    const calls: [ResolvedCall, string][] = [[s, at], ...(s.compensate ? [[s.compensate, `${at}.compensate`] as [ResolvedCall, string]] : [])];
    return calls.flatMap(([call, p]) => {
      const def = catalog.get(call.activity);
      if (!def || call.onlyIf === def.onlyIf) return [];
      return [`${p}.onlyIf: must be ${def.onlyIf ? `"${def.onlyIf}"` : 'absent'} for activity "${call.activity}" (the catalog, not the plan, decides when a call is skipped)`];
    });
  });
}
