import { z } from 'zod';
import { formatZodIssues } from '../config/zod-problems.js';
import { planDocumentSchema } from './document-schema.js';
import type { ResolvedPlan } from './resolved.js';
import { resolvedPlanSchema } from './resolved-schema.js';
import { planNamePattern } from './schema.js';

/**
 * How a run's input names its plan, so that a client in any language can start one: a shipped plan's name
 * ("detach-first"), a plan document (the YAML as JSON: apiVersion, kind, metadata, spec), or a resolved
 * plan (what the TypeScript client sends). Names and documents are resolved inside the run; a resolved
 * plan's hash is checked there. Workflow code imports this file: zod only.
 */
export type PlanRef = string | PlanDocument | ResolvedPlan;

/** The plan a migration or an evacuation policy runs when it names none. */
export const defaultPlanName = 'sriov-live-migration';

/** Checked in full inside the run (validate.ts needs the activity catalog). */
export type PlanDocument = { apiVersion: unknown; kind: unknown; metadata?: unknown; spec?: unknown } & Record<string, unknown>;

export const planNameSchema = z
  .string()
  .regex(planNamePattern, { message: 'expected a shipped plan\'s name (lower-case letters, digits and dashes, e.g. "sriov-live-migration")' })
  .meta({ description: "a shipped plan's name, e.g. sriov-live-migration or detach-first" });

/** The published contract (JSON Schema, docs). Runs check a plan with `planRefProblems`, which names the form. */
export const planRefSchema = z.union([planNameSchema, planDocumentSchema, resolvedPlanSchema]);

export type PlanRefKind = 'name' | 'document' | 'resolved';

const expected = 'expected a shipped plan\'s name (e.g. "sriov-live-migration"), a plan document {apiVersion, kind, metadata, spec} or a resolved plan {name, version, hash, steps}';

export function planRefKind(value: unknown): PlanRefKind | null {
  if (typeof value === 'string') return 'name';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  if ('apiVersion' in value || 'kind' in value) return 'document';
  if ('steps' in value || 'hash' in value) return 'resolved';
  return null;
}

/**
 * What is wrong with a plan reference as far as its shape tells; a document's content and a resolved plan's
 * hash and activities are left to the run's plan-resolving activity, which reports every problem at once.
 */
export function planRefProblems(value: unknown, path = 'plan'): string[] {
  switch (planRefKind(value)) {
    case 'name':
      return issues(planNameSchema, value, path);
    case 'document':
      return [];
    case 'resolved':
      return issues(resolvedPlanSchema, value, path);
    case null:
      return [`${path}: ${value === undefined ? 'missing' : 'not a plan'}: ${expected}`];
  }
}

function issues(schema: z.ZodType, value: unknown, path: string): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : formatZodIssues(parsed.error.issues, path);
}
