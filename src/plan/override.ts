import { isGroup, type Plan, type Step } from './schema.js';

/**
 * The plan with `values` laid over the `with` of every step that calls `activity` (an evacuation policy's
 * convergence settings over the migrate step). The result is a plan document again: it is validated and
 * resolved like any other, so an override can never make a plan the validator would refuse.
 */
export function overrideWith(plan: Plan, activity: string, values: Record<string, unknown>): Plan {
  const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  const step = (s: Step): Step => {
    if (isGroup(s)) return { ...s, parallel: s.parallel.map(step) };
    return s.activity === activity ? { ...s, with: { ...(s.with ?? {}), ...defined } } : s;
  };
  return { ...plan, spec: { ...plan.spec, steps: plan.spec.steps.map(step) } };
}
