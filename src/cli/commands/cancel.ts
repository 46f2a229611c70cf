import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { printable } from '../../util/printable.js';
import { connectFromSettings } from '../context.js';
import { describeRun } from '../describe-run.js';
import { consoleOutput as io } from '../output.js';

export async function runCancel(workflowId: string): Promise<number> {
  const { settings, client } = await connectFromSettings();
  const description = await describeRun(client, settings, workflowId);
  if (description.status.name !== 'RUNNING') throw new InputError(`${printable(workflowId)} has already ended (${description.status.name}); there is nothing to cancel`);
  await client.workflow
    .getHandle(workflowId)
    .cancel()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new InputError(`${printable(workflowId)} ended before the cancel reached it; there is nothing to cancel`);
      throw err;
    });
  io.out(`cancel requested for ${workflowId}: before the pivot it compensates, during migrate it aborts the job, after the pivot it finishes forward`);
  return 0;
}

export function registerCancelCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('cancel')
    .argument('<workflow-id>', 'e.g. migrate/vm-7 or evacuate/hostA')
    .description('cancel a run: a migration before its pivot is undone (after it, it finishes forward); an evacuation starts no new migrations')
    .action(async (id: string) => exit(await runCancel(id)));
}
