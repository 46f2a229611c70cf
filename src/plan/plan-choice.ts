import { z } from 'zod';
import { labelKeyPattern, labelValuePattern } from '../domain/vm-labels.js';
import { isPlain, type VmShape } from '../domain/vm-shape.js';
import { defaultPlanName, planNameSchema } from './plan-ref.js';
import { flattenSteps, type ResolvedPlan } from './resolved.js';

/**
 * Which plan a VM runs when nobody named one: an evacuation policy's rules first (ordered, the first match
 * wins), then the VM's shape. Pure and deterministic: the migration and evacuation workflows call it with
 * the shape a source host described. Workflow code imports this file: zod only.
 */

/** The plan for a VM without a VF: nothing to team, nothing to unplug. */
export const plainPlanName = 'plain-live-migration';

/** VM name globs: `*` any run of characters, `?` one; the rest are VM-name characters matched as written. */
export const vmGlobSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:+*?-]{1,128}$/, { message: 'expected a VM name glob (letters, digits, . _ : + - and the wildcards * and ?)' });

export const planRuleSchema = z
  .strictObject({
    match: z
      .strictObject({
        name: vmGlobSchema.optional().meta({ description: 'a glob the VM name must match' }),
        labels: z
          .record(
            z.string().regex(labelKeyPattern, { message: 'expected a label key (letters, digits, . _ / -; at most 63)' }),
            z.string().regex(labelValuePattern, { message: 'expected a label value (printable, at most 256 characters)' }),
          )
          .optional()
          .meta({ description: 'labels the VM must carry, each with exactly this value (<vfmigrate:labels> in its <metadata>)' }),
      })
      .refine((m) => m.name !== undefined || (m.labels !== undefined && Object.keys(m.labels).length > 0), {
        message: 'give a name glob, labels, or both (a rule that matches everything belongs in `plan`)',
      }),
    plan: planNameSchema,
  })
  .meta({ description: 'VMs matching every condition of `match` run `plan`' });

export type PlanRule = z.output<typeof planRuleSchema>;

export interface PlanChoice {
  plan: string;
  /** One line for reports and the UI, e.g. "no VF -> plain-live-migration". */
  reason: string;
}

/**
 * `teamedPlan`: what a VM with a VF runs when no rule matches (an evacuation policy's `plan`). A VF that
 * is not teamed gets it too (its preflight then names what to fix), and so does a standby whose VF is
 * unplugged (a run that stopped half-way): the plan for VMs without a VF would never plug it back.
 */
export function choosePlan(shape: VmShape, rules: readonly PlanRule[] = [], teamedPlan = defaultPlanName): PlanChoice {
  for (const [i, rule] of rules.entries()) {
    if (matches(rule, shape)) return { plan: rule.plan, reason: `rule ${i + 1} (${describeMatch(rule)}) -> ${rule.plan}` };
  }
  if (isPlain(shape)) return { plan: plainPlanName, reason: `no VF -> ${plainPlanName}` };
  if (shape.vfs === 0) return { plan: teamedPlan, reason: `standby whose VF is unplugged -> ${teamedPlan}` };
  if (shape.teamedPairs === 0) return { plan: teamedPlan, reason: `VF without a teamed standby -> ${teamedPlan}` };
  return { plan: teamedPlan, reason: `${shape.teamedPairs} teamed pair${shape.teamedPairs === 1 ? '' : 's'} -> ${teamedPlan}` };
}

function matches(rule: PlanRule, shape: VmShape): boolean {
  const { name, labels } = rule.match;
  if (name !== undefined && !globMatch(name, shape.vm)) return false;
  return Object.entries(labels ?? {}).every(([key, value]) => Object.hasOwn(shape.labels, key) && shape.labels[key] === value);
}

function describeMatch(rule: PlanRule): string {
  const parts = rule.match.name !== undefined ? [`name ${rule.match.name}`] : [];
  for (const [key, value] of Object.entries(rule.match.labels ?? {})) parts.push(`label ${key}=${value}`);
  return parts.join(', ');
}

/**
 * `*` and `?` only, no regular expression built from the pattern (so no pattern can be slow or inject
 * syntax): the classic two-pointer walk, backtracking to the last `*`. Linear in practice, O(n·m) at worst.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p += 1;
      t += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = t;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** Whether a plan books a VF on the destination (reserveVf), so a placement must find it a free one. */
export function planBooksVf(plan: ResolvedPlan): boolean {
  return flattenSteps(plan.steps).some((s) => s.activity === 'reserveVf');
}
