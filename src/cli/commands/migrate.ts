import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { connectClient, type TemporalSettings } from '../../config/connection.js';
import { InputError } from '../../errors.js';
import { printable } from '../../util/printable.js';
import { followMigration, migrationReport, queryProgress } from '../../client/migration-result.js';
import { startMigration } from '../../client/start-migration.js';
import { runLink } from '../../client/ui-link.js';
import { evacuationWorkflowType } from '../../temporal/names.js';
import type { MigrationProgress, Outcome } from '../../workflows/migration-types.js';
import { consoleOutput, loadSettings } from '../context.js';
import { evacuationStatus } from './evacuate.js';
import { progressChanges, reportLines, stepLine } from '../progress-lines.js';

/** Exit codes: 0 migrated; 1 did not move (rolled back, cancelled); 3 moved but degraded; 4 needs attention. */
export const exitCodes: Record<Outcome, number> = { migrated: 0, 'rolled-back': 1, cancelled: 1, degraded: 3, 'compensation-failed': 4 };

interface MigrateOptions {
  from: string;
  to: string;
  plan?: string;
  wait?: boolean;
  workerCheck: boolean;
}

export async function runMigrate(vm: string, opts: MigrateOptions): Promise<number> {
  const { settings } = await loadSettings();
  const client = await connectClient(settings);
  const io = consoleOutput;
  const run = await startMigration(client, {
    vm,
    from: opts.from,
    to: opts.to,
    ...(opts.plan ? { plan: opts.plan } : {}),
    namespace: settings.namespace,
    queuePrefix: settings.queuePrefix,
    uiUrl: settings.uiUrl,
    checkWorkers: opts.workerCheck,
  });
  io.out(`started ${run.workflowId} (run ${run.runId})`);
  if (run.uiLink) io.out(`Temporal UI: ${run.uiLink}`);
  if (!opts.wait) return 0;
  let prev: MigrationProgress | null = null;
  const report = await followMigration(run.handle, (p) => {
    progressChanges(prev, p).forEach((l) => io.out(l));
    prev = p;
  });
  reportLines(report).forEach((l) => io.out(l));
  return exitCodes[report.outcome];
}

export async function runStatus(workflowId: string): Promise<number> {
  const { settings } = await loadSettings();
  const client = await connectClient(settings);
  const handle = client.workflow.getHandle(workflowId);
  const description = await describeRun(client, settings, workflowId);
  consoleOutput.out(`${workflowId} run ${description.runId}: ${description.status.name}`);
  const link = runLink(settings.uiUrl, settings.namespace, workflowId, description.runId);
  if (link) consoleOutput.out(`Temporal UI: ${link}`);
  if (description.type === evacuationWorkflowType) {
    await evacuationStatus(client, workflowId);
    return 0;
  }
  if (description.status.name === 'RUNNING') {
    const p = await queryProgress(handle);
    consoleOutput.out(`${p.vm}: ${p.source} → ${p.destination}, plan ${p.plan.name} v${p.plan.version}, phase ${p.phase}`);
    p.steps.forEach((s) => consoleOutput.out(`  ${stepLine(s)}`));
    return 0;
  }
  reportLines(await migrationReport(handle)).forEach((l) => consoleOutput.out(l));
  return 0;
}

export async function runCancel(workflowId: string): Promise<number> {
  const { settings } = await loadSettings();
  const client = await connectClient(settings);
  const description = await describeRun(client, settings, workflowId);
  if (description.status.name !== 'RUNNING') throw new InputError(`${printable(workflowId)} has already ended (${description.status.name}); there is nothing to cancel`);
  await client.workflow
    .getHandle(workflowId)
    .cancel()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new InputError(`${printable(workflowId)} ended before the cancel reached it; there is nothing to cancel`);
      throw err;
    });
  consoleOutput.out(`cancel requested for ${workflowId}: before the pivot it compensates, during migrate it aborts the job, after the pivot it finishes forward`);
  return 0;
}

/** The run's description, or one line saying there is no such run and where to look for one. */
async function describeRun(client: Client, settings: TemporalSettings, workflowId: string) {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new InputError(
      `no run with id ${printable(workflowId)} in namespace ${settings.namespace}; list runs with \`temporal workflow list --address ${settings.address} --namespace ${settings.namespace}\``,
    );
  }
}

export function registerMigrateCommands(program: Command, exit: (code: number) => void): void {
  program
    .command('migrate')
    .argument('<vm>', 'the VM (libvirt domain name)')
    .requiredOption('--from <host>', 'source host')
    .requiredOption('--to <host>', 'destination host')
    .option('--plan <file>', 'plan file, or a shipped plan name (default: sriov-live-migration)')
    .option('--wait', 'follow the run and print its progress and result')
    .option('--no-worker-check', 'start even when no worker polls a queue the run needs')
    .description('live-migrate a VM; prints the run\'s Temporal UI link (exit: 0 migrated, 1 not moved, 3 degraded, 4 needs attention)')
    .action(async (vm: string, opts: MigrateOptions) => exit(await runMigrate(vm, opts)));
  program
    .command('status')
    .argument('<workflow-id>', 'e.g. migrate/vm-7 or evacuate/hostA')
    .description('show a run (a migration or an evacuation): where it is, or its report once it has ended')
    .action(async (id: string) => exit(await runStatus(id)));
  program
    .command('cancel')
    .argument('<workflow-id>', 'e.g. migrate/vm-7 or evacuate/hostA')
    .description('cancel a run: a migration before its pivot is undone (after it, it finishes forward); an evacuation starts no new migrations')
    .action(async (id: string) => exit(await runCancel(id)));
}
