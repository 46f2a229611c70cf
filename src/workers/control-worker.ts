import type { WorkerDeploymentVersion } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { controlActivities } from '../activities/resolve-migration-plan.js';
import { openRunStartedAt, runIsOpen } from '../activities/run-is-open.js';
import { controlQueue } from '../temporal/names.js';
import { workflowBundle } from './workflow-bundle.js';

export interface ControlWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queuePrefix: string;
  identity?: string;
  /**
   * Run under Worker Deployment versioning as this version (deployment-version.ts); unversioned without.
   * Migrations are pinned to it, evacuations move on (workflows/versioning-behaviors.ts).
   */
  deployment?: WorkerDeploymentVersion;
}

/** Runs the workflows (migrations, evacuations and repairs) on the control queue, and the activity resolving their plans. */
export async function createControlWorker(opts: ControlWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: controlQueue(opts.queuePrefix),
    workflowBundle: await workflowBundle(),
    // runIsOpen: a repair checks in its run that no migration of its VM is open; openRunStartedAt: a migration, that no earlier repair is.
    activities: { ...controlActivities, runIsOpen, openRunStartedAt },
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.deployment ? { workerDeploymentOptions: { version: opts.deployment, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' as const } } : {}),
  });
}
