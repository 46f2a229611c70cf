import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';

/** Whether the Temporal run `workflowId` is still open: the lease test for VF reservations. */
export async function runIsOpen(workflowId: string): Promise<boolean> {
  return (await openRunStartedAt(workflowId)) !== null;
}

/** When the open run `workflowId` started (ISO time, the server's), or null when none is open. */
export async function openRunStartedAt(workflowId: string): Promise<string | null> {
  try {
    const description = await Context.current().client.workflow.getHandle(workflowId).describe();
    return description.status.name === 'RUNNING' ? description.startTime.toISOString() : null;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
