import { ApplicationFailure } from '@temporalio/workflow';
import { z } from 'zod';
import { formatZodIssues } from '../config/zod-problems.js';
import { policySchema } from '../evacuation/policy-schema.js';
import type { EvacuationRequest } from '../evacuation/evacuation-types.js';
import { planNameSchema, planRefProblems, planRefSchema } from '../plan/plan-ref.js';
import { evacuationWorkflowId, hostNamePattern } from '../temporal/names.js';
import { quoted } from '../util/printable.js';
import { invalidInput, invalidInputType } from './invalid-input.js';
import { hostNameSchema, queuePrefixSchema, vmNameSchema } from './migration-request.js';

/** evacuateHost's inputs as any client may send them, checked inside the run: its start input and its updates' arguments. */

const vmStates = ['pending', 'waiting', 'migrating', 'migrated', 'degraded', 'failed', 'cancelled', 'skipped', 'unplaceable'] as const;
const note = z.string().max(4096);
/** Teamed pairs a carried VM may have: far above the PCI slots a guest gets, low enough to stay a count. */
const maxPairs = 1024;

const vmEntrySchema = z.strictObject({
  vm: vmNameSchema,
  memoryMiB: z.number().nonnegative(),
  state: z.enum(vmStates),
  destination: hostNameSchema.optional(),
  startedAt: z.string().max(64).optional(),
  durationMs: z.number().nonnegative().optional(),
  message: note.optional(),
  plan: planNameSchema.optional(),
  planChoice: note.optional(),
  pairs: z.int().min(0).max(maxPairs).optional(),
});

const unavailableSchema = z.strictObject({ host: hostNameSchema, reason: note });

/** What a run hands the run it continues as (continue-as-new); a client starting an evacuation leaves it out. */
const carriedSchema = z.strictObject({
  vms: z.array(vmEntrySchema),
  startedAt: z.string().max(64),
  paused: z.boolean(),
  stopping: z.boolean(),
  unavailable: z.array(unavailableSchema),
  runs: z.int().min(1),
});

export const evacuationRequestSchema = z
  .strictObject({
    host: hostNameSchema.meta({ description: 'the host to drain; the run must have workflow id evacuate/<host>' }),
    policyName: policySchema.shape.metadata.shape.name.meta({ description: 'the policy\'s name, shown in the UI' }),
    policy: policySchema.shape.spec.meta({ description: 'the policy\'s spec (policies/*.yaml); omitted fields take their defaults' }),
    plan: planRefSchema.meta({ description: "the plan every migration runs: a shipped plan's name, a plan document, or a resolved plan" }),
    candidates: z.array(hostNameSchema).min(1, { message: 'at least one destination host' }).meta({ description: 'hosts that may receive VMs' }),
    queuePrefix: queuePrefixSchema,
    historyLimit: z.int().min(50, { message: 'at least 50 (fewer leaves a run no room to start a migration before it continues as new)' }).max(50_000).default(5000).meta({ description: 'continue-as-new once the history holds this many events' }),
    carried: carriedSchema.optional().meta({ description: 'set by the run itself when it continues as new; never by a client' }),
  })
  .meta({ id: 'EvacuationRequest', title: 'evacuateHost input' });

const envelope = evacuationRequestSchema.extend({ plan: z.unknown().optional() });

export type CheckedEvacuationRequest = z.output<typeof envelope> & { plan: EvacuationRequest['plan'] };

/** The request with its defaults, or the InvalidInput failure naming every problem (the run's id included). */
export function checkEvacuationRequest(raw: unknown, workflowId: string): CheckedEvacuationRequest {
  const parsed = envelope.safeParse(raw);
  const problems = parsed.success ? [] : formatZodIssues(parsed.error.issues);
  const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof raw === 'object' && raw !== null) problems.push(...planRefProblems(fields.plan));
  const host = fields.host;
  if (typeof host === 'string' && Array.isArray(fields.candidates)) {
    fields.candidates.forEach((c, i) => c === host && problems.push(`candidates[${i}]: ${quoted(host)} is the host being drained; it cannot receive its own VMs`));
  }
  if (typeof host === 'string' && hostNamePattern.test(host) && workflowId !== evacuationWorkflowId(host)) {
    const expected = evacuationWorkflowId(host);
    problems.push(`workflow id: ${quoted(workflowId)} is not "${expected}"; start the run with workflow id ${expected} (one evacuation per host at a time)`);
  }
  if (!parsed.success || problems.length) throw invalidInput('invalid evacuateHost input', problems);
  return { ...parsed.data, plan: parsed.data.plan as EvacuationRequest['plan'] };
}

/** pause and resume take no arguments; the validator refuses any, so a wrong call changes nothing. */
export function noArguments(update: string, args: unknown[]): void {
  if (args.length === 0) return;
  throw ApplicationFailure.create({
    type: invalidInputType,
    nonRetryable: true,
    message: `${update} takes no arguments (got ${args.length}: ${JSON.stringify(args).slice(0, 200)}); send the update with no input`,
  });
}
