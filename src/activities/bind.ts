import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { ZodError } from 'zod';
import { formatZodIssues } from '../config/zod-problems.js';
import { VfmigrateError, WrongHostError } from '../errors.js';
import type { ActivityDefinition } from './define.js';
import type { Facts } from './facts.js';
import type { HostServices } from './host-services.js';
import { activityDefinitions } from './registry.js';
import { stepInputSchema, type StepInput } from './step-input.js';

export type ActivityFunction = (input: StepInput) => Promise<Partial<Facts>>;

/** The activity functions a host worker registers, each bound to that host's services. */
export function hostActivities(host: HostServices, definitions = activityDefinitions): Record<string, ActivityFunction> {
  return Object.fromEntries(definitions.map((def) => [def.name, bind(def, host)]));
}

function bind(def: ActivityDefinition<unknown>, host: HostServices): ActivityFunction {
  return async (raw) => {
    try {
      const input = stepInputSchema.parse(raw);
      const expected = input.role === 'source' ? input.source : input.role === 'destination' ? input.destination : null;
      if (expected !== host.name) {
        throw new WrongHostError(`${def.name} for role ${input.role} (${expected ?? 'control'}) reached the worker of ${host.name}; check the task queue wiring`);
      }
      return await def.run({ host, input, params: def.with.parse(input.with) });
    } catch (err) {
      throw toFailure(err, def.name, host.name);
    }
  };
}

/** Typed errors become ApplicationFailures of the same type; retryable only where retrying can help. */
export function toFailure(err: unknown, activity: string, host: string): unknown {
  if (err instanceof CancelledFailure || err instanceof ApplicationFailure) return err;
  if (err instanceof VfmigrateError) {
    return ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: !err.retryable });
  }
  if (err instanceof ZodError) {
    return ApplicationFailure.create({ type: 'InvalidStepInput', message: `${activity} on ${host}: ${formatZodIssues(err.issues).join('; ')}`, nonRetryable: true });
  }
  Context.current().log.warn('unclassified activity error (will be retried)', { activity, host, error: String(err) });
  return err;
}

/** Wraps a host's plain activities (not plan steps) so their errors reach Temporal typed, as toFailure makes them. */
export function typedFailures(host: string) {
  return <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toFailure(err, name, host);
      }
    };
}
