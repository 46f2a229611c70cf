import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { execa, type ResultPromise } from 'execa';
import { startMigration } from '../../src/client/start-migration.js';
import { loadTemporalDevConfig } from '../../src/config/temporal-dev.js';
import { InputError } from '../../src/errors.js';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import type { TemporalDevConfig } from '../../src/temporal/dev-server-config.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import type { LoadedPlan } from './plans.js';
import { waitFor } from './wait.js';

const checkout = path.resolve(import.meta.dirname, '../../..');
export const vfmigrateBin = path.join(checkout, 'bin/vfmigrate.js');

type Process = ResultPromise<{ reject: false; forceKillAfterDelay: false }>;
/** Boxed: a subprocess is a promise, and an async function would await it instead of returning it. */
export interface Child {
  proc: Process;
  /** Its own process group (host workers): a kill takes its virsh children along, as systemd would. */
  group: boolean;
  /** Everything it wrote so far, stdout and stderr (the Runtime's logger writes to stderr). */
  output(): string;
}

/**
 * What both fault matrices (the model's, the testbed's) kill and restart: a file-backed Temporal dev
 * server in `dir` and a `vfmigrate worker --control` process, with the client the matrix starts runs from.
 */
export class MatrixTemporal {
  private server!: DevServer;
  private serverConfig!: TemporalDevConfig;
  private connection!: Connection;
  client!: Client;
  private control: Child | null = null;
  readonly queuePrefix = `fm${Date.now().toString(36)}`;
  private serverStarts = 0;

  private constructor(readonly dir: string) {}

  static async start(dir: string): Promise<MatrixTemporal> {
    const t = new MatrixTemporal(dir);
    const config = await loadTemporalDevConfig();
    t.serverConfig = { ...config, sqlitePath: path.join(dir, 'temporal.sqlite'), grpcPort: await freePort(config.ip) };
    await t.startServer();
    t.connection = await Connection.connect({ address: t.server.address });
    t.client = new Client({ connection: t.connection, namespace: t.server.namespace });
    await t.startControl();
    return t;
  }

  get namespace(): string {
    return this.server.namespace;
  }

  async stop(): Promise<void> {
    await killChild(this.control);
    await this.connection?.close().catch(() => undefined);
    await this.server?.stop();
  }

  /** The control worker again, when it exited (or was killed) since. */
  async ensureControl(): Promise<void> {
    if (!this.control || exited(this.control)) await this.startControl();
  }

  async restartControl(): Promise<void> {
    await killChild(this.control);
    await this.startControl();
  }

  /** SIGKILL, then the same server again on its file-backed store and port. */
  async restartServer(): Promise<void> {
    process.kill(this.server.pid, 'SIGKILL');
    await this.server.stop();
    await this.startServer();
  }

  async startRun(opts: { vm: string; from: string; to: string; plan: LoadedPlan }): Promise<WorkflowHandle<typeof migrateVm>> {
    const started = await waitFor(
      'the run started (the server sees the workers)',
      () =>
        startMigration(this.client, { ...opts, namespace: this.server.namespace, queuePrefix: this.queuePrefix }).catch((err: unknown) => {
          if (err instanceof InputError && err.message.includes('no worker is polling')) return undefined;
          throw err;
        }),
      60_000,
    );
    return started.handle;
  }

  /** Resolves true once the run is closed, false at the deadline; a server that is down meanwhile is asked again. */
  async runEnded(handle: WorkflowHandle<typeof migrateVm>, deadline: { at: number }): Promise<boolean> {
    while (Date.now() < deadline.at) {
      const status = await handle.describe().then((d) => d.status.name, () => 'UNKNOWN');
      if (status !== 'RUNNING' && status !== 'UNKNOWN') return true;
      await sleep(250);
    }
    return false;
  }

  /** What a worker process needs to find this server and the matrix's queues. */
  env(): Record<string, string> {
    return { TEMPORAL_ADDRESS: this.server.address, TEMPORAL_NAMESPACE: this.server.namespace, VFMIGRATE_QUEUE_PREFIX: this.queuePrefix };
  }

  private async startServer(): Promise<void> {
    const logFile = path.join(this.dir, `temporal-${++this.serverStarts}.log`);
    // A killed server's port can take a moment to come free.
    for (let attempt = 1; ; attempt++) {
      try {
        this.server = await startDevServer(this.serverConfig, { headless: true, freePorts: false, logFile });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await sleep(1000);
      }
    }
  }

  private async startControl(): Promise<void> {
    this.control = await spawnWorker([vfmigrateBin, 'worker', '--control'], this.env());
  }
}

/**
 * `node ARGS` (a script and its arguments), resolved once it says `workers polling`. `group`: in a process
 * group of its own, so killChild takes its children along.
 */
export async function spawnWorker(args: string[], env: Record<string, string>, opts: { group?: boolean } = {}): Promise<Child> {
  const group = opts.group ?? false;
  const child: Process = execa(process.execPath, args, { cwd: checkout, reject: false, env, forceKillAfterDelay: false, cleanup: true, detached: group });
  let out = '';
  let err = '';
  const polling = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('workers polling')) resolve();
    });
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = child.then((r) => {
    throw new Error(`${path.basename(args[0] ?? '')} ${args.slice(1).join(' ')} ended before polling (exit ${r.exitCode}): ${r.stderr.slice(-500)}`);
  });
  await Promise.race([polling, exited]);
  exited.catch(() => undefined);
  return { proc: child, group, output: () => out + err };
}

/** SIGKILL: no drain, no goodbye, the way a crash or the OOM killer ends a worker. */
export async function killChild(child: Child | null): Promise<void> {
  if (!child || exited(child) || child.proc.pid === undefined) return;
  if (child.group) process.kill(-child.proc.pid, 'SIGKILL');
  else child.proc.kill('SIGKILL');
  await child.proc;
}

export function exited(child: Child): boolean {
  return child.proc.exitCode !== null || child.proc.signalCode !== null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
