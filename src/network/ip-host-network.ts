/**
 * Host networking with iproute2 (`ip`, `bridge`) through execa: argument arrays only, `LC_ALL=C`, a
 * timeout on every call, typed errors. `commandPrefix` runs the commands elsewhere, e.g.
 * `['ip', 'netns', 'exec', NS]` in tests or `['sudo', '-n']`.
 */
import { hostname } from 'node:os';
import { execa, ExecaError } from 'execa';
import { HostNetworkFailureError, HostNetworkRefusedError, type HostNetworkError } from './errors.js';
import type { HostNetwork } from './host-network.js';

export interface IpHostNetworkOptions {
  /** Whether the host clears/restores VF MACs on the PF (SR-IOV NICs whose switch forwards by VF MAC). */
  vfMac: boolean;
  /** The bridge port behind which the VM's standby is reached; no FDB management when absent. */
  fdbDevice?: string;
  commandPrefix?: string[];
  /** For error messages; default os.hostname(). */
  hostName?: string;
  timeoutMs?: number;
}

export class IpHostNetwork implements HostNetwork {
  readonly managesVfMac: boolean;
  readonly managesFdb: boolean;
  private readonly host: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: IpHostNetworkOptions) {
    this.managesVfMac = opts.vfMac;
    this.managesFdb = opts.fdbDevice !== undefined;
    this.host = opts.hostName ?? hostname();
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  async setVfMac(pf: string, vfIndex: number, mac: string): Promise<void> {
    await this.run(vfMacArgs(pf, vfIndex, mac));
  }

  /** `replace` adds or overwrites, so a retry is harmless. */
  async addFdbEntry(mac: string): Promise<void> {
    await this.run(fdbArgs('replace', mac, this.fdbDevice()));
  }

  /** A missing entry (`RTNETLINK answers: No such file or directory`) is what we wanted: success. */
  async removeFdbEntry(mac: string): Promise<void> {
    await this.run(fdbArgs('del', mac, this.fdbDevice()), /No such file or directory/);
  }

  private fdbDevice(): string {
    if (this.opts.fdbDevice === undefined) {
      throw new HostNetworkRefusedError(`no FDB device is configured on ${this.host}`);
    }
    return this.opts.fdbDevice;
  }

  /** `harmless`: stderr that means the desired state already holds. */
  private async run(args: string[], harmless?: RegExp): Promise<void> {
    const argv = [...(this.opts.commandPrefix ?? []), ...args];
    const [file, ...rest] = argv as [string, ...string[]];
    const command = args.join(' ');
    try {
      await execa(file, rest, { env: { LC_ALL: 'C' }, timeout: this.timeoutMs, stdin: 'ignore' });
    } catch (err) {
      if (!(err instanceof ExecaError)) throw err;
      if (err.timedOut) throw new HostNetworkFailureError(`${command} on ${this.host} did not finish within ${this.timeoutMs} ms`);
      const stderr = String(err.stderr ?? '').trim() || err.shortMessage;
      if (harmless?.test(stderr)) return;
      throw classifyIpError(stderr, `${command} on ${this.host} failed: ${stderr}`);
    }
  }
}

export function vfMacArgs(pf: string, vfIndex: number, mac: string): string[] {
  return ['ip', 'link', 'set', 'dev', pf, 'vf', String(vfIndex), 'mac', mac];
}

export function fdbArgs(action: 'replace' | 'del', mac: string, device: string): string[] {
  return ['bridge', 'fdb', action, mac, 'dev', device, 'master', ...(action === 'replace' ? ['static'] : [])];
}

/** Missing devices, unsupported operations and bad arguments never heal by retrying. */
export function classifyIpError(stderr: string, message: string): HostNetworkError {
  if (/Cannot find device|Operation not supported|Operation not permitted|Invalid argument|Error: .*(invalid|unknown)|Usage:/i.test(stderr)) {
    return new HostNetworkRefusedError(message);
  }
  return new HostNetworkFailureError(message);
}
