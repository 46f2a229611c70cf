/**
 * Every VM shape on the REAL testbed (issue 10, section 2): a guest without a VF migrates with
 * plain-live-migration when no plan is named, and draining a host that holds one guest of each shape
 * (plain, one pair, two pairs) moves them all, each with the plan its shape (or a label rule) chooses.
 * Needs root, and the guest shapes of `scripts/testbed.sh guest-start NAME --shape plain|one-pair|two-pairs`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { evacuateHost } from '../../src/client/evacuate-host.js';
import { evacuationReport } from '../../src/client/evacuation-result.js';
import { migrationReport } from '../../src/client/migration-result.js';
import { startMigration } from '../../src/client/start-migration.js';
import { labelsNamespace } from '../../src/domain/vm-labels.js';
import { shapeOf } from '../../src/domain/vm-shape.js';
import { guestHost, hostUri, removeGuest, runTestbed, testbedUp, waitForProbeReady, type TestbedHost } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { policyFile } from '../support/policies.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { libvirt, startWorkers } from './support.js';

type Shape = 'plain' | 'one-pair' | 'two-pairs';

async function startShapedGuest(name: string, shape: Shape, host: TestbedHost = 'hostA'): Promise<void> {
  await runTestbed(['guest-start', name, '--host', host, '--shape', shape]);
}

/** Labels the running guest as an operator would (`virsh metadata`), in the namespace vfmigrate reads. */
async function label(name: string, host: TestbedHost, labels: Record<string, string>): Promise<void> {
  const xml = `<labels>${Object.entries(labels).map(([k, v]) => `<label key="${k}">${v}</label>`).join('')}</labels>`;
  await execa('virsh', ['-c', hostUri(host), 'metadata', name, labelsNamespace, '--key', 'vfmigrate', '--set', xml, '--live'], { env: { LC_ALL: 'C' }, timeout: 30_000 });
}

void describe('every VM shape on the testbed', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };
  const plainGuest = `plain-${process.pid}`;
  const drained: Record<Shape, string> = { plain: `dplain-${process.pid}`, 'one-pair': `done-${process.pid}`, 'two-pairs': `dtwo-${process.pid}` };
  const all = [plainGuest, ...Object.values(drained)];

  before(async () => {
    await testbedUp();
    temporal = await testTemporal();
    workers = await startWorkers(temporal);
  });
  after(async () => {
    await workers?.stop();
    for (const g of all) await removeGuest(g);
    await temporal?.close();
  });

  void it('migrate without --plan: a guest without a VF runs plain-live-migration and keeps its address', async () => {
    await startShapedGuest(plainGuest, 'plain');
    const ready = await waitForProbeReady(plainGuest, 180_000);
    assert.equal(shapeOf(await libvirt('hostA').describeVm(plainGuest), 'emulated').vfs, 0, 'the testbed made a guest without a VF');
    const run = await startMigration(temporal.client, { vm: plainGuest, from: 'hostA', to: 'hostB', namespace: temporal.namespace, queuePrefix: workers.queuePrefix });
    const report = await migrationReport(run.handle);
    assert.equal(report.outcome, 'migrated', report.message);
    assert.equal(report.plan.name, 'plain-live-migration');
    assert.equal(report.planChoice, 'no VF -> plain-live-migration');
    assert.equal(await guestHost(plainGuest), 'hostB');
    const again = await waitForProbeReady(plainGuest, 60_000).catch(() => null);
    if (again) assert.equal(again.addr, ready.addr, 'the guest kept its address');
  });

  void it('drains hostA holding one guest of each shape; each ran the plan its shape or its label chose', async () => {
    for (const [shape, name] of Object.entries(drained) as [Shape, string][]) await startShapedGuest(name, shape);
    for (const name of Object.values(drained)) await waitForProbeReady(name, 180_000);
    await label(drained['one-pair'], 'hostA', { tier: 'gold' });
    const policy = await policyFile({ planRules: [{ match: { labels: { tier: 'gold' } }, plan: 'detach-first' }] }, 'shapes');
    const evac = await evacuateHost(temporal.client, { host: 'hostA', policyFile: policy, knownHosts: ['hostA', 'hostB'], namespace: temporal.namespace, queuePrefix: workers.queuePrefix });
    const report = await evacuationReport(evac.handle);
    const failures = report.vms.filter((v) => v.state !== 'migrated').map((v) => `${v.vm}: ${v.state} ${v.message ?? ''}`);
    assert.equal(report.outcome, 'completed', `${report.message}; ${failures.join('; ')}`);
    const chosen = Object.fromEntries(report.vms.filter((v) => Object.values(drained).includes(v.vm)).map((v) => [v.vm, [v.state, v.plan]]));
    assert.deepEqual(chosen, {
      [drained.plain]: ['migrated', 'plain-live-migration'],
      [drained['one-pair']]: ['migrated', 'detach-first'],
      [drained['two-pairs']]: ['migrated', 'sriov-live-migration'],
    });
    for (const name of Object.values(drained)) {
      assert.equal(await guestHost(name), 'hostB', `${name} runs on hostB`);
      assert.equal((await migrationReport(temporal.client.workflow.getHandle(`migrate/${name}`))).plan.name, chosen[name]?.[1]);
    }
    const twoPairs = shapeOf(await libvirt('hostB').describeVm(drained['two-pairs']), 'emulated');
    assert.equal(twoPairs.teamedPairs, 2, 'both pairs are teamed again on hostB');
  });
});
