import { z } from 'zod';
import { hostCapabilities } from './activity-catalog.js';
import { hostRoles, planMetadataName, stepId } from './schema.js';

/**
 * The shape of a ResolvedPlan (resolved.ts) as it arrives in a run's input, from any client. Shape only:
 * whether its activities exist, run where they are sent and accept their arguments, and whether its hash
 * matches, is checked inside the run by the plan-resolving activity (it has the catalog and sha256).
 * Workflow code imports this file: zod only.
 */

const positiveMs = z.int().positive().max(7 * 24 * 3_600_000, { message: 'at most a week' });

const retry = z.strictObject({
  maximumAttempts: z.int().min(1),
  initialIntervalMs: positiveMs,
  backoffCoefficient: z.number().min(1),
  maximumIntervalMs: positiveMs,
  nonRetryableErrorTypes: z.array(z.string().min(1)),
});

const options = z.strictObject({
  startToCloseMs: positiveMs,
  scheduleToStartMs: positiveMs.nullable(),
  heartbeatMs: positiveMs.nullable(),
  retry,
});

export const resolvedCallSchema = z.strictObject({
  activity: z.string().min(1),
  on: z.enum(hostRoles),
  with: z.record(z.string(), z.unknown()),
  options,
  summary: z.string(),
  onlyIf: z.enum(hostCapabilities).optional(),
});

export const resolvedActivityStepSchema = resolvedCallSchema.extend({
  kind: z.literal('activity'),
  id: stepId,
  readOnly: z.boolean(),
  pivot: z.boolean(),
  compensate: resolvedCallSchema.nullable(),
  secondPointOfNoReturn: z.string().max(1000).optional(),
});

export const resolvedGroupStepSchema = z.strictObject({
  kind: z.literal('parallel'),
  id: stepId,
  get steps() {
    return z.array(resolvedStepSchema).min(1);
  },
});

export const resolvedStepSchema = z.discriminatedUnion('kind', [resolvedActivityStepSchema, resolvedGroupStepSchema]).meta({ id: 'ResolvedStep' });

export const resolvedPlanSchema = z
  .strictObject({
    name: planMetadataName,
    version: z.int().positive(),
    hash: z.string().regex(/^[0-9a-f]{64}$/, { message: 'expected a sha256 in hex (64 characters 0-9a-f)' }),
    steps: z.array(resolvedStepSchema).min(1),
  })
  .meta({ id: 'ResolvedPlan', description: 'A plan with every default filled in; hash = sha256 of the canonical JSON of {name, version, steps}' });
