/**
 * Typed access to the two-host libvirt testbed (`scripts/testbed.sh`, docs/testbed.md) for integration
 * tests. Every call runs the script with an argument array (never a shell string). The script needs root.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, ExecaError } from 'execa';
import { readProbeLog, type ReadyLine } from './probe-log.js';

export type TestbedHost = 'hostA' | 'hostB';

export const TESTBED_HOSTS: Readonly<Record<TestbedHost, { ip: string; uri: string }>> = {
  hostA: { ip: '127.0.0.2', uri: 'qemu+tcp://127.0.0.2/system' },
  hostB: { ip: '127.0.0.3', uri: 'qemu+tcp://127.0.0.3/system' },
};

export const hostUri = (host: TestbedHost): string => TESTBED_HOSTS[host].uri;

/**
 * The checkout holding scripts/testbed.sh, found upwards from this module (src/ or compiled lib/src/).
 * An installed package has no testbed: it gets its own root, so that merely loading the CLI works there and
 * only the demo, when it runs, finds the script missing.
 */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'testbed.sh'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return join(import.meta.dirname, '../../..');
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
export const TESTBED_SCRIPT = join(REPO_ROOT, 'scripts', 'testbed.sh');
/** Same rule as the script: TESTBED_CACHE overrides .cache/testbed. */
export const TESTBED_CACHE = process.env.TESTBED_CACHE ?? join(REPO_ROOT, '.cache', 'testbed');

export class TestbedError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-15).join('\n');
    super(`scripts/testbed.sh ${args.join(' ')} failed (exit ${exitCode ?? '?'}):\n${tail}`);
    this.name = 'TestbedError';
  }
}

export interface RunOptions {
  /** Kill the script after this long; default 10 min (a first `up` downloads and builds the guest). */
  timeoutMs?: number;
}

/** Runs one subcommand and returns its stdout. Throws TestbedError with the stderr tail on failure. */
export async function runTestbed(args: readonly string[], opts: RunOptions = {}): Promise<string> {
  try {
    const { stdout } = await execa(TESTBED_SCRIPT, [...args], {
      timeout: opts.timeoutMs ?? 600_000,
      env: { LC_ALL: 'C' },
      stdin: 'ignore',
    });
    return stdout;
  } catch (err) {
    if (err instanceof ExecaError) {
      throw new TestbedError(args, err.exitCode, typeof err.stderr === 'string' ? err.stderr : String(err.message));
    }
    throw err;
  }
}

/** Starts both hosts (installing and building first when needed). Idempotent. */
export async function testbedUp(opts: RunOptions = {}): Promise<void> {
  await runTestbed(['up'], opts);
}

/** Destroys every guest, stops both hosts and any leftover QEMU of the testbed. Idempotent. */
export async function testbedDown(opts: RunOptions = {}): Promise<void> {
  await runTestbed(['down'], opts);
}

export interface HostStatus {
  host: TestbedHost;
  up: boolean;
  uri: string;
  pid: number | null;
  /** Running domains. */
  domains: string[];
}

export async function testbedStatus(): Promise<HostStatus[]> {
  let stdout: string;
  try {
    ({ stdout } = await execa(TESTBED_SCRIPT, ['status'], { env: { LC_ALL: 'C' }, stdin: 'ignore', timeout: 60_000 }));
  } catch (err) {
    // Exit 1 just means "not both up"; the lines are still there.
    if (err instanceof ExecaError && err.exitCode === 1 && typeof err.stdout === 'string') stdout = err.stdout;
    else throw err;
  }
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [host, state, uri] = line.split(/\s+/);
      const pid = /\bpid=(\d+)/.exec(line)?.[1];
      const domains = /\bdomains=(\S+)/.exec(line)?.[1];
      return {
        host: host as TestbedHost,
        up: state === 'up',
        uri: uri ?? '',
        pid: pid ? Number(pid) : null,
        domains: domains && domains !== '-' ? domains.split(',') : [],
      };
    });
}

export interface GuestOptions {
  /** Default: derived from the name (see defaultGuestMac). */
  mac?: string;
  /** Default hostA. */
  host?: TestbedHost;
  /** A guest without its VF's driver: the primary never joins the failover (its agent shows 2 interfaces). */
  noVfDriver?: boolean;
  /** A busy guest: dirties this many MiB of memory per second (`guest-start --dirty`). */
  dirtyMiBps?: number;
  /** Default one-pair; two-pairs: the second pair's MAC is the MAC with its last byte plus 1 (see pairMac). */
  shape?: GuestShape;
}

export type GuestShape = 'plain' | 'one-pair' | 'two-pairs';

/** Pair `n`'s MAC in a testbed guest: the guest's MAC with its last byte plus n, modulo 256 (guests.sh pair_mac). */
export function pairMac(mac: string, n: number): string {
  const last = (parseInt(mac.slice(-2), 16) + n) % 256;
  return `${mac.slice(0, -2)}${last.toString(16).padStart(2, '0')}`.toLowerCase();
}

function guestArgs(name: string, opts: GuestOptions): string[] {
  const args = [name];
  if (opts.mac) args.push('--mac', opts.mac);
  if (opts.host) args.push('--host', opts.host);
  if (opts.noVfDriver) args.push('--no-vf-driver');
  if (opts.shape) args.push('--shape', opts.shape);
  if (opts.dirtyMiBps !== undefined) args.push('--dirty', String(opts.dirtyMiBps));
  return args;
}

/** The guest domain XML the testbed would define (standby ua-backup0 + e1000e primary ua-primary0). */
export async function guestXml(name: string, opts: GuestOptions = {}): Promise<string> {
  return runTestbed(['guest-xml', ...guestArgs(name, opts)]);
}

/** Defines and starts the guest on its host (default hostA); a no-op when it already runs there. */
export async function startGuest(name: string, opts: GuestOptions = {}): Promise<void> {
  await runTestbed(['guest-start', ...guestArgs(name, opts)]);
}

/** Destroys and undefines the guest wherever it is; absent is fine. Used to tear down what a run started. */
export async function removeGuest(name: string): Promise<void> {
  for (const host of Object.keys(TESTBED_HOSTS) as TestbedHost[]) {
    for (const args of [['destroy', name], ['undefine', name]]) {
      await execa('virsh', ['-c', hostUri(host), ...args], { reject: false, env: { LC_ALL: 'C' }, timeout: 30_000 });
    }
  }
}

/** The testbed host a guest runs on now, or null. */
export async function guestHost(name: string): Promise<TestbedHost | null> {
  for (const host of Object.keys(TESTBED_HOSTS) as TestbedHost[]) {
    const result = await execa('virsh', ['-c', hostUri(host), 'domstate', name], { reject: false, env: { LC_ALL: 'C' }, timeout: 30_000 });
    if (result.exitCode === 0 && result.stdout.trim() === 'running') return host;
  }
  return null;
}

/** Stops that host's libvirtd only: its guests keep running (a libvirtd crash, as the tests inject it). */
export async function stopHost(host: TestbedHost): Promise<void> {
  await runTestbed(['stop-host', host]);
}

export async function startHost(host: TestbedHost): Promise<void> {
  await runTestbed(['start-host', host]);
}

/** Absolute path of the guest's serial log (one file across migrations; rotated on a fresh guest-start). */
export function serialLogPath(name: string): string {
  return join(TESTBED_CACHE, 'guests', `${name}.serial.log`);
}

/** The MAC guest-xml uses when none is given: 52:54:00 + the first 3 bytes of md5(name + "\n"). */
export function defaultGuestMac(name: string): string {
  const hex = createHash('md5').update(`${name}\n`).digest('hex');
  return `52:54:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/**
 * Waits until the guest's probe says `ready` (failover master has its address and the gateway answers).
 * Under TCG a fresh guest takes ~15 s. Rejects after `timeoutMs` with the last probe lines seen.
 */
export async function waitForProbeReady(
  name: string,
  timeoutMs: number,
  opts: { fromOffset?: number; pollMs?: number } = {},
): Promise<ReadyLine> {
  const path = serialLogPath(name);
  const deadline = Date.now() + timeoutMs;
  let offset = opts.fromOffset ?? 0;
  const recent: string[] = [];
  for (;;) {
    const chunk = await readProbeLog(path, offset);
    offset = chunk.nextOffset;
    for (const ev of chunk.events) {
      if (ev.kind === 'ready') return ev;
      recent.push(JSON.stringify(ev));
    }
    recent.splice(0, Math.max(0, recent.length - 5));
    if (Date.now() >= deadline) {
      throw new Error(`guest ${name}: no VFPROBE ready line in ${path} within ${timeoutMs} ms; last lines:\n${recent.join('\n')}`);
    }
    await sleep(opts.pollMs ?? 250);
  }
}
