import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';

/** Whether the Temporal run `workflowId` is still open: the lease test for VF reservations. */
export async function runIsOpen(workflowId: string): Promise<boolean> {
  try {
    const description = await Context.current().client.workflow.getHandle(workflowId).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
