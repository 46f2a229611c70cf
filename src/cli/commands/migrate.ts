import type { Command } from 'commander';
import { followMigration } from '../../client/migration-result.js';
import { startMigration } from '../../client/start-migration.js';
import type { MigrationProgress, Outcome } from '../../workflows/migration-types.js';
import { connectFromSettings } from '../context.js';
import { helpMarksRequired } from '../help.js';
import { consoleOutput as io, printLines, uiLinkLines } from '../output.js';
import { progressChanges, reportLines } from '../progress-lines.js';

/** Exit codes: 0 migrated; 1 did not move (rolled back, cancelled); 3 moved but degraded; 4 needs attention. */
export const exitCodes: Record<Outcome, number> = { migrated: 0, 'rolled-back': 1, cancelled: 1, degraded: 3, 'compensation-failed': 4, 'postcopy-failed': 4 };

interface MigrateOptions {
  from: string;
  to: string;
  plan?: string;
  wait?: boolean;
  workerCheck: boolean;
}

export async function runMigrate(vm: string, opts: MigrateOptions): Promise<number> {
  const { settings, client } = await connectFromSettings();
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
  printLines(io, uiLinkLines(run.uiLink));
  if (!opts.wait) return 0;
  let prev: MigrationProgress | null = null;
  const report = await followMigration(run.handle, (p) => {
    printLines(io, progressChanges(prev, p));
    prev = p;
  });
  printLines(io, reportLines(report));
  return exitCodes[report.outcome];
}

export function registerMigrateCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('migrate')
    .argument('<vm>', 'the VM (libvirt domain name)')
    .requiredOption('--from <host>', 'source host')
    .requiredOption('--to <host>', 'destination host')
    .option('--plan <file>', "plan file, or a shipped plan name (default: chosen by the VM's shape: no VF plain-live-migration, teamed sriov-live-migration)")
    .option('--wait', 'follow the run and print its progress and result')
    .option('--no-worker-check', 'start even when no worker polls a queue the run needs')
    .configureHelp(helpMarksRequired)
    .description('live-migrate a VM; prints the run\'s Temporal UI link (exit: 0 migrated, 1 not moved, 3 degraded, 4 needs attention)')
    .action(async (vm: string, opts: MigrateOptions) => exit(await runMigrate(vm, opts)));
}
