import { createServer } from 'node:net';
import { mkdir, access } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Connection } from '@temporalio/client';
import type { TemporalDevConfig } from './dev-server-config.js';

export const temporalCliVersion = 'v1.5.1';
export const temporalCliPath = path.resolve(import.meta.dirname, `../../../.cache/temporal/${temporalCliVersion}/temporal`);

export interface DevServerOptions {
  /** No Web UI (tests). */
  headless?: boolean;
  /** Ignore the configured SQLite file (tests). */
  inMemory?: boolean;
  /** Pick free loopback ports instead of the configured ones (tests, so runs never collide). */
  freePorts?: boolean;
  /** Where the server's own log goes; inherits stderr when absent. */
  logFile?: string;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  pid: number;
  stop(): Promise<void>;
}

export function devServerArgs(config: TemporalDevConfig, ports: { grpc: number; ui: number }, opts: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', config.ip, '--port', String(ports.grpc), '--namespace', config.namespace];
  args.push('--log-level', config.logLevel);
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(ports.ui));
  if (config.sqlitePath && !opts.inMemory) {
    args.push('--db-filename', config.sqlitePath);
    for (const [name, value] of Object.entries(config.sqlitePragmas)) args.push('--sqlite-pragma', `${name}=${value}`);
  }
  for (const [name, type] of Object.entries(config.searchAttributes)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(config.dynamicConfig)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  return args;
}

/** Starts the Temporal CLI dev server and resolves once its frontend answers. */
export async function startDevServer(config: TemporalDevConfig, opts: DevServerOptions = {}): Promise<DevServer> {
  await access(temporalCliPath).catch(() => {
    throw new Error(`the Temporal CLI is not built at ${temporalCliPath}; run scripts/build-temporal-cli.sh first`);
  });
  const ports = opts.freePorts
    ? { grpc: await freePort(config.ip), ui: await freePort(config.ip) }
    : { grpc: config.grpcPort, ui: config.uiPort };
  if (config.sqlitePath && !opts.inMemory) await mkdir(path.dirname(config.sqlitePath), { recursive: true });
  const child = execa(temporalCliPath, devServerArgs(config, ports, opts), {
    stdin: 'ignore',
    stdout: opts.logFile ? { file: opts.logFile } : 'ignore',
    stderr: opts.logFile ? { file: opts.logFile } : 'inherit',
    reject: false,
    cleanup: true,
  });
  const address = `${config.ip}:${ports.grpc}`;
  try {
    await waitUntilServing(address, config.namespace, child, opts.startTimeoutMs ?? 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    namespace: config.namespace,
    uiUrl: opts.headless ? null : `http://${config.ip}:${ports.ui}`,
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
  };
}

async function waitUntilServing(address: string, namespace: string, child: ResultPromise, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.then(() => (exited = true));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the Temporal dev server exited during start-up (${address}); see its log`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs} ms: ${String(lastError)}`);
}

async function stopChild(child: ResultPromise): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await child;
  clearTimeout(timer);
}

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
