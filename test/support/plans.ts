import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPlan, parsePlanText, planFileFor, type PlanLoad } from '../../src/plan/load.js';

export type LoadedPlan = Extract<PlanLoad, { ok: true }>;
type RawStep = Record<string, unknown> & { id: string };

/**
 * A shipped plan with some steps changed (shorter retries or deadlines, so fault tests finish in
 * seconds). Goes through the same parser and validator as any user's plan.
 */
export function planWith(name: string, edits: Record<string, Record<string, unknown>>): LoadedPlan {
  const raw = parse(readFileSync(planFileFor(name), 'utf8')) as { spec: { steps: RawStep[] } };
  const edit = (step: RawStep): void => {
    Object.assign(step, edits[step.id] ?? {});
    (step.parallel as RawStep[] | undefined)?.forEach(edit);
  };
  raw.spec.steps.forEach(edit);
  const loaded = parsePlanText(stringify(raw), `${name} (edited for a test)`, activityRegistry);
  if (!loaded.ok) throw new Error(`test plan is invalid:\n${loaded.problems.join('\n')}`);
  return loaded;
}

/** Fast retries for the steps after the pivot, so a degraded run ends in about a second. */
export const quickForward = { retry: { maximumAttempts: 3, initialInterval: '100ms', maximumInterval: '200ms' } };

/** A shipped plan, loaded as `vfmigrate` loads it (the test fails at once if it does not load). */
export async function shippedPlan(name: string): Promise<LoadedPlan> {
  const loaded = await loadPlan(name, activityRegistry);
  if (!loaded.ok) throw new Error(`shipped plan ${name} is invalid:\n${loaded.problems.join('\n')}`);
  return loaded;
}

/**
 * The default plan with its migrate step's convergence settings set (`with`), fast forward retries, and,
 * when `acknowledge`, the plan-level acknowledgement post-copy needs.
 */
export function convergencePlan(migrateWith: Record<string, unknown>, acknowledge = false): LoadedPlan {
  const raw = parse(readFileSync(planFileFor('sriov-live-migration'), 'utf8')) as { spec: { steps: RawStep[]; acknowledge?: string[] } };
  for (const step of raw.spec.steps) {
    if (step.id === 'migrate') Object.assign(step, { with: migrateWith, retry: { maximumAttempts: 2, initialInterval: '100ms' } });
    if (step.id === 'standby-down') Object.assign(step, quickForward);
    if (step.id === 'switch-back') (step.parallel as RawStep[]).forEach((member) => Object.assign(member, quickForward));
  }
  if (acknowledge) raw.spec.acknowledge = ['second-point-of-no-return'];
  const loaded = parsePlanText(stringify(raw), 'sriov-live-migration (convergence test)', activityRegistry);
  if (!loaded.ok) throw new Error(`test plan is invalid:\n${loaded.problems.join('\n')}`);
  return loaded;
}
