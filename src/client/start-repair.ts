import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { InputError } from '../errors.js';
import { controlQueue, hostNamePattern, hostQueue, migrationWorkflowId, repairWorkflowId, repairWorkflowType, vmNamePattern } from '../temporal/names.js';
import { VmName } from '../temporal/search-attributes.js';
import type { MigrationReport } from '../workflows/migration-types.js';
import type { repairVm } from '../workflows/repair-vm.js';
import type { RepairRequest } from '../workflows/repair-types.js';
import { latestRun, VmBusyError } from './open-run.js';
import { runLink } from './ui-link.js';
import { requireWorkers } from './worker-check.js';
import { quoted } from '../util/printable.js';

export interface StartRepairOptions {
  vm: string;
  /** Where the VM runs; default: where its last migration's report says it is. */
  host?: string;
  namespace: string;
  queuePrefix: string;
  uiUrl?: string | null;
  /** Refuse to start when a host's worker is not polling (default true). */
  checkWorkers?: boolean;
}

export interface StartedRepair {
  workflowId: string;
  runId: string;
  host: string;
  formerHost: string | null;
  uiLink: string | null;
  handle: WorkflowHandle<typeof repairVm>;
}

/**
 * Starts `repairVm` under the VM's repair id, refused while a migration of the VM is open (the run checks
 * again once started: the two starts may cross). Without `host`, the VM's last migration says where it is
 * and which host it left; with it, that migration still names the host whose ledger is reconciled too.
 */
export async function startRepair(client: Client, opts: StartRepairOptions): Promise<StartedRepair> {
  checkNames(opts);
  const migration = await latestRun(client, migrationWorkflowId(opts.vm));
  if (migration?.status.name === 'RUNNING') {
    throw new VmBusyError(`${opts.vm} is being migrated by run ${migration.workflowId} ${migration.runId}; wait for it (\`vfmigrate status ${migration.workflowId}\`), then repair`);
  }
  const last = lastLocation(migration?.memo?.report);
  const host = opts.host ?? last?.host;
  if (!host) throw new InputError(`cannot tell where ${opts.vm} runs: no migration of it has a report; say where with --host HOST`);
  const formerHost = last && last.other !== host ? last.other : null;
  if (opts.checkWorkers !== false) {
    await requireWorkers(client, opts.namespace, [
      { queue: controlQueue(opts.queuePrefix), kind: 'workflow', hint: 'start `vfmigrate worker --control`' },
      ...[host, ...(formerHost ? [formerHost] : [])].map((h) => ({ queue: hostQueue(opts.queuePrefix, h), kind: 'activity' as const, hint: `is "${h}" the right host name? start \`vfmigrate worker --host ${h}\`` })),
    ]);
  }
  const request: RepairRequest = { vm: opts.vm, host, formerHost, queuePrefix: opts.queuePrefix };
  const workflowId = repairWorkflowId(opts.vm);
  try {
    const handle = await client.workflow.start<typeof repairVm>(repairWorkflowType, {
      workflowId,
      taskQueue: controlQueue(opts.queuePrefix),
      args: [request],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [{ key: VmName, value: opts.vm }],
      staticSummary: `repair ${opts.vm} on ${host}${formerHost ? ` (left ${formerHost})` : ''}`,
    });
    const runId = handle.firstExecutionRunId;
    return { workflowId, runId, host, formerHost, uiLink: runLink(opts.uiUrl ?? null, opts.namespace, workflowId, runId), handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new VmBusyError(`${opts.vm} is already being repaired by run ${workflowId}; wait for it (\`vfmigrate status ${workflowId}\`)`);
    }
    throw err;
  }
}

/** Where a migration's report says the VM is, and the other host of that migration. */
function lastLocation(report: unknown): { host: string; other: string } | null {
  const r = report as Partial<MigrationReport> | undefined;
  if (!r?.source || !r.destination || (r.location !== 'source' && r.location !== 'destination')) return null;
  if (!hostNamePattern.test(r.source) || !hostNamePattern.test(r.destination)) return null;
  return r.location === 'destination' ? { host: r.destination, other: r.source } : { host: r.source, other: r.destination };
}

function checkNames(opts: StartRepairOptions): void {
  const problems: string[] = [];
  if (!vmNamePattern.test(opts.vm)) problems.push(`vm: ${quoted(opts.vm)} is not a valid VM name (letters, digits, . _ : + -)`);
  if (opts.host !== undefined && !hostNamePattern.test(opts.host)) problems.push(`host: ${quoted(opts.host)} is not a valid host name (letters, digits, . _ -)`);
  if (problems.length) throw new InputError('cannot start the repair', problems);
}
