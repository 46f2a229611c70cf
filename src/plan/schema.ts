import { z } from 'zod';
import { durationHint, parseDuration } from '../util/duration.js';

/**
 * The shape of a MigrationPlan, as written in YAML. Only shapes live here; rules that need the activity
 * registry or look across steps (ids, pivots, compensations) are in `validate.ts`.
 */

export const hostRoles = ['source', 'destination', 'control'] as const;
export type HostRole = (typeof hostRoles)[number];

export const duration = z.string().refine((s) => parseDuration(s) !== null, { message: `expected ${durationHint}` });

/** Plan names and step ids: lower-case letters and digits, in words joined by single dashes (`detach-vf`). */
export const planNamePattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export const stepId = z.string().regex(planNamePattern, { message: 'expected lower-case letters, digits and single dashes, e.g. detach-vf' });

export const planMetadataName = z.string().regex(planNamePattern, { message: 'expected lower-case letters, digits and dashes' });

const withArgs = z.record(z.string(), z.unknown());

export const retrySchema = z.strictObject({
  maximumAttempts: z.int().min(1).optional(),
  initialInterval: duration.optional(),
  backoffCoefficient: z.number().min(1).optional(),
  maximumInterval: duration.optional(),
  nonRetryableErrorTypes: z.array(z.string().min(1)).optional(),
});

export const timeoutSchema = z.strictObject({
  startToClose: duration.optional(),
  scheduleToStart: duration.optional(),
  heartbeat: duration.optional(),
});

export const compensationSchema = z.strictObject({
  activity: z.string().min(1),
  on: z.enum(hostRoles),
  with: withArgs.optional(),
});

export const activityStepSchema = z.strictObject({
  id: stepId,
  activity: z.string().min(1),
  on: z.enum(hostRoles),
  with: withArgs.optional(),
  readOnly: z.boolean().optional(),
  pivot: z.boolean().optional(),
  timeout: timeoutSchema.optional(),
  retry: retrySchema.optional(),
  compensate: compensationSchema.optional(),
});

/** Group members are checked one by one (see validate.ts), so a bad member names its own path. */
export const groupStepSchema = z.strictObject({
  id: stepId,
  parallel: z.array(z.unknown()).min(1, { message: 'a parallel group needs at least one step' }),
});

/**
 * What a plan must say it accepts. `second-point-of-no-return`: a step may go past the pivot's point of no
 * return a second time (post-copy), where a failure can no longer be rolled back to the source.
 */
export const acknowledgements = ['second-point-of-no-return'] as const;
export type Acknowledgement = (typeof acknowledgements)[number];

export const planSchema = z.strictObject({
  apiVersion: z.literal('vfmigrate/v1'),
  kind: z.literal('MigrationPlan'),
  metadata: z.strictObject({
    name: planMetadataName,
    version: z.int().positive(),
  }),
  spec: z.strictObject({
    steps: z.array(z.unknown()).min(1, { message: 'a plan needs at least one step' }),
    acknowledge: z.array(z.enum(acknowledgements)).optional(),
  }),
});

export type Retry = z.infer<typeof retrySchema>;
export type Timeouts = z.infer<typeof timeoutSchema>;
export type Compensation = z.infer<typeof compensationSchema>;
export type ActivityStep = z.infer<typeof activityStepSchema>;
export interface GroupStep {
  id: string;
  parallel: Step[];
}
export type Step = ActivityStep | GroupStep;

export interface Plan {
  apiVersion: 'vfmigrate/v1';
  kind: 'MigrationPlan';
  metadata: { name: string; version: number };
  spec: { steps: Step[]; acknowledge?: Acknowledgement[] };
}

export function isGroup(step: Step): step is GroupStep {
  return 'parallel' in step;
}
