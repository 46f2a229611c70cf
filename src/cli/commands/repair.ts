import type { Command } from 'commander';
import { followRepair } from '../../client/repair-result.js';
import { startRepair } from '../../client/start-repair.js';
import type { RepairOutcome } from '../../workflows/repair-types.js';
import { connectFromSettings } from '../context.js';
import { consoleOutput as io, printLines, uiLinkLines } from '../output.js';
import { repairReportLines } from '../repair-lines.js';

/** Exit codes: 0 repaired or healthy (nothing to do); 1 not repaired (left as found); 5 refused (a migration of the VM is open). */
export const repairExitCodes: Record<RepairOutcome, number> = { repaired: 0, healthy: 0, 'not-repaired': 1, refused: 5 };

interface RepairOptions {
  host?: string;
  wait?: boolean;
  workerCheck: boolean;
}

export async function runRepair(vm: string, opts: RepairOptions): Promise<number> {
  const { settings, client } = await connectFromSettings();
  const run = await startRepair(client, {
    vm,
    ...(opts.host ? { host: opts.host } : {}),
    namespace: settings.namespace,
    queuePrefix: settings.queuePrefix,
    uiUrl: settings.uiUrl,
    checkWorkers: opts.workerCheck,
  });
  io.out(`started ${run.workflowId} (run ${run.runId}) on ${run.host}${run.formerHost ? `, reconciling ${run.formerHost} too` : ''}`);
  printLines(io, uiLinkLines(run.uiLink));
  if (!opts.wait) return 0;
  const seen = new Set<string>();
  const report = await followRepair(run.handle, (p) => {
    for (const s of p.steps) {
      const key = `${s.id} ${s.state} ${s.compensation?.state ?? ''}`;
      if (s.state !== 'pending' && !seen.has(key)) io.out(`  ${s.id}: ${s.state}`);
      seen.add(key);
    }
  });
  printLines(io, repairReportLines(report));
  return repairExitCodes[report.outcome];
}

export function registerRepairCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('repair')
    .argument('<vm>', 'the VM (libvirt domain name)')
    .option('--host <host>', 'the host it runs on (default: where its last migration left it)')
    .option('--wait', 'follow the run and print its result')
    .option('--no-worker-check', 'start even when no worker polls a queue the run needs')
    .description('give a VM left DEGRADED its VF back: book and attach one where it runs, standby down, ledgers reconciled (exit: 0 repaired or healthy, 1 not repaired, 5 refused)')
    .action(async (vm: string, opts: RepairOptions) => exit(await runRepair(vm, opts)));
}
