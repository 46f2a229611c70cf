import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { activityRegistry } from '../activities/registry.js';
import { InputError, VfmigrateError } from '../errors.js';
import { quoted } from '../util/printable.js';
import { loadPlan, type PlanLoad } from '../plan/load.js';
import { controlQueue, hostNamePattern, hostQueue, migrationWorkflowType, repairWorkflowId, vmNamePattern } from '../temporal/names.js';
import { DestinationHost, MigrationPhase, SourceHost } from '../temporal/search-attributes.js';
import type { migrateVm } from '../workflows/migrate-vm.js';
import { migrationStartOptions } from '../workflows/migration-start.js';
import { openRun, VmBusyError } from './open-run.js';
import { runLink } from './ui-link.js';
import { valueOf } from '../util/settled.js';
import { requireWorkers } from './worker-check.js';

export interface StartMigrationOptions {
  vm: string;
  from: string;
  to: string;
  /** A shipped plan's name, a plan file path, or an already loaded plan. Absent: the run chooses by the VM's shape. */
  plan?: string | Extract<PlanLoad, { ok: true }>;
  namespace: string;
  queuePrefix: string;
  uiUrl?: string | null;
  /** Refuse to start when a host's worker is not polling (default true). */
  checkWorkers?: boolean;
}

export interface StartedMigration {
  workflowId: string;
  runId: string;
  uiLink: string | null;
  handle: WorkflowHandle<typeof migrateVm>;
}

/** Another migration of this VM is running; the second request is refused, naming the first. */
export class MigrationAlreadyRunningError extends VfmigrateError {
  readonly type = 'MigrationAlreadyRunning';
  readonly retryable = false;
}

/**
 * Validates everything it can before anything runs (names, plan, workers), then starts the interpreter
 * on the control queue under the VM's workflow id, so a VM is never migrated twice at once.
 */
export async function startMigration(client: Client, opts: StartMigrationOptions): Promise<StartedMigration> {
  checkNames(opts);
  const repair = await openRun(client, repairWorkflowId(opts.vm));
  if (repair) {
    throw new VmBusyError(`${opts.vm} is being repaired by run ${repair.workflowId} ${repair.runId}; wait for it (\`vfmigrate status ${repair.workflowId}\`), then migrate`);
  }
  // The plan and the workers are checked at once; a bad plan is still the error reported first.
  const [loaded, workers] = await Promise.allSettled([
    typeof opts.plan === 'object' ? opts.plan : opts.plan === undefined ? null : loadPlanOrThrow(opts.plan),
    opts.checkWorkers === false
      ? undefined
      : requireWorkers(client, opts.namespace, [
          { queue: controlQueue(opts.queuePrefix), kind: 'workflow', hint: 'start `vfmigrate worker --control`' },
          { queue: hostQueue(opts.queuePrefix, opts.from), kind: 'activity', hint: `is "${opts.from}" the right host name? start \`vfmigrate worker --host ${opts.from}\`` },
          { queue: hostQueue(opts.queuePrefix, opts.to), kind: 'activity', hint: `is "${opts.to}" the right host name? start \`vfmigrate worker --host ${opts.to}\`` },
        ]),
  ]);
  const plan = valueOf(loaded);
  valueOf(workers);
  const base = { vm: opts.vm, source: opts.from, destination: opts.to, queuePrefix: opts.queuePrefix };
  const options = plan ? migrationStartOptions({ ...base, plan: plan.resolved }, { planFile: plan.file }) : migrationStartOptions(base, { planByShape: true });
  const { workflowId } = options;
  try {
    const handle = await client.workflow.start<typeof migrateVm>(migrationWorkflowType, options);
    const runId = handle.firstExecutionRunId;
    return { workflowId, runId, uiLink: runLink(opts.uiUrl ?? null, opts.namespace, workflowId, runId), handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw await alreadyRunning(client, opts, workflowId);
    throw err;
  }
}

function checkNames(opts: StartMigrationOptions): void {
  const problems: string[] = [];
  if (!vmNamePattern.test(opts.vm)) problems.push(`vm: ${quoted(opts.vm)} is not a valid VM name (letters, digits, . _ : + -; not digits alone)`);
  for (const [field, host] of [['from', opts.from], ['to', opts.to]] as const) {
    if (!hostNamePattern.test(host)) problems.push(`${field}: ${quoted(host)} is not a valid host name (letters, digits, . _ -)`);
  }
  if (opts.from === opts.to) problems.push(`to: the destination must differ from the source (both are ${quoted(opts.from)})`);
  if (problems.length) throw new InputError('cannot start the migration', problems);
}

async function loadPlanOrThrow(ref: string): Promise<Extract<PlanLoad, { ok: true }>> {
  const plan = await loadPlan(ref, activityRegistry);
  if (!plan.ok) throw new InputError(`the plan ${plan.file} is not valid`, plan.problems);
  return plan;
}

async function alreadyRunning(client: Client, opts: StartMigrationOptions, workflowId: string): Promise<MigrationAlreadyRunningError> {
  try {
    const running = await client.workflow.getHandle(workflowId).describe();
    const sa = running.typedSearchAttributes;
    const route = `${sa.get(SourceHost) ?? '?'} → ${sa.get(DestinationHost) ?? '?'}`;
    const link = runLink(opts.uiUrl ?? null, opts.namespace, workflowId, running.runId);
    return new MigrationAlreadyRunningError(
      `${opts.vm} is already being migrated (${route}, phase ${sa.get(MigrationPhase) ?? '?'}) by run ${workflowId} ${running.runId}` +
        ` started ${running.startTime.toISOString()}${link ? ` (${link})` : ''}; wait for it, or cancel it with \`vfmigrate cancel ${workflowId}\``,
    );
  } catch {
    return new MigrationAlreadyRunningError(`${opts.vm} is already being migrated by run ${workflowId}; wait for it or cancel it`);
  }
}
