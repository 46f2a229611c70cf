import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { InputError } from '../../errors.js';
import { pauseUpdate, resumeUpdate } from '../../workflows/definitions.js';
import { connectFromSettings } from '../context.js';
import { consoleOutput as io } from '../output.js';

type Action = 'pause' | 'resume';

/** Sends the evacuation its pause or resume update and prints the state it answers with. */
export async function runPauseResume(workflowId: string, action: Action): Promise<number> {
  const { client } = await connectFromSettings();
  try {
    const p = await client.workflow.getHandle(workflowId).executeUpdate(action === 'pause' ? pauseUpdate : resumeUpdate);
    io.out(`${workflowId}: ${p.state}${action === 'pause' ? ' (migrations in flight finish; no new ones start)' : ''}`);
    return 0;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new InputError(`no running evacuation ${workflowId}`);
    throw err;
  }
}

export function registerPauseResumeCommands(program: Command, exit: (code: number) => void): void {
  for (const action of ['pause', 'resume'] as const) {
    program
      .command(action)
      .argument('<workflow-id>', 'e.g. evacuate/hostA')
      .description(action === 'pause' ? 'pause an evacuation: in-flight migrations finish, no new ones start' : 'resume a paused evacuation')
      .action(async (id: string) => exit(await runPauseResume(id, action)));
  }
}
