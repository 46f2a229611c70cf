import { z } from 'zod';
import { duration } from '../plan/schema.js';
import { durationParam } from '../util/duration.js';

/**
 * How the migrate step gets a busy guest across: the `with` of a plan's migrate step, and what an
 * EvacuationPolicy may override. Zod only (no Node): the policy schema, which workflows read, uses it.
 *
 * The defaults are Nova's (live_migration_downtime 500 ms in 10 steps, 75 s per GiB between steps,
 * completion timeout 800 s per GiB, action abort): safe because the only thing they do when the budget
 * runs out is abort, which leaves the VM where it was with its VF back.
 */
export const budgetActions = ['abort', 'postcopy'] as const;
export type BudgetAction = (typeof budgetActions)[number];

const steps = z.int({ message: 'expected a whole number of steps, 1 to 100' }).min(1, { message: 'expected a whole number of steps, 1 to 100' }).max(100, { message: 'expected a whole number of steps, 1 to 100' });

export const convergenceFields = {
  /** libvirt's bandwidth cap for the job, MiB/s; none = as fast as the link goes. */
  bandwidthMiBps: z.int().positive().optional(),
  /** QEMU throttles the guest's vCPUs while it dirties memory faster than the link copies it. */
  autoConverge: z.boolean().default(false),
  /** The ceiling of the allowed pause: escalation starts at maxDowntime / downtimeSteps and ends here. */
  maxDowntime: durationParam('500ms'),
  downtimeSteps: steps.default(10),
  /** Time between two downtime raises, per GiB of guest memory. */
  downtimeDelayPerGiB: durationParam('75s'),
  /** How long the job may run, per GiB of guest memory, before `onBudgetExhausted` happens. */
  completionBudgetPerGiB: durationParam('800s'),
  /** No new low in the data remaining for this long: the job has stalled; `onBudgetExhausted` happens at once. */
  progressTimeout: durationParam('5m'),
  /**
   * abort: the saga rolls back (VM stays on the source, VF back). postcopy: the destination runs the
   * guest and pulls the rest of its memory on demand; a SECOND point of no return (the plan must say so).
   */
  onBudgetExhausted: z.enum(budgetActions).default('abort'),
};

export const convergenceSettingsSchema = z.strictObject(convergenceFields);
export type ConvergenceSettings = z.output<typeof convergenceSettingsSchema>;

/**
 * What a policy may override: the same fields, each optional and without a default (so an override
 * names only what it changes), checked the same way as the plan's.
 */
export const convergenceOverrideSchema = z.strictObject({
  bandwidthMiBps: z.int().positive().optional(),
  autoConverge: z.boolean().optional(),
  maxDowntime: duration.optional(),
  downtimeSteps: steps.optional(),
  downtimeDelayPerGiB: duration.optional(),
  completionBudgetPerGiB: duration.optional(),
  progressTimeout: duration.optional(),
  onBudgetExhausted: z.enum(budgetActions).optional(),
});
export type ConvergenceOverride = z.output<typeof convergenceOverrideSchema>;
