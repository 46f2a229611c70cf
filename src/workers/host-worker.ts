import { Worker, type NativeConnection } from '@temporalio/worker';
import type { HostServices } from '../activities/host-services.js';
import { hostActivities } from '../activities/bind.js';
import { evacuationActivities } from '../activities/evacuation-host-activities.js';
import { hostQueue } from '../temporal/names.js';
import { stepLog } from './step-log.js';

export interface HostWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queuePrefix: string;
  host: HostServices;
  identity?: string;
  /** How long in-flight activities get on shutdown before they are told to stop (a migration job is not aborted). */
  shutdownGraceTime?: string;
}

/**
 * Polls only this host's queue, so every activity touching the host runs next to its hypervisor. Holds
 * the host's VF ledger from here until run() ends: a second worker for the host refuses to start.
 */
export async function createHostWorker(opts: HostWorkerOptions): Promise<Worker> {
  const vfs = opts.host.vfs;
  await vfs.open();
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection: opts.connection,
      namespace: opts.namespace,
      taskQueue: hostQueue(opts.queuePrefix, opts.host.name),
      activities: { ...hostActivities(opts.host), ...evacuationActivities(opts.host) },
      // Heartbeats carry cancellation to a running migration: keep them frequent so a cancel lands in ~1 s.
      maxHeartbeatThrottleInterval: '1s',
      interceptors: { activity: [stepLog(opts.host.name)] },
      shutdownGraceTime: opts.shutdownGraceTime ?? '5s',
      ...(opts.identity ? { identity: opts.identity } : {}),
    });
  } catch (err) {
    await vfs.close();
    throw err;
  }
  // The SDK has no shutdown hook; run() ends once the worker has drained, which is when the ledger is free.
  const run = worker.run.bind(worker);
  worker.run = () => run().finally(() => vfs.close());
  return worker;
}
