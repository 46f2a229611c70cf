import { randomBytes } from 'node:crypto';
import type { Hypervisor } from '../../src/hypervisor/hypervisor.js';
import { VirshHypervisor } from '../../src/hypervisor/virsh.js';
import { hostUri, type TestbedHost } from '../../src/testbed/testbed.js';
import { startTestbedWorkers, type TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import type { TestTemporal } from '../support/temporal.js';

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
