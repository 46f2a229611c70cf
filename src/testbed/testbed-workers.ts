import path from 'node:path';
import { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { isRunOpen } from '../client/open-run.js';
import { loadHostConfig } from '../config/hosts.js';
import type { Hypervisor } from '../hypervisor/hypervisor.js';
import { timedHypervisor, type TimedCall } from '../hypervisor/timed.js';
import { createControlWorker } from '../workers/control-worker.js';
import { createHostWorker } from '../workers/host-worker.js';
import { hostServicesFromConfig } from '../workers/host-services-from-config.js';
import { REPO_ROOT, type TestbedHost } from './testbed.js';

export const testbedHostsFile = path.join(REPO_ROOT, 'testbed', 'hosts.yaml');

export interface TestbedWorkers {
  /** Every hypervisor call the host workers made, with its timing (for overhead figures). */
  calls: TimedCall[];
  /** The (timed) hypervisor a host worker uses now. */
  hypervisorOf(host: TestbedHost): Hypervisor;
  stopHost(host: TestbedHost): Promise<void>;
  startHost(host: TestbedHost): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The control worker and one host worker per testbed host, in this process, exactly as
 * `vfmigrate worker --control` and `vfmigrate worker --host H --hosts testbed/hosts.yaml` run them.
 */
export async function startTestbedWorkers(connection: NativeConnection, namespace: string, queuePrefix: string): Promise<TestbedWorkers> {
  const calls: TimedCall[] = [];
  const running = new Map<string, { worker: Worker; done: Promise<void> }>();
  const hypervisors = new Map<string, Hypervisor>();
  const run = (key: string, worker: Worker): void => void running.set(key, { worker, done: worker.run() });
  // As `vfmigrate worker --host` does: bookings of VMs that left, their run over, are taken back (ledger-watch.ts),
  // so a guest a test removed does not hold its VFs for the next test.
  const isOpen = isRunOpen(new Client({ connection, namespace }));
  const startHost = async (host: TestbedHost): Promise<void> => {
    const services = await hostServicesFromConfig(testbedHostsFile, host, (h) => timedHypervisor(h, calls));
    hypervisors.set(host, services.hypervisor);
    const { repair } = await loadHostConfig(testbedHostsFile, host);
    const worker = await createHostWorker({ connection, namespace, queuePrefix, host: services, shutdownGraceTime: '1s', ledgerWatch: { everyMs: repair.scanEvery, isOpen } });
    run(host, worker);
  };
  const stopOne = async (key: string): Promise<void> => {
    const entry = running.get(key);
    if (!entry) return;
    running.delete(key);
    entry.worker.shutdown();
    await entry.done;
  };
  run('control', await createControlWorker({ connection, namespace, queuePrefix }));
  await Promise.all((['hostA', 'hostB'] as const).map(startHost));
  return {
    calls,
    startHost,
    hypervisorOf: (host) => {
      const hypervisor = hypervisors.get(host);
      if (!hypervisor) throw new Error(`no worker for ${host}`);
      return hypervisor;
    },
    stopHost: (host) => stopOne(host),
    stop: async () => {
      await Promise.all([...running.keys()].map(stopOne));
    },
  };
}
