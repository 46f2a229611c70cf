import path from 'node:path';
import type { ActivityDefinition } from '../activities/define.js';
import { activityRegistry } from '../activities/registry.js';
import { parseYaml, readText } from '../config/yaml-file.js';
import type { ResolvedPlan } from './resolved.js';
import { resolvePlan } from './resolve.js';
import type { Plan } from './schema.js';
import { validatePlan } from './validate.js';

export type PlanLoad = { ok: true; file: string; plan: Plan; resolved: ResolvedPlan } | { ok: false; file: string; problems: string[] };

export const shippedPlansDir = path.resolve(import.meta.dirname, '../../../plans');
export const defaultPlanName = 'sriov-live-migration';

/** A plan reference is a file path, or the name of a plan that ships in plans/ (e.g. `detach-first`). */
export function planFileFor(ref: string = defaultPlanName): string {
  return /^[a-z0-9-]+$/.test(ref) ? path.join(shippedPlansDir, `${ref}.yaml`) : path.resolve(ref);
}

export async function loadPlan(ref?: string, catalog: ReadonlyMap<string, ActivityDefinition<unknown>> = activityRegistry): Promise<PlanLoad> {
  const file = planFileFor(ref);
  const read = await readText(file, 'plan');
  if (!read.ok) return { ok: false, file, problems: [read.problem] };
  return parsePlanText(read.text, file, catalog);
}

export function parsePlanText(text: string, file: string, catalog: ReadonlyMap<string, ActivityDefinition<unknown>> = activityRegistry): PlanLoad {
  const yaml = parseYaml(text);
  if (!yaml.ok) return { ok: false, file, problems: yaml.problems };
  const result = validatePlan(yaml.value, catalog);
  if (!result.ok) return { ok: false, file, problems: result.problems };
  return { ok: true, file, plan: result.plan, resolved: resolvePlan(result.plan, catalog) };
}
