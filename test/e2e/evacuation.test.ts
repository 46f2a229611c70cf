/**
 * Evacuation on the REAL testbed: hostA holds two teamed guests; draining it moves both to hostB with
 * the default policy, and each guest keeps its failover master and its address. Needs root.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evacuateHost } from '../../src/client/evacuate-host.js';
import { evacuationReport } from '../../src/client/evacuation-result.js';
import { findTeamingPair } from '../../src/domain/teaming.js';
import { readProbeLog, topologyAt } from '../../src/testbed/probe-log.js';
import { guestHost, removeGuest, serialLogPath, startGuest, testbedUp, waitForProbeReady } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { libvirt, startWorkers } from './support.js';

const guests = [`evac1-${process.pid}`, `evac2-${process.pid}`];

void describe('evacuating a real host', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };
  const addresses = new Map<string, string>();

  before(async () => {
    await testbedUp();
    temporal = await testTemporal();
    workers = await startWorkers(temporal);
    for (const g of guests) await startGuest(g, { host: 'hostA' });
    for (const g of guests) addresses.set(g, (await waitForProbeReady(g, 180_000)).addr);
  });
  after(async () => {
    await workers?.stop();
    for (const g of guests) await removeGuest(g);
    await temporal?.close();
  });

  void it('drains hostA onto hostB; both guests keep their failover master and address', async () => {
    const offsets = new Map(await Promise.all(guests.map(async (g) => [g, (await readProbeLog(serialLogPath(g))).nextOffset] as const)));
    const evac = await evacuateHost(temporal.client, { host: 'hostA', knownHosts: ['hostA', 'hostB'], namespace: temporal.namespace, queuePrefix: workers.queuePrefix });
    const report = await evacuationReport(evac.handle);
    assert.equal(report.outcome, 'completed', report.message);
    assert.equal(report.counts.migrated, 2);
    for (const g of guests) {
      assert.equal(await guestHost(g), 'hostB');
      const pair = findTeamingPair(await libvirt('hostB').describeVm(g), 'emulated');
      assert.equal(pair?.primary?.alias, 'ua-primary0');
      assert.equal(pair?.standby.link, 'down');
      const teamed = await waitFor(
        `${g} teamed again with replies`,
        async () => {
          const chunk = await readProbeLog(serialLogPath(g), offsets.get(g));
          const now = topologyAt(chunk.topology);
          return now?.primary?.operstate === 'up' && chunk.reports.some((r) => now && r.t > now.t + 500 && r.recv > 0) ? now : undefined;
        },
        30_000,
      );
      assert.equal(teamed.master, 'eth0');
      assert.equal(teamed.addr, addresses.get(g), `${g} kept its address`);
      assert.ok(teamed.standby && teamed.primary);
    }
    assert.deepEqual((await libvirt('hostA').listVms()).filter((v) => guests.includes(v.name)), [], 'hostA no longer runs them');
  });
});
