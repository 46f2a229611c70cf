import path from 'node:path';
import { parseYaml, readText } from '../config/yaml-file.js';
import { formatZodIssues } from '../config/zod-problems.js';
import { migrate } from '../activities/migrate.js';
import { activityRegistry } from '../activities/registry.js';
import { loadPlan, planFileFor, shippedPlanNames, type PlanLoad } from '../plan/load.js';
import { overrideWith } from '../plan/override.js';
import { defaultPlanName } from '../plan/plan-ref.js';
import { resolvePlan } from '../plan/resolve.js';
import { validatePlan } from '../plan/validate.js';
import { policySchema, type Policy } from './policy-schema.js';

export type PolicyLoad =
  | { ok: true; file: string; policy: Policy; plan: Extract<PlanLoad, { ok: true }> }
  | { ok: false; file: string; problems: string[] };

export const defaultPolicyFile = path.resolve(import.meta.dirname, '../../../policies/default.yaml');

/**
 * Reads and checks an evacuation policy: its shape, its plan (which must exist and be valid), and, when
 * the host being drained is known, that include/exclude do not name it. Every problem, path first.
 */
export async function loadPolicy(file = defaultPolicyFile, drainedHost?: string): Promise<PolicyLoad> {
  const read = await readText(file, 'policy');
  if (!read.ok) return { ok: false, file, problems: [read.problem] };
  const yaml = parseYaml(read.text);
  if (!yaml.ok) return { ok: false, file, problems: yaml.problems };
  const parsed = policySchema.safeParse(yaml.value);
  const problems = parsed.success ? [] : formatZodIssues(parsed.error.issues);
  // The checks below read the raw spec too, so a policy with a shape problem still gets every other one.
  const spec = (yaml.value as { spec?: { plan?: unknown; destinations?: { include?: unknown; exclude?: unknown } } } | null)?.spec;
  const planName = typeof spec?.plan === 'string' ? spec.plan : defaultPlanName;
  const plan = await loadPlan(planFileFor(planName, path.dirname(file)), activityRegistry);
  if (!plan.ok) problems.push(await planProblem(planName, plan));
  problems.push(...destinationProblems(strings(spec?.destinations?.include), strings(spec?.destinations?.exclude), drainedHost));
  if (parsed.success) problems.push(...(await rulePlanProblems(parsed.data.spec.planRules.map((r) => r.plan))));
  if (problems.length || !parsed.success || !plan.ok) return { ok: false, file, problems };
  const policy = parsed.data;
  if (!policy.spec.convergence) return { ok: true, file, policy, plan };
  const overridden = withConvergence(plan, policy.spec.convergence);
  return overridden.ok ? { ok: true, file, policy, plan: overridden.plan } : { ok: false, file, problems: overridden.problems };
}

/** The policy's convergence settings laid over the plan's migrate step, checked as the plan's own would be. */
function withConvergence(
  plan: Extract<PlanLoad, { ok: true }>,
  convergence: Record<string, unknown>,
): { ok: true; plan: Extract<PlanLoad, { ok: true }> } | { ok: false; problems: string[] } {
  const checked = validatePlan(overrideWith(plan.plan, migrate.name, convergence), activityRegistry);
  if (!checked.ok) return { ok: false, problems: checked.problems.map((p) => `spec.convergence: with the plan "${plan.plan.metadata.name}": ${p}`) };
  return { ok: true, plan: { ...plan, plan: checked.plan, resolved: resolvePlan(checked.plan, activityRegistry) } };
}

/** Each plan a rule names must ship and be valid: an evacuation finds out before it moves anything. */
async function rulePlanProblems(names: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const name of new Set(names)) {
    const plan = await loadPlan(name, activityRegistry);
    if (plan.ok) continue;
    const at = names.flatMap((n, i) => (n === name ? [`spec.planRules[${i}].plan`] : [])).join(', ');
    problems.push(`${at}: ${(await planProblem(name, plan)).replace(/^spec\.plan: /, '')}`);
  }
  return problems;
}

async function planProblem(name: string, plan: Extract<PlanLoad, { ok: false }>): Promise<string> {
  return plan.problems.length === 1 && plan.problems[0]?.includes('no such file')
    ? `spec.plan: no plan "${name}" (${plan.file} does not exist; shipped plans: ${(await shippedPlanNames()).join(', ')})`
    : `spec.plan: the plan "${name}" is invalid: ${plan.problems.join('; ')}`;
}

function destinationProblems(include: string[], exclude: string[], drainedHost: string | undefined): string[] {
  const problems: string[] = [];
  if (drainedHost) {
    include.forEach((h, i) => h === drainedHost && problems.push(`spec.destinations.include[${i}]: "${h}" is the host being drained; it cannot receive its own VMs`));
    exclude.forEach((h, i) => h === drainedHost && problems.push(`spec.destinations.exclude[${i}]: "${h}" is the host being drained (it is never a destination; remove it)`));
  }
  include.filter((h) => exclude.includes(h)).forEach((h) => problems.push(`spec.destinations: "${h}" is both included and excluded`));
  return problems;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
