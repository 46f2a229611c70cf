/**
 * How vfmigrate runs `virsh` as a process of its own (`virsh migrate`, which lasts as long as the
 * migration; short calls go through `virsh-session.ts`), and how it reads virsh's errors either way:
 * argument arrays only (never a shell string), English messages (`LC_ALL=C`, since libvirt's errors are
 * classified by their text), a timeout on every call, and every failure turned into a typed error of
 * `errors.ts` that names the host and the command.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, ExecaError } from 'execa';
import { InputError } from '../errors.js';
import { quoted } from '../util/printable.js';
import { virshArgumentsProblem } from './virsh-arguments.js';
import {
  ConnectionFailedError,
  GuestAgentUnavailableError,
  HypervisorFailureError,
  InvalidOperationError,
  MigrationAbortedError,
  MigrationFailedError,
  TimedOutError,
  VmNotFoundError,
  type HypervisorError,
} from './errors.js';

export interface VirshOptions {
  timeoutMs: number;
  /** The host name errors report (the URI alone says little in a run's history). */
  host: string;
}

export async function runVirsh(uri: string, args: string[], opts: VirshOptions): Promise<string> {
  // No readline here, but the same rules: a value that names a thing must be one libvirt could hold.
  const problem = virshArgumentsProblem(args);
  if (problem) throw new InputError(`refused to run virsh ${quoted(args[0] ?? '')} on ${opts.host}: ${problem}`);
  const command = `virsh ${args.join(' ')}`;
  try {
    const { stdout } = await execa('virsh', ['-c', uri, ...args], { env: { LC_ALL: 'C' }, timeout: opts.timeoutMs, stdin: 'ignore' });
    return stdout;
  } catch (err) {
    if (!(err instanceof ExecaError)) throw err;
    if (err.timedOut) {
      throw new TimedOutError(`${command} on ${opts.host} did not finish within ${opts.timeoutMs} ms`, opts.host);
    }
    const stderr = String(err.stderr ?? '').trim() || err.shortMessage;
    throw classifyVirshError(stderr, opts.host, command);
  }
}

/**
 * Runs `run` with the path of a private temporary file holding `xml`, for virsh commands that read XML
 * from a file (attach-device, update-device). Not /dev/stdin: Node gives children a socket as stdin,
 * which virsh cannot open by that name (ENXIO).
 */
export async function withXmlFile<T>(xml: string, run: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vfmigrate-virsh-'));
  try {
    const file = join(dir, 'device.xml');
    await writeFile(file, xml, { mode: 0o600 });
    return await run(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The `error:` lines of a virsh session's stderr (virsh carries on past a failing command, so they are
 * the only sign of one), or null when the command succeeded. virsh reconnecting by itself is no failure.
 */
export function sessionErrors(stderr: string): string | null {
  const lines = stderr.split('\n').filter((l) => /^error:/i.test(l.trim()) && !/Reconnected to the hypervisor/i.test(l));
  return lines.length ? lines.join('\n') : null;
}

type ErrorClass = new (message: string, host: string) => HypervisorError;

/**
 * Ordered: the first rule whose pattern occurs in virsh's stderr wins. The texts are libvirt 9.0's, as
 * met on the testbed (test/unit/virsh-errors.test.ts holds them).
 */
const RULES: [RegExp, ErrorClass][] = [
  [/canceled by client/i, MigrationAbortedError],
  [
    /failed to (re)?connect to the hypervisor|unable to connect to server|Connection refused|End of file while reading data|Cannot recv data|Cannot write data|client socket is closed|Disconnected from .* due to I\/O error/i,
    ConnectionFailedError,
  ],
  [/failed to get domain|Domain not found|no domain with matching/i, VmNotFoundError],
  // "Guest agent is not responding: QEMU guest agent is not connected", "argument unsupported: QEMU guest agent is not configured".
  [/guest agent is not (responding|connected|configured|available)/i, GuestAgentUnavailableError],
  [/Timed out during operation/i, TimedOutError],
  [/Requested operation is not valid/i, InvalidOperationError],
  // Bad XML or an unsupported device can never succeed by retrying.
  [/XML error|\(device_definition\):\d+:|unsupported configuration|Operation not supported|Network not found|no device found|device not found/i, InvalidOperationError],
  [/migrat|job '[^']*' failed/i, MigrationFailedError],
];

/** Maps virsh's stderr to a typed error; `command` says what failed (default: just "virsh"). */
export function classifyVirshError(stderr: string, host: string, command = 'virsh'): HypervisorError {
  const message = libvirtMessage(stderr);
  const ErrorType = RULES.find(([pattern]) => pattern.test(message))?.[1] ?? HypervisorFailureError;
  return new ErrorType(`${command} on ${host} failed: ${message}`, host);
}

/** virsh prints each libvirt error as `error: …` (sometimes several, the cause last); keep them all, joined. */
export function libvirtMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim().replace(/^error:\s*/i, ''))
    .filter((l) => l !== '');
  return lines.length ? lines.join('; ') : '(no message)';
}
