import { CancelledFailure, type Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { stepInputSchema } from '../activities/step-input.js';

/** What a step line names, read from the activity's input before the activity checks it (see `stepFields`). */
const stepFieldsSchema = stepInputSchema.pick({ vm: true, step: true, role: true, workflowId: true }).extend({ step: stepInputSchema.shape.step.max(128) });

export interface StepFields {
  workflowId: string;
  vm: string;
  host: string;
  step: string;
  role: string;
  activityType: string;
  attempt: number;
}

/**
 * The fields of a plan step's log lines, or null for an activity that is not a step (the evacuation's
 * capacity questions) or whose input the activity will refuse anyway: such input comes from any client,
 * so it is never copied into a log line unchecked; the activity's own failure names the problem.
 */
export function stepFields(ctx: Pick<Context, 'info'>, raw: unknown, host: string): StepFields | null {
  const parsed = stepFieldsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { vm, step, role } = parsed.data;
  return { workflowId: ctx.info.workflowExecution?.workflowId ?? parsed.data.workflowId, vm, host, step, role, activityType: ctx.info.activityType, attempt: ctx.info.attempt };
}

/** How a step attempt ended, for its end line. */
export function stepOutcome(err: unknown): { outcome: 'failed' | 'cancelled'; error?: { type: string; message: string } } {
  if (err instanceof CancelledFailure) return { outcome: 'cancelled' };
  const type = err instanceof Error ? ('type' in err && typeof err.type === 'string' ? err.type : err.name) : typeof err;
  return { outcome: 'failed', error: { type, message: err instanceof Error ? err.message : String(err) } };
}

/**
 * One line when a step starts on this host and one when it ends (outcome, duration), on the host worker
 * where it runs: the worker knows the workflow, the activity and the attempt, and the interpreter passes
 * the VM and the step id in every step's input. The lines go to the activity's logger, so they carry the
 * SDK's own attributes too and come out as JSON lines with `--log-format json`.
 */
export function stepLog(host: string): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const fields = stepFields(ctx, input.args[0], host);
        if (!fields) return next(input);
        ctx.log.info(`step ${fields.step} started`, { ...fields, event: 'step-started' });
        const started = performance.now();
        const durationMs = (): number => Math.round(performance.now() - started);
        try {
          const result = await next(input);
          ctx.log.info(`step ${fields.step} completed`, { ...fields, event: 'step-ended', outcome: 'completed', durationMs: durationMs() });
          return result;
        } catch (err) {
          const outcome = stepOutcome(err);
          ctx.log.info(`step ${fields.step} ${outcome.outcome}`, { ...fields, event: 'step-ended', ...outcome, durationMs: durationMs() });
          throw err;
        }
      },
    },
  });
}
