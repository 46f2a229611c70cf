import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TemporalSettings } from '../config/connection.js';
import { InputError } from '../errors.js';
import { printable } from '../util/printable.js';

/** The run's description, or one line saying there is no such run and where to look for one. */
export async function describeRun(client: Client, settings: TemporalSettings, workflowId: string) {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new InputError(
      `no run with id ${printable(workflowId)} in namespace ${settings.namespace}; list runs with \`temporal workflow list --address ${settings.address} --namespace ${settings.namespace}\``,
    );
  }
}
