import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { VfmigrateError } from '../errors.js';

/** A VM's migration and its repair never run at once: the second to start is refused, naming the first. */
export class VmBusyError extends VfmigrateError {
  readonly type = 'VmBusy';
  readonly retryable = false;
}

/** The latest run under `workflowId` (open or closed), or null when there has been none. */
export async function latestRun(client: Client, workflowId: string): Promise<WorkflowExecutionDescription | null> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** The run under `workflowId` when it is open, else null. */
export async function openRun(client: Client, workflowId: string): Promise<WorkflowExecutionDescription | null> {
  const run = await latestRun(client, workflowId);
  return run?.status.name === 'RUNNING' ? run : null;
}

/** Whether a run under a workflow id is open, asked through `client`: how host workers tell a live booking's run. */
export function isRunOpen(client: Client): (workflowId: string) => Promise<boolean> {
  return async (workflowId) => (await openRun(client, workflowId)) !== null;
}
