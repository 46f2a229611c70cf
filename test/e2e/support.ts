import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { findTeamingPair } from '../../src/domain/teaming.js';
import { VmNotFoundError } from '../../src/hypervisor/errors.js';
import type { Hypervisor } from '../../src/hypervisor/hypervisor.js';
import { VirshHypervisor } from '../../src/hypervisor/virsh.js';
import { readProbeLog, topologyAt, type TopologyLine } from '../../src/testbed/probe-log.js';
import { guestHost, hostUri, serialLogPath, startGuest, stopHost, waitForProbeReady, type GuestOptions, type TestbedHost } from '../../src/testbed/testbed.js';
import { startTestbedWorkers, type TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import type { TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

export const testbedHosts: TestbedHost[] = ['hostA', 'hostB'];

const views = new Map<TestbedHost, Hypervisor>();

/** A direct libvirt view of a testbed host, for checking what the engine did (not through the engine). */
export function libvirt(host: TestbedHost): Hypervisor {
  let view = views.get(host);
  if (!view) views.set(host, (view = new VirshHypervisor({ hostName: host, uri: hostUri(host), primaryMode: 'emulated', commandTimeoutMs: 20_000 })));
  return view;
}

export async function startWorkers(temporal: TestTemporal): Promise<TestbedWorkers & { queuePrefix: string }> {
  const queuePrefix = `e2e${randomBytes(3).toString('hex')}`;
  const workers = await startTestbedWorkers(temporal.nativeConnection, temporal.namespace, queuePrefix);
  return Object.assign(workers, { queuePrefix });
}

/** Starts the guest and waits until its probe is ready (a TCG boot takes 40-60 s); returns its failover master's address. */
export async function bootGuest(vm: string, opts: GuestOptions = { host: 'hostA' }): Promise<string> {
  await startGuest(vm, opts);
  return (await waitForProbeReady(vm, 120_000)).addr;
}

/** The VM is on `host` with its primary attached, the standby down, and nothing left of it on `other`. */
export async function assertSettledOn(vm: string, host: TestbedHost, other: TestbedHost): Promise<void> {
  assert.equal(await guestHost(vm), host);
  await assert.rejects(libvirt(other).describeVm(vm), VmNotFoundError, `${vm} must no longer be defined on ${other}`);
  const pair = findTeamingPair(await libvirt(host).describeVm(vm), 'emulated');
  assert.equal(pair?.primary?.alias, 'ua-primary0', 'the primary is attached');
  assert.equal(pair?.standby.link, 'down', 'the standby link is down again');
}

/**
 * Waits until the guest is teamed again: its failover master has both slaves, its primary's link is up
 * (seconds after an attach) and its probe got replies since. Returns that topology. `fromOffset` 0 (the
 * whole log) also accepts a guest whose teaming never changed.
 */
export async function guestTeamed(vm: string, fromOffset: number, timeoutMs = 20_000): Promise<TopologyLine> {
  return waitFor(
    'the guest teamed again, its probe answered',
    async () => {
      const chunk = await readProbeLog(serialLogPath(vm), fromOffset);
      const now = topologyAt(chunk.topology);
      const later = now && chunk.reports.filter((r) => r.t > now.t + 500);
      return now?.primary?.operstate === 'up' && later?.some((r) => r.recv > 0) ? now : undefined;
    },
    timeoutMs,
  );
}

/** guestTeamed, and the failover master kept its address and has both slaves. */
export async function assertGuestTeamed(vm: string, address: string, fromOffset: number): Promise<void> {
  const settled = await guestTeamed(vm, fromOffset);
  assert.equal(settled.master, 'eth0');
  assert.equal(settled.addr, address, 'the failover master kept its address');
  assert.ok(settled.standby && settled.primary, `both slaves present: ${JSON.stringify(settled)}`);
}

/**
 * Shadows `op` of `host`'s worker with one that first stops `stopped`'s libvirtd (once), then calls the
 * real `op`: the fault lands at an exact step, and the failure that follows is libvirt's own.
 */
export function stopLibvirtBefore(workers: TestbedWorkers, host: TestbedHost, op: 'attachPrimary' | 'detachInterface', stopped: TestbedHost): void {
  const hv = workers.hypervisorOf(host);
  const real = (hv[op] as (...args: unknown[]) => Promise<void>).bind(hv);
  let done = false;
  (hv as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
    if (!done) {
      done = true;
      await stopHost(stopped);
    }
    return real(...args);
  };
}

export function unshadow(workers: TestbedWorkers, host: TestbedHost, op: keyof Hypervisor): void {
  delete (workers.hypervisorOf(host) as Partial<Hypervisor>)[op];
}
