import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseYaml, readText } from '../config/yaml-file.js';
import type { ActivityCatalog } from './activity-catalog.js';
import { defaultPlanName } from './plan-ref.js';
import type { ResolvedPlan } from './resolved.js';
import { resolvePlan } from './resolve.js';
import { planNamePattern, type Plan } from './schema.js';
import { validatePlan } from './validate.js';

export type PlanLoad = { ok: true; file: string; plan: Plan; resolved: ResolvedPlan } | { ok: false; file: string; problems: string[] };

export const shippedPlansDir = path.resolve(import.meta.dirname, '../../../plans');

/**
 * A plan reference is a file path, or the name of a plan that ships in plans/ (e.g. `detach-first`); a
 * relative path is taken from `relativeTo` (a policy names its plan relative to itself).
 */
export function planFileFor(ref: string = defaultPlanName, relativeTo = process.cwd()): string {
  return planNamePattern.test(ref) ? path.join(shippedPlansDir, `${ref}.yaml`) : path.resolve(relativeTo, ref);
}

export async function shippedPlanNames(): Promise<string[]> {
  const files = await readdir(shippedPlansDir).catch(() => []);
  return files.filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
}

/** `catalog`: the activities the plan is checked against and resolved with (activities/registry.ts for a run). */
export async function loadPlan(ref: string | undefined, catalog: ActivityCatalog): Promise<PlanLoad> {
  const file = planFileFor(ref);
  const read = await readText(file, 'plan');
  if (!read.ok) return { ok: false, file, problems: [read.problem] };
  return parsePlanText(read.text, file, catalog);
}

export function parsePlanText(text: string, file: string, catalog: ActivityCatalog): PlanLoad {
  const yaml = parseYaml(text);
  if (!yaml.ok) return { ok: false, file, problems: yaml.problems };
  const result = validatePlan(yaml.value, catalog);
  if (!result.ok) return { ok: false, file, problems: result.problems };
  return { ok: true, file, plan: result.plan, resolved: resolvePlan(result.plan, catalog) };
}
