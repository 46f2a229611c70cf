import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYaml } from '../config/yaml-file.js';
import { formatZodIssues } from '../config/zod-problems.js';
import { loadPlan, type PlanLoad } from '../plan/load.js';
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { ok: false, file, problems: [`${file}: cannot read the policy: ${reason}`] };
  }
  const yaml = parseYaml(text);
  if (!yaml.ok) return { ok: false, file, problems: yaml.problems };
  const parsed = policySchema.safeParse(yaml.value);
  if (!parsed.success) return { ok: false, file, problems: formatZodIssues(parsed.error.issues) };
  const policy = parsed.data;
  const problems: string[] = [];
  const planRef = /^[a-z0-9-]+$/.test(policy.spec.plan) ? policy.spec.plan : path.resolve(path.dirname(file), policy.spec.plan);
  const plan = await loadPlan(planRef);
  if (!plan.ok) {
    problems.push(
      plan.problems.length === 1 && plan.problems[0]?.includes('no such file')
        ? `spec.plan: no plan "${policy.spec.plan}" (${plan.file} does not exist; shipped plans: sriov-live-migration, detach-first)`
        : `spec.plan: the plan "${policy.spec.plan}" is invalid: ${plan.problems.join('; ')}`,
    );
  }
  if (drainedHost) {
    const { include, exclude } = policy.spec.destinations;
    include.forEach((h, i) => h === drainedHost && problems.push(`spec.destinations.include[${i}]: "${h}" is the host being drained; it cannot receive its own VMs`));
    exclude.forEach((h, i) => h === drainedHost && problems.push(`spec.destinations.exclude[${i}]: "${h}" is the host being drained (it is never a destination; remove it)`));
  }
  const both = policy.spec.destinations.include.filter((h) => policy.spec.destinations.exclude.includes(h));
  both.forEach((h) => problems.push(`spec.destinations: "${h}" is both included and excluded`));
  if (problems.length || !plan.ok) return { ok: false, file, problems };
  return { ok: true, file, policy, plan };
}
