import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { evacuationReport, queryEvacuation } from '../../client/evacuation-result.js';
import { migrationReport, queryProgress } from '../../client/migration-result.js';
import { queryRepair, repairReport, vmsToRepair } from '../../client/repair-result.js';
import { runLink } from '../../client/ui-link.js';
import { evacuationWorkflowType, repairWorkflowType } from '../../temporal/names.js';
import { InputError } from '../../errors.js';
import { connectFromSettings } from '../context.js';
import { describeRun } from '../describe-run.js';
import { evacuationLines, vmLine } from '../evacuation-lines.js';
import { consoleOutput as io, outcomeLine, printLines, uiLinkLines } from '../output.js';
import { reportLines, stepLine } from '../progress-lines.js';
import { candidateLines, repairLines, repairReportLines } from '../repair-lines.js';

export async function runStatus(workflowId: string): Promise<number> {
  const { settings, client } = await connectFromSettings();
  const handle = client.workflow.getHandle(workflowId);
  const description = await describeRun(client, settings, workflowId);
  io.out(`${workflowId} run ${description.runId}: ${description.status.name}`);
  printLines(io, uiLinkLines(runLink(settings.uiUrl, settings.namespace, workflowId, description.runId)));
  if (description.type === evacuationWorkflowType) {
    await evacuationStatus(client, workflowId);
    return 0;
  }
  if (description.type === repairWorkflowType) {
    const running = description.status.name === 'RUNNING';
    printLines(io, running ? repairLines(await queryRepair(handle)) : repairReportLines(await repairReport(handle)));
    return 0;
  }
  if (description.status.name === 'RUNNING') {
    const p = await queryProgress(handle);
    io.out(`${p.vm}: ${p.source} → ${p.destination}, plan ${p.plan.name} v${p.plan.version}, phase ${p.phase}`);
    printLines(io, p.steps.map(stepLine), '  ');
    return 0;
  }
  printLines(io, reportLines(await migrationReport(handle)));
  return 0;
}

/** An evacuation's status: the bar and every VM, or the report once it has ended. */
async function evacuationStatus(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  if ((await handle.describe()).status.name === 'RUNNING') {
    const p = await queryEvacuation(handle);
    printLines(io, [...evacuationLines(p), ...p.vms.map(vmLine)]);
    return;
  }
  const report = await evacuationReport(handle);
  printLines(io, [...evacuationLines(report), ...report.vms.map(vmLine), outcomeLine(report)]);
}

/** `status --host H`: the VMs on H whose standby is up or whose primary is missing, with no run of theirs open (asked of H's worker). */
export async function runHostStatus(host: string): Promise<number> {
  const { settings, client } = await connectFromSettings();
  const scan = await vmsToRepair(client, { host, namespace: settings.namespace, queuePrefix: settings.queuePrefix });
  printLines(io, candidateLines(scan.host, scan.candidates));
  return 0;
}

export function registerStatusCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('status')
    .argument('[workflow-id]', 'e.g. migrate/vm-7, evacuate/hostA or repair/vm-7')
    .option('--host <host>', "instead of a run: the VMs on this host that need repair (asked of the host's worker)")
    .description('show a run (a migration, an evacuation or a repair): where it is, or its report once it has ended; or, with --host, the VMs there that need repair')
    .action(async (id: string | undefined, opts: { host?: string }) => {
      if (opts.host && id) throw new InputError('give a run id or --host HOST, not both');
      if (opts.host) return exit(await runHostStatus(opts.host));
      if (!id) throw new InputError('say which run (e.g. `vfmigrate status migrate/vm-7`), or --host HOST for the VMs there that need repair');
      exit(await runStatus(id));
    });
}
