import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { InputError } from '../errors.js';

const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;

export interface QueueRequirement {
  queue: string;
  kind: 'workflow' | 'activity';
  hint: string;
}

/**
 * Refuses up front when nobody polls a queue the run needs: a misspelt host name would otherwise leave the
 * run waiting for a worker that never comes. (The server remembers pollers for a few minutes, so this
 * catches mistakes, not a worker that died a moment ago; the plan's schedule-to-start timeouts do that.)
 */
export async function requireWorkers(client: Client, namespace: string, needs: QueueRequirement[]): Promise<void> {
  const missing: string[] = [];
  await Promise.all(
    needs.map(async (need) => {
      const response = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: need.queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType:
          need.kind === 'workflow'
            ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
            : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      if (!response.pollers?.length) missing.push(`${need.queue}: no worker is polling it (${need.hint})`);
    }),
  );
  if (missing.length) throw new InputError('cannot start: a worker the run needs is not running; nothing was changed', missing.sort());
}
