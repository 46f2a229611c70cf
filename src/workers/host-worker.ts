import type { MetricMeter } from '@temporalio/common';
import { Worker, type ActivityInterceptors, type ActivityInterceptorsFactory, type NativeConnection } from '@temporalio/worker';
import type { HostServices } from '../activities/host-services.js';
import { hostActivities } from '../activities/bind.js';
import { evacuationActivities } from '../activities/evacuation-host-activities.js';
import { repairActivities } from '../activities/repair-host-activities.js';
import { vmShapeActivities } from '../activities/vm-shapes.js';
import { hostQueue } from '../temporal/names.js';
import { hostLogger } from './host-logger.js';
import { LedgerWatch } from './ledger-watch.js';
import { VfPoolGauges } from './vf-pool-gauges.js';
import { stepLog } from './step-log.js';

export interface HostWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queuePrefix: string;
  host: HostServices;
  identity?: string;
  /** How long in-flight activities get on shutdown before they are told to stop (a migration job is not aborted). */
  shutdownGraceTime?: string;
  /** Where the host's VF pool gauges go (the runtime's meter when metrics are served); none: not read for them. */
  metrics?: MetricMeter;
  /** Model fleets only: the faults their fault file asks for (model-fault-file.ts). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** Bookings of VMs that left the host, their run ended, are taken back at start and every `everyMs` (ledger-watch.ts). */
  ledgerWatch?: { everyMs: number; isOpen(workflowId: string): Promise<boolean> };
}

/**
 * Polls only this host's queue, so every activity touching the host runs next to its hypervisor. Holds
 * the host's VF ledger from here until run() ends: a second worker for the host refuses to start.
 */
export async function createHostWorker(opts: HostWorkerOptions): Promise<Worker> {
  const vfs = opts.host.vfs;
  await vfs.open();
  const gauges = opts.metrics ? new VfPoolGauges(vfs, opts.metrics, hostLogger) : null;
  const ledgerWatch = opts.ledgerWatch ? new LedgerWatch({ pool: vfs, ...opts.ledgerWatch, log: hostLogger }) : null;
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection: opts.connection,
      namespace: opts.namespace,
      taskQueue: hostQueue(opts.queuePrefix, opts.host.name),
      activities: { ...hostActivities(opts.host), ...evacuationActivities(opts.host), ...repairActivities(opts.host), ...vmShapeActivities(opts.host) },
      // Heartbeats carry cancellation to a running migration: keep them frequent so a cancel lands in ~1 s.
      maxHeartbeatThrottleInterval: '1s',
      shutdownGraceTime: opts.shutdownGraceTime ?? '5s',
      interceptors: {
        activity: [
          // One log line per step start and end (text or JSON lines, as the runtime's logger writes).
          stepLog(opts.host.name),
          // Bookings and releases happen in activities: the pool's gauges are read again after each one.
          ...(gauges ? [(): ActivityInterceptors => ({ inbound: { execute: (input, next) => next(input).finally(() => gauges.refresh()) } })] : []),
          ...(opts.activityInterceptors ?? []),
        ],
      },
      ...(opts.identity ? { identity: opts.identity } : {}),
    });
  } catch (err) {
    await vfs.close();
    throw err;
  }
  // The SDK has no shutdown hook; run() ends once the worker has drained, which is when the ledger is free.
  const run = worker.run.bind(worker);
  worker.run = () => {
    gauges?.start();
    ledgerWatch?.start();
    return run().finally(async () => {
      await gauges?.stop();
      await ledgerWatch?.stop();
      await vfs.close();
    });
  };
  return worker;
}
