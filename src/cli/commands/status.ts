import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { evacuationReport, queryEvacuation } from '../../client/evacuation-result.js';
import { migrationReport, queryProgress } from '../../client/migration-result.js';
import { runLink } from '../../client/ui-link.js';
import { evacuationWorkflowType } from '../../temporal/names.js';
import { connectFromSettings } from '../context.js';
import { describeRun } from '../describe-run.js';
import { evacuationLines, vmLine } from '../evacuation-lines.js';
import { consoleOutput as io, outcomeLine, printLines, uiLinkLines } from '../output.js';
import { reportLines, stepLine } from '../progress-lines.js';

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

export function registerStatusCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('status')
    .argument('<workflow-id>', 'e.g. migrate/vm-7 or evacuate/hostA')
    .description('show a run (a migration or an evacuation): where it is, or its report once it has ended')
    .action(async (id: string) => exit(await runStatus(id)));
}
