import { parseDuration } from '../util/duration.js';
import type { ActivityCatalog, ActivitySpec } from './activity-catalog.js';
import { planHash } from './hash.js';
import type { ResolvedActivityStep, ResolvedCall, ResolvedPlan, ResolvedRetry, ResolvedStep } from './resolved.js';
import { secondPointOfNoReturn } from './validate.js';
import { isGroup, type ActivityStep, type Compensation, type Plan, type Retry, type Step, type Timeouts } from './schema.js';

/**
 * Retry defaults. Before the pivot a step that keeps failing should give up and let the run compensate;
 * after it there is no way back, so steps (and compensations, which must not be left half-done) keep trying.
 */
const retryBeforePivot: ResolvedRetry = { maximumAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 30_000, nonRetryableErrorTypes: [] };
const retryAfterPivot: ResolvedRetry = { ...retryBeforePivot, maximumAttempts: 10 };
const retryCompensation: ResolvedRetry = { ...retryBeforePivot, maximumAttempts: 10 };

/** Fills every default from the plan and the activity catalog. Expects a plan `validatePlan` accepted. */
export function resolvePlan(plan: Plan, catalog: ActivityCatalog): ResolvedPlan {
  const pivotIndex = plan.spec.steps.findIndex((s) => !isGroup(s) && s.pivot === true);
  const steps = plan.spec.steps.map((s, i) => resolveStep(s, catalog, i > pivotIndex ? retryAfterPivot : retryBeforePivot));
  const { name, version } = plan.metadata;
  return { name, version, hash: resolvedPlanHash({ name, version, steps }), steps };
}

/**
 * What a ResolvedPlan's `hash` is: sha256 of the canonical JSON of exactly what the run executes, so a
 * run can check a resolved plan it is handed (a hash of the source document could not be checked from the
 * resolved form). It names what runs, not the YAML: the same plan hashes the same whatever its layout.
 */
export function resolvedPlanHash(plan: Pick<ResolvedPlan, 'name' | 'version' | 'steps'>): string {
  return planHash({ name: plan.name, version: plan.version, steps: plan.steps });
}

function resolveStep(step: Step, catalog: ActivityCatalog, retry: ResolvedRetry): ResolvedStep {
  if (isGroup(step)) return { kind: 'parallel', id: step.id, steps: step.parallel.map((s) => resolveStep(s, catalog, retry)) };
  return resolveActivityStep(step, catalog, retry);
}

function resolveActivityStep(step: ActivityStep, catalog: ActivityCatalog, retry: ResolvedRetry): ResolvedActivityStep {
  const def = definition(catalog, step.activity);
  return {
    kind: 'activity',
    id: step.id,
    readOnly: step.readOnly ?? def.readOnly,
    pivot: step.pivot ?? false,
    ...resolveCall(step, def, step.timeout, step.retry, retry),
    compensate: step.compensate ? resolveCompensation(step.compensate, catalog) : null,
    ...withSecondNoReturn(step, catalog),
  };
}

/** Only on a step that has one: every other plan resolves (and hashes) as before. */
function withSecondNoReturn(step: ActivityStep, catalog: ActivityCatalog): { secondPointOfNoReturn?: string } {
  const risk = secondPointOfNoReturn(step, catalog);
  return risk ? { secondPointOfNoReturn: risk } : {};
}

function resolveCompensation(c: Compensation, catalog: ActivityCatalog): ResolvedCall {
  return resolveCall(c, definition(catalog, c.activity), undefined, undefined, retryCompensation);
}

function resolveCall(
  call: { activity: string; on: ResolvedCall['on']; with?: Record<string, unknown> },
  def: ActivitySpec,
  timeout: Timeouts | undefined,
  retry: Retry | undefined,
  retryDefaults: ResolvedRetry,
): ResolvedCall {
  return {
    activity: call.activity,
    on: call.on,
    with: call.with ?? {},
    summary: def.summary,
    ...(def.onlyIf ? { onlyIf: def.onlyIf } : {}),
    options: {
      startToCloseMs: ms(timeout?.startToClose ?? def.defaults.startToClose),
      scheduleToStartMs: optionalMs(timeout?.scheduleToStart ?? def.defaults.scheduleToStart),
      heartbeatMs: optionalMs(timeout?.heartbeat ?? def.defaults.heartbeat),
      retry: {
        maximumAttempts: retry?.maximumAttempts ?? retryDefaults.maximumAttempts,
        initialIntervalMs: optionalMs(retry?.initialInterval) ?? retryDefaults.initialIntervalMs,
        backoffCoefficient: retry?.backoffCoefficient ?? retryDefaults.backoffCoefficient,
        maximumIntervalMs: optionalMs(retry?.maximumInterval) ?? retryDefaults.maximumIntervalMs,
        nonRetryableErrorTypes: retry?.nonRetryableErrorTypes ?? retryDefaults.nonRetryableErrorTypes,
      },
    },
  };
}

function definition(catalog: ActivityCatalog, name: string): ActivitySpec {
  const def = catalog.get(name);
  if (!def) throw new Error(`resolvePlan: activity "${name}" is not in the catalog; validate the plan first`);
  return def;
}

function ms(text: string): number {
  const value = parseDuration(text);
  if (value === null) throw new Error(`resolvePlan: bad duration "${text}"; validate the plan first`);
  return value;
}

function optionalMs(text: string | undefined): number | null {
  return text === undefined ? null : ms(text);
}
