import { z } from 'zod';
import { formatZodIssues } from '../config/zod-problems.js';
import { planRefProblems, planRefSchema } from '../plan/plan-ref.js';
import { defaultQueuePrefix, hostNamePattern, migrationWorkflowId, vmNamePattern } from '../temporal/names.js';
import { quoted } from '../util/printable.js';
import { invalidInput } from './invalid-input.js';
import type { MigrationBytes, MigrationRequest } from './migration-types.js';

/**
 * migrateVm's input as any client may send it, checked inside the run: the TypeScript client's checks do
 * not bind a client in another language, or someone with `temporal workflow start`. Workflow code: zod only.
 */
export const queuePrefixPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const vmNameSchema = z.string().regex(vmNamePattern, {
  message: 'not a valid VM name (1-128 of letters, digits and . _ : + -, starting with a letter or digit, not digits alone)',
});
export const hostNameSchema = z.string().regex(hostNamePattern, {
  message: 'not a valid host name (1-63 of letters, digits and . _ -, starting with a letter or digit)',
});
export const queuePrefixSchema = z
  .string()
  .regex(queuePrefixPattern, { message: 'not a valid task queue prefix (1-63 of letters, digits and . _ -)' })
  .default(defaultQueuePrefix)
  .meta({ description: 'the task queue prefix the workers poll under: <prefix>-control, <prefix>-host-<host>' });

export const migrationRequestSchema = z
  .strictObject({
    vm: vmNameSchema.meta({ description: 'the libvirt domain to migrate; the run must have workflow id migrate/<vm>' }),
    source: hostNameSchema.meta({ description: 'the host it runs on now (its worker polls <prefix>-host-<source>)' }),
    destination: hostNameSchema.meta({ description: 'the host it moves to; not the source' }),
    plan: planRefSchema
      .optional()
      .meta({ description: "a shipped plan's name, a plan document, or a resolved plan; absent: the run chooses by the VM's shape (no VF: plain-live-migration, teamed: sriov-live-migration)" }),
    queuePrefix: queuePrefixSchema,
  })
  .meta({ id: 'MigrationRequest', title: 'migrateVm input' });

/** The plan is checked on its own (plan-ref.ts), so its problems name the form it was sent in. */
const envelope = migrationRequestSchema.extend({ plan: z.unknown().optional() });

export type CheckedMigrationRequest = Omit<MigrationRequest, 'queuePrefix'> & { queuePrefix: string };

/** The request with its defaults, or the InvalidInput failure naming every problem (the run's id included). */
export function checkMigrationRequest(raw: unknown, workflowId: string): CheckedMigrationRequest {
  const parsed = envelope.safeParse(raw);
  const problems = parsed.success ? [] : formatZodIssues(parsed.error.issues);
  const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof raw === 'object' && raw !== null && fields.plan !== undefined) problems.push(...planRefProblems(fields.plan));
  if (typeof fields.source === 'string' && fields.source === fields.destination) {
    problems.push(`destination: must differ from the source (both are ${quoted(fields.source)})`);
  }
  if (typeof fields.vm === 'string' && vmNamePattern.test(fields.vm) && workflowId !== migrationWorkflowId(fields.vm)) {
    const expected = migrationWorkflowId(fields.vm);
    problems.push(`workflow id: ${quoted(workflowId)} is not "${expected}"; start the run with workflow id ${expected} (one migration per VM at a time)`);
  }
  if (!parsed.success || problems.length) throw invalidInput('invalid migrateVm input', problems);
  const { plan, ...rest } = parsed.data;
  return plan === undefined ? rest : { ...rest, plan: plan as MigrationRequest['plan'] };
}

/** The `migrationProgress` signal: sent by the migrate activity, but anyone may signal a run. */
export const migrationBytesSchema = z.object({
  elapsedMs: z.number().nonnegative(),
  dataTotalBytes: z.number().nonnegative(),
  dataProcessedBytes: z.number().nonnegative(),
  dataRemainingBytes: z.number().nonnegative(),
  at: z.string().max(64),
  // The convergence controls' view (absent from senders that predate them): bounded, it is kept in the run.
  dirtyRateBytesPerSecond: z.number().nonnegative().optional(),
  iteration: z.int().nonnegative().optional(),
  maxDowntimeMs: z.number().nonnegative().optional(),
  mode: z.enum(['precopy', 'postcopy', 'aborting']).optional(),
  actions: z.array(z.string().max(300)).max(20).optional(),
});

export function parseMigrationBytes(raw: unknown): { ok: true; bytes: MigrationBytes } | { ok: false; problems: string[] } {
  const parsed = migrationBytesSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: formatZodIssues(parsed.error.issues) };
  // Absent, not undefined: an older sender's progress reads exactly as it did.
  const { elapsedMs, dataTotalBytes, dataProcessedBytes, dataRemainingBytes, at, ...convergence } = parsed.data;
  const bytes: MigrationBytes = { elapsedMs, dataTotalBytes, dataProcessedBytes, dataRemainingBytes, at };
  for (const [key, value] of Object.entries(convergence)) if (value !== undefined) Object.assign(bytes, { [key]: value });
  return { ok: true, bytes };
}
