/**
 * A validated plan with every default filled in: what the interpreter workflow runs. Resolved once, at the
 * start (by the client, or by the run's first activity from a plan's name or document), and frozen into the
 * run's history, so a running migration never changes behaviour when vfmigrate's defaults change in a later
 * release. Plain data only: workflow code imports these types.
 */
import type { HostCapability } from './activity-catalog.js';
import type { HostRole } from './schema.js';

export interface ResolvedRetry {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  nonRetryableErrorTypes: string[];
}

export interface ResolvedOptions {
  startToCloseMs: number;
  scheduleToStartMs: number | null;
  heartbeatMs: number | null;
  retry: ResolvedRetry;
}

export interface ResolvedCall {
  activity: string;
  on: HostRole;
  with: Record<string, unknown>;
  options: ResolvedOptions;
  /** One line for the Temporal UI's activity summary and for `plan explain`. */
  summary: string;
  /** Skip the call on a host that preflight said lacks this capability (see ActivityDefinition.onlyIf). */
  onlyIf?: HostCapability;
}

export interface ResolvedActivityStep extends ResolvedCall {
  kind: 'activity';
  id: string;
  readOnly: boolean;
  pivot: boolean;
  compensate: ResolvedCall | null;
  /** The plan acknowledged that this step can go past the point of no return a second time, and why. */
  secondPointOfNoReturn?: string;
}

export interface ResolvedGroupStep {
  kind: 'parallel';
  id: string;
  steps: ResolvedStep[];
}

export type ResolvedStep = ResolvedActivityStep | ResolvedGroupStep;

export interface ResolvedPlan {
  name: string;
  version: number;
  /** sha256 of the canonical JSON of {name, version, steps} (see resolvedPlanHash): checkable from this form alone. */
  hash: string;
  steps: ResolvedStep[];
}

export function flattenSteps(steps: ResolvedStep[]): ResolvedActivityStep[] {
  return steps.flatMap((s) => (s.kind === 'parallel' ? flattenSteps(s.steps) : [s]));
}
