import { Worker, type NativeConnection } from '@temporalio/worker';
import type { HostServices } from '../activities/host-services.js';
import { hostActivities } from '../activities/bind.js';
import { evacuationActivities } from '../activities/evacuation-host-activities.js';
import { hostQueue } from '../temporal/names.js';

export interface HostWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queuePrefix: string;
  host: HostServices;
  identity?: string;
  /** How long in-flight activities get on shutdown before they are told to stop (a migration job is not aborted). */
  shutdownGraceTime?: string;
}

/** Polls only this host's queue, so every activity touching the host runs next to its hypervisor. */
export function createHostWorker(opts: HostWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: hostQueue(opts.queuePrefix, opts.host.name),
    activities: { ...hostActivities(opts.host), ...evacuationActivities(opts.host) },
    // Heartbeats carry cancellation to a running migration: keep them frequent so a cancel lands in ~1 s.
    maxHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: opts.shutdownGraceTime ?? '5s',
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
}
