import { randomBytes } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import type { HostServices } from '../../src/activities/host-services.js';
import { evacuateHost, type EvacuateOptions, type StartedEvacuation } from '../../src/client/evacuate-host.js';
import { startMigration, type StartMigrationOptions, type StartedMigration } from '../../src/client/start-migration.js';
import { ModelFleet, type ModelOptions } from '../../src/hypervisor/model.js';
import type { HostNetwork } from '../../src/network/host-network.js';
import { modelHostServices } from '../../src/workers/model-host-services.js';
import { createControlWorker } from '../../src/workers/control-worker.js';
import { createHostWorker } from '../../src/workers/host-worker.js';
import type { TestTemporal } from './temporal.js';
import { waitFor } from './wait.js';
import { requireWorkers } from '../../src/client/worker-check.js';
import { controlQueue, hostQueue } from '../../src/temporal/names.js';

export interface ModelHostSpec {
  name: string;
  vfs: number;
  memoryMiB?: number;
  vms?: { name: string; memoryMiB?: number; pairs?: number; form?: 'interface' | 'hostdev'; vf?: boolean; labels?: Record<string, string> }[];
  network?: HostNetwork;
}

interface Running {
  worker: Worker;
  done: Promise<void>;
}

/**
 * Real Temporal, model hypervisors: one host worker per model host and a control worker, all under a
 * task-queue prefix of their own so tests sharing one server never see each other's tasks.
 */
export class ModelEnv {
  readonly fleet: ModelFleet;
  readonly queuePrefix = `t${randomBytes(4).toString('hex')}`;
  readonly services = new Map<string, HostServices>();
  private readonly hostWorkers = new Map<string, Running>();
  private control: Running | null = null;

  constructor(
    readonly temporal: TestTemporal,
    hosts: ModelHostSpec[],
    options: ModelOptions = {},
  ) {
    this.fleet = new ModelFleet(options);
    for (const h of hosts) {
      this.fleet.addHost(h.name, { vfs: h.vfs, ...(h.memoryMiB ? { memoryMiB: h.memoryMiB } : {}) });
      for (const vm of h.vms ?? []) this.fleet.addVm(h.name, vm);
      this.services.set(h.name, modelHostServices(this.fleet, h.name, { progressSignalMs: 100, ...(h.network ? { network: h.network } : {}) }));
    }
  }

  /** Starts an environment for `body` and shuts it down after, whatever `body` does. */
  static async using(temporal: TestTemporal, hosts: ModelHostSpec[], options: ModelOptions | undefined, body: (env: ModelEnv) => Promise<void>): Promise<void> {
    const env = await new ModelEnv(temporal, hosts, options).start();
    try {
      await body(env);
    } finally {
      await env.shutdown();
    }
  }

  async start(): Promise<this> {
    await this.startControl();
    await Promise.all([...this.services.keys()].map((h) => this.startHost(h)));
    await this.pollersVisible([...this.services.keys()]);
    return this;
  }

  /** A worker's first poll reaches the server a moment after run(); wait so the start-up check sees it. */
  async pollersVisible(hosts: string[]): Promise<void> {
    const needs = [
      { queue: controlQueue(this.queuePrefix), kind: 'workflow' as const, hint: '' },
      ...hosts.map((h) => ({ queue: hostQueue(this.queuePrefix, h), kind: 'activity' as const, hint: '' })),
    ];
    await waitFor('workers polling', async () => {
      await requireWorkers(this.temporal.client, this.temporal.namespace, needs);
      return true;
    });
  }

  async startControl(): Promise<void> {
    const worker = await createControlWorker({ connection: this.temporal.nativeConnection, namespace: this.temporal.namespace, queuePrefix: this.queuePrefix });
    this.control = { worker, done: worker.run() };
  }

  async startHost(name: string): Promise<void> {
    const host = this.services.get(name);
    if (!host) throw new Error(`no model host ${name}`);
    const worker = await createHostWorker({ connection: this.temporal.nativeConnection, namespace: this.temporal.namespace, queuePrefix: this.queuePrefix, host, shutdownGraceTime: '100ms' });
    this.hostWorkers.set(name, { worker, done: worker.run() });
  }

  /** Stops a host's worker the way a crash looks to Temporal: its in-flight activities end unreported. */
  async stopHost(name: string): Promise<void> {
    const running = this.hostWorkers.get(name);
    if (!running) return;
    this.hostWorkers.delete(name);
    running.worker.shutdown();
    await running.done;
  }

  /**
   * Runs sriov-live-migration unless `extra` names another plan, as the CLI did before runs chose their plan
   * by the VM's shape; `{ plan: undefined }` starts a run that chooses (test/engine/shapes.test.ts).
   */
  migrate(vm: string, from: string, to: string, extra: Partial<StartMigrationOptions> = {}): Promise<StartedMigration> {
    return startMigration(this.temporal.client, { vm, from, to, namespace: this.temporal.namespace, queuePrefix: this.queuePrefix, plan: 'sriov-live-migration', ...extra });
  }

  evacuate(host: string, extra: Partial<EvacuateOptions> = {}): Promise<StartedEvacuation> {
    return evacuateHost(this.temporal.client, {
      host,
      knownHosts: [...this.services.keys()],
      namespace: this.temporal.namespace,
      queuePrefix: this.queuePrefix,
      ...extra,
    });
  }

  /** Stops the control worker (workflows) the way a crash looks to Temporal; `startControl` brings it back. */
  async stopControl(): Promise<void> {
    if (!this.control) return;
    this.control.worker.shutdown();
    await this.control.done;
    this.control = null;
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.hostWorkers.keys()].map((h) => this.stopHost(h)));
    await this.stopControl();
  }
}
