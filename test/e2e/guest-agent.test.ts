/**
 * The guest's own view, on real libvirt: the testbed guest runs qemu-ga, and vfmigrate asks it (through
 * `virsh domifaddr --source agent`) whether net_failover holds its pair before the VF is unplugged, and
 * after the attach on the destination whether the VF is back in the guest.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrationReport } from '../../src/client/migration-result.js';
import { startMigration } from '../../src/client/start-migration.js';
import { findTeamingPair } from '../../src/domain/teaming.js';
import { runVirsh } from '../../src/hypervisor/virsh-command.js';
import { guestHost, hostUri, removeGuest, startGuest, testbedUp, waitForProbeReady } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { libvirt, startWorkers } from './support.js';

const HEALTHY = `agent-ok-${process.pid}`;
const BROKEN = `agent-novf-${process.pid}`;
const readOps = new Set(['describeVm', 'migrationJob', 'vfHolders', 'listVms', 'freeMemoryMiB', 'guestInterfaces']);

/** Until the guest agent answers (it starts a few seconds into the guest's boot under TCG). */
async function agentAnswers(vm: string): Promise<void> {
  await waitFor(`${vm}'s guest agent answers`, () => libvirt('hostA').guestInterfaces(vm).then(() => true, () => undefined), 90_000);
}

void describe('the guest agent (real libvirt, qemu-ga in the guest)', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };

  before(async () => {
    await testbedUp();
    temporal = await testTemporal();
    workers = await startWorkers(temporal);
    await startGuest(HEALTHY, { host: 'hostA' });
    await startGuest(BROKEN, { host: 'hostA', noVfDriver: true });
    await waitForProbeReady(HEALTHY, 180_000);
    await agentAnswers(HEALTHY);
    await agentAnswers(BROKEN);
  });
  after(async () => {
    await workers?.stop();
    await removeGuest(HEALTHY);
    await removeGuest(BROKEN);
    await temporal?.close();
  });

  void it('a guest without its VF driver is refused at preflight, naming what the guest shows, and nothing changes', async () => {
    const before = await runVirsh(hostUri('hostA'), ['dumpxml', BROKEN], { host: 'hostA', timeoutMs: 20_000 });
    workers.calls.length = 0;
    const run = await startMigration(temporal.client, { vm: BROKEN, from: 'hostA', to: 'hostB', namespace: temporal.namespace, queuePrefix: workers.queuePrefix });
    const report = await migrationReport(run.handle);
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.failedStep?.id, 'preflight-source');
    assert.equal(report.failedStep?.error.type, 'PreflightFailed');
    assert.match(report.failedStep?.error.message ?? '', /the guest shows [0-9a-f:]{17} on 2 interfaces \(eth0, eth1\), where net_failover makes 3 .*nothing was changed/);
    assert.deepEqual(
      workers.calls.filter((c) => !readOps.has(c.op)).map((c) => `${c.host} ${c.op}`),
      [],
      'only reads reached the hosts',
    );
    assert.equal(await guestHost(BROKEN), 'hostA');
    assert.equal(await runVirsh(hostUri('hostA'), ['dumpxml', BROKEN], { host: 'hostA', timeoutMs: 20_000 }), before, 'the live domain is unchanged');
  });

  void it('a healthy guest migrates, and the report says when the guest had its VF back', async () => {
    const run = await startMigration(temporal.client, { vm: HEALTHY, from: 'hostA', to: 'hostB', namespace: temporal.namespace, queuePrefix: workers.queuePrefix });
    const report = await migrationReport(run.handle);
    assert.equal(report.outcome, 'migrated', report.message);
    assert.equal(await guestHost(HEALTHY), 'hostB');
    assert.ok(report.vfBackInGuestMs !== null && report.vfBackInGuestMs >= 0, `vfBackInGuestMs: ${report.vfBackInGuestMs}`);
    // What the run waited for holds: the guest shows the pair's MAC on master, standby and VF.
    const pair = findTeamingPair(await libvirt('hostB').describeVm(HEALTHY), 'emulated');
    const guest = await libvirt('hostB').guestInterfaces(HEALTHY);
    assert.equal(guest.filter((i) => i.mac === pair?.standby.mac).length, 3, JSON.stringify(guest));
    assert.equal(pair?.standby.link, 'down');
  });
});
