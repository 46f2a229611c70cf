import * as wf from '@temporalio/workflow';
import { planRefKind, type PlanRef } from '../plan/plan-ref.js';
import type { ResolvedPlan } from '../plan/resolved.js';
import { controlQueue } from '../temporal/names.js';
import { inputProblemsOf, invalidInput } from './invalid-input.js';

/** The control activity that resolves and checks a plan reference (src/activities/resolve-migration-plan.ts). */
export const resolvePlanActivity = 'resolveMigrationPlan';

/**
 * The plan a run executes, from the reference in its input: resolved (a name or a document) and checked
 * (a resolved plan's hash and rules) by an activity on the control queue, so the result is recorded in the
 * run's history and replays the same whatever plans/ or the catalog hold later. Runs recorded before this
 * existed (`inRun` false, their patch absent) ran the resolved plan they were given, unchecked.
 */
export async function runPlan(ref: PlanRef, queuePrefix: string, inRun: boolean, what: string): Promise<ResolvedPlan> {
  if (!inRun) return ref as ResolvedPlan;
  const label = typeof ref === 'string' ? ref : planRefKind(ref) === 'resolved' ? `${(ref as ResolvedPlan).name} (resolved)` : 'document';
  try {
    return await wf.scheduleActivity<ResolvedPlan>(resolvePlanActivity, [ref], {
      taskQueue: controlQueue(queuePrefix),
      summary: `resolve and check plan ${label.slice(0, 80)}`,
      startToCloseTimeout: '30s',
      retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: ['InvalidInput'] },
    });
  } catch (err) {
    const problems = inputProblemsOf(err);
    if (problems) throw invalidInput(what, problems);
    throw err;
  }
}
