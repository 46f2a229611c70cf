import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The failure type of a run (or update) refused for its input; never retried. */
export const invalidInputType = 'InvalidInput';

/**
 * Ends a run whose input is wrong at once, as a failed run with every problem (path: problem) in its message
 * and in details[0].problems. Thrown from workflow code an ApplicationFailure fails the run; anything else
 * would fail the workflow task, which Temporal retries forever, leaving a run that not even cancel ends.
 */
export function invalidInput(what: string, problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({ type: invalidInputType, message: `${what}: ${problems.join('; ')}`, nonRetryable: true, details: [{ problems }] });
}

/** The problems an activity refused an input for (its InvalidInput failure), or null for any other failure. */
export function inputProblemsOf(err: unknown): string[] | null {
  const cause = err instanceof ActivityFailure ? err.cause : null;
  if (!(cause instanceof ApplicationFailure) || cause.type !== invalidInputType) return null;
  const problems = (cause.details?.[0] as { problems?: unknown } | undefined)?.problems;
  return Array.isArray(problems) ? problems.map(String) : [cause.message];
}
