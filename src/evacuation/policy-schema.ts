import { z } from 'zod';
import { convergenceOverrideSchema } from '../activities/convergence-settings.js';
import { planRuleSchema } from '../plan/plan-choice.js';
import { defaultPlanName } from '../plan/plan-ref.js';
import { hostNamePattern } from '../temporal/names.js';

export const placements = ['most-free-vfs', 'spread', 'pack'] as const;
export const orders = ['smallest-memory-first', 'largest-memory-first', 'name'] as const;
export const failureModes = ['continue', 'pause', 'stop'] as const;

const hostName = z.string().regex(hostNamePattern, { message: 'expected a host name (letters, digits, . _ -)' });
const limit = z.int().min(1, { message: 'must be at least 1' });

/** How one host is drained: which plan each VM runs, how many at once, where they may go. */
export const policySchema = z.strictObject({
  apiVersion: z.literal('vfmigrate/v1'),
  kind: z.literal('EvacuationPolicy'),
  metadata: z.strictObject({
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'expected lower-case letters, digits and dashes' }),
  }),
  spec: z.strictObject({
    /**
     * The plan a VM with a VF runs when no rule matches: a shipped plan's name or a plan file path (relative
     * to the policy file). A VM without a VF runs plain-live-migration unless a rule says otherwise.
     */
    plan: z.string().min(1).default(defaultPlanName),
    /** Ordered; the first rule whose `match` fits a VM chooses its plan (a shipped plan's name). */
    planRules: z.array(planRuleSchema).max(100, { message: 'at most 100 rules' }).default([]),
    maxParallel: limit.default(4),
    maxOutgoingPerSource: limit.default(2),
    maxIncomingPerDestination: limit.default(2),
    placement: z.enum(placements).default('most-free-vfs'),
    destinations: z
      .strictObject({ include: z.array(hostName).default([]), exclude: z.array(hostName).default([]) })
      .default({ include: [], exclude: [] }),
    order: z.enum(orders).default('smallest-memory-first'),
    onFailure: z.enum(failureModes).default('continue'),
    /**
     * Laid over the plan's migrate step when the policy is loaded (the run gets the plan with these values
     * in it, so its history shows what ran). `onBudgetExhausted: postcopy` needs a plan that acknowledges it.
     */
    convergence: convergenceOverrideSchema.optional(),
  }),
});

export type Policy = z.output<typeof policySchema>;
export type PolicySpec = Policy['spec'];
export type Placement = PolicySpec['placement'];
