import { ApplicationFailure } from '@temporalio/activity';
import type { ResolvedPlan } from '../plan/resolved.js';
import { resolvePlanRef } from '../plan/resolve-ref.js';
import { activityRegistry } from './registry.js';

/**
 * The control worker's activity: a run's plan reference (a shipped plan's name, a plan document, or a
 * resolved plan) becomes the plan the run executes, or the run is refused with every problem. It runs where
 * plans/ and the activity catalog are, and its result is recorded in the run's history (workflows/run-plan.ts).
 */
export async function resolveMigrationPlan(ref: unknown): Promise<ResolvedPlan> {
  const result = await resolvePlanRef(ref, activityRegistry);
  if (result.ok) return result.plan;
  throw ApplicationFailure.create({ type: 'InvalidInput', message: result.problems.join('; '), nonRetryable: true, details: [{ problems: result.problems }] });
}

export const controlActivities = { resolveMigrationPlan };
