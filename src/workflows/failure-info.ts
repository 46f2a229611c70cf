import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import type { StepError } from './migration-types.js';

/** What went wrong in a step, in words an operator can act on. */
export function describeFailure(err: unknown, queue: string): StepError {
  if (isCancellation(err)) return { type: 'Cancelled', message: 'cancelled by request' };
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    if (cause.timeoutType === 'SCHEDULE_TO_START') {
      return { type: 'NoWorker', message: `no worker picked the step up from task queue ${queue}: is the worker for that host running?` };
    }
    const kind = (cause.timeoutType ?? 'UNKNOWN').toLowerCase().replace(/_/g, '-');
    return { type: 'Timeout', message: `timed out (${kind})${lastAttempt(cause)}` };
  }
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  if (cause instanceof CancelledFailure) return { type: 'Cancelled', message: cause.message };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}

function lastAttempt(timeout: TimeoutFailure): string {
  return timeout.cause instanceof ApplicationFailure ? `; last attempt: ${timeout.cause.message}` : '';
}
