import { HostNetworkFailureError, HostNetworkRefusedError } from './errors.js';
import type { HostNetwork } from './host-network.js';

/**
 * MODEL host networking: records what the host-network steps would do to `ip`/`bridge`, and can be told
 * to fail, so tests can prove the plan's host-network steps and their compensations run in order.
 */
export class ModelHostNetwork implements HostNetwork {
  readonly managesVfMac = true;
  readonly managesFdb = true;
  readonly vfMacs = new Map<string, string>();
  readonly fdb = new Set<string>();
  readonly log: string[] = [];
  private readonly failures = new Map<string, { times: number; fatal: boolean }>();

  constructor(readonly host: string) {}

  /** `fatal` failures are not retryable (they fail the step at once); others are retried by the plan's policy. */
  failNext(op: 'setVfMac' | 'addFdbEntry' | 'removeFdbEntry', opts: { times?: number; fatal?: boolean } = {}): void {
    this.failures.set(op, { times: opts.times ?? 1, fatal: opts.fatal ?? false });
  }

  setVfMac(pf: string, vfIndex: number, mac: string): Promise<void> {
    return this.act('setVfMac', `${pf} vf ${vfIndex} mac ${mac}`, () => this.vfMacs.set(`${pf}/${vfIndex}`, mac));
  }

  addFdbEntry(mac: string): Promise<void> {
    return this.act('addFdbEntry', mac, () => this.fdb.add(mac));
  }

  removeFdbEntry(mac: string): Promise<void> {
    return this.act('removeFdbEntry', mac, () => this.fdb.delete(mac));
  }

  private act(op: string, detail: string, change: () => unknown): Promise<void> {
    this.log.push(`${op} ${detail}`);
    const failure = this.failures.get(op);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      const message = `injected failure of ${op} on ${this.host} (model)`;
      return Promise.reject(failure.fatal ? new HostNetworkRefusedError(message) : new HostNetworkFailureError(message));
    }
    change();
    return Promise.resolve();
  }
}
