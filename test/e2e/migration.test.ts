/**
 * The engine end to end on REAL hypervisors: the real Temporal dev server, the host workers driving two
 * real libvirtd hosts through virsh, and a real guest whose net_failover master is probed every 10 ms.
 * Needs root (scripts/testbed.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { followMigration, migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { startMigration, type StartMigrationOptions } from '../../src/client/start-migration.js';
import { findTeamingPair } from '../../src/domain/teaming.js';
import { measureMigration } from '../../src/testbed/measured-migration.js';
import { readProbeLog } from '../../src/testbed/probe-log.js';
import { guestHost, hostUri, removeGuest, serialLogPath, startHost, testbedUp, type TestbedHost } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { planWith } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { assertGuestTeamed, assertSettledOn, bootGuest, libvirt, startWorkers, stopLibvirtBefore, unshadow } from './support.js';

const VM = `e2e-${process.pid}`;
/** A slower migration (a 20 MiB/s cap: ~4-5 s for the guest) leaves time to act while it runs. */
const throttled = { migrate: { with: { bandwidthMiBps: 20 }, timeout: { startToClose: '10m', heartbeat: '5s' }, retry: { maximumAttempts: 3, initialInterval: '500ms' } } };

void describe('live migration on two real libvirt hosts', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };
  let address: string;
  const opts = (from: TestbedHost, to: TestbedHost, extra: Partial<StartMigrationOptions> = {}): StartMigrationOptions => ({
    vm: VM,
    from,
    to,
    namespace: temporal.namespace,
    queuePrefix: workers.queuePrefix,
    ...extra,
  });

  before(async () => {
    await testbedUp();
    temporal = await testTemporal();
    workers = await startWorkers(temporal);
    address = await bootGuest(VM);
  });
  after(async () => {
    await workers?.stop();
    await removeGuest(VM);
    await temporal?.close();
  });

  void it('migrates hostA → hostB → hostA with the default plan; the guest keeps its failover master and address', async () => {
    for (const [from, to] of [['hostA', 'hostB'], ['hostB', 'hostA']] as const) {
      const offset = (await readProbeLog(serialLogPath(VM))).nextOffset;
      workers.calls.length = 0;
      const measured = await measureMigration(temporal.client, opts(from, to), workers.calls);
      assert.equal(measured.report.outcome, 'migrated', measured.report.message);
      await assertSettledOn(VM, to, from);
      // The testbed's e1000e would silently migrate along: prove it was unplugged before the migration began.
      const detach = workers.calls.find((c) => c.host === from && c.op === 'detachInterface');
      const migrate = workers.calls.find((c) => c.host === from && c.op === 'migrate');
      assert.ok(detach && migrate && detach.end <= migrate.start, 'the primary was detached before migrate started');
      const left = measured.guest.failover;
      assert.ok(left, 'the guest saw its primary leave');
      assert.ok(measured.guest.vfReturn, 'and a primary come back');
      assert.ok(measured.report.downtimeMs !== null && measured.report.downtimeMs < 2000, `libvirt downtime ${measured.report.downtimeMs} ms`);
      await assertGuestTeamed(VM, address, offset);
    }
  });

  void it('a destination libvirtd that dies before migrate: rolled back, the VM keeps running on the source with its primary', async () => {
    assert.equal(await guestHost(VM), 'hostA');
    // Stopped as the source starts its unplug: after the destination's checks and booking, before migrate.
    stopLibvirtBefore(workers, 'hostA', 'detachInterface', 'hostB');
    try {
      const run = await startMigration(temporal.client, opts('hostA', 'hostB', { plan: planWith('sriov-live-migration', { migrate: { retry: { maximumAttempts: 2, initialInterval: '200ms' } } }) }));
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'rolled-back', report.message);
      assert.equal(report.failedStep?.id, 'migrate');
      assert.equal(report.failedStep?.error.type, 'ConnectionFailed');
    } finally {
      unshadow(workers, 'hostA', 'detachInterface');
      await startHost('hostB');
    }
    await assertSettledOn(VM, 'hostA', 'hostB');
  });

  void it('a migration aborted mid-way (domjobabort from outside): compensated, VM back to normal on the source', async () => {
    const offset = (await readProbeLog(serialLogPath(VM))).nextOffset;
    const run = await startMigration(temporal.client, opts('hostA', 'hostB', { plan: planWith('sriov-live-migration', throttled) }));
    await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0, 60_000);
    await execa('virsh', ['-c', hostUri('hostA'), 'domjobabort', VM], { env: { LC_ALL: 'C' } });
    const report = await migrationReport(run.handle);
    assert.equal(report.outcome, 'rolled-back', report.message);
    assert.equal(report.failedStep?.error.type, 'MigrationAborted');
    await assertSettledOn(VM, 'hostA', 'hostB');
    await assertGuestTeamed(VM, address, offset);
  });

  void it('cancel during migrate aborts the job, then compensates: the VM is back to normal on the source', async () => {
    const run = await startMigration(temporal.client, opts('hostA', 'hostB', { plan: planWith('sriov-live-migration', throttled) }));
    await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0, 60_000);
    await run.handle.cancel();
    const report = await migrationReport(run.handle);
    assert.equal(report.outcome, 'cancelled', report.message);
    assert.equal(await libvirt('hostA').migrationJob(VM), null, 'no migration job left');
    await assertSettledOn(VM, 'hostA', 'hostB');
  });

  void it('the VF attach failing on the destination after the pivot: retried forward, then DEGRADED with the VM on its standby', async () => {
    // The fault is real: hostB's libvirtd is stopped just before the attach, so virsh really cannot reach it.
    const offset = (await readProbeLog(serialLogPath(VM))).nextOffset;
    stopLibvirtBefore(workers, 'hostB', 'attachPrimary', 'hostB');
    const plan = planWith('sriov-live-migration', { 'attach-vf': { retry: { maximumAttempts: 3, initialInterval: '300ms', maximumInterval: '500ms' } } });
    const report = await migrationReport((await startMigration(temporal.client, opts('hostA', 'hostB', { plan }))).handle);
    try {
      assert.equal(report.outcome, 'degraded', report.message);
      assert.equal(report.failedStep?.id, 'attach-vf');
      assert.equal(report.failedStep?.error.type, 'ConnectionFailed');
      assert.match(report.message, /DEGRADED/);
    } finally {
      unshadow(workers, 'hostB', 'attachPrimary');
      await startHost('hostB');
    }
    assert.equal(await guestHost(VM), 'hostB');
    const pair = findTeamingPair(await libvirt('hostB').describeVm(VM), 'emulated');
    assert.equal(pair?.primary, null, 'no primary on the destination');
    assert.equal(pair?.standby.link, 'up', 'the standby stays up: it carries the traffic');
    const chunk = await readProbeLog(serialLogPath(VM), offset);
    assert.ok(chunk.reports.slice(-2).every((r) => r.recv > 0), 'the guest is still on the network, over its standby');
    // Put it back to normal for the next test: a migration back with the default plan.
    const back = await migrationReport((await startMigration(temporal.client, opts('hostB', 'hostA'))).handle);
    await assertGuestTeamed(VM, address, offset);
    assert.equal(back.outcome, 'migrated', back.message);
    await assertSettledOn(VM, 'hostA', 'hostB');
  });

  void it('the source worker killed during migrate and restarted: the run completes, one job, one attach', async () => {
    const offset = (await readProbeLog(serialLogPath(VM))).nextOffset;
    const run = await startMigration(temporal.client, opts('hostA', 'hostB', { plan: planWith('sriov-live-migration', { migrate: { ...throttled.migrate, timeout: { startToClose: '10m', heartbeat: '2s' } } }) }));
    workers.calls.length = 0;
    await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0, 60_000);
    await workers.stopHost('hostA');
    await new Promise((r) => setTimeout(r, 1500));
    await workers.startHost('hostA');
    const report = await followMigration(run.handle, () => undefined);
    assert.equal(report.outcome, 'migrated', report.message);
    const attaches = workers.calls.filter((c) => c.host === 'hostB' && c.op === 'attachPrimary');
    assert.equal(attaches.filter((c) => !c.failed).length, 1, `attached once: ${JSON.stringify(attaches)}; ${JSON.stringify(report.steps)}`);
    const primaries = (await libvirt('hostB').describeVm(VM)).interfaces.filter((i) => i.model === 'e1000e');
    assert.equal(primaries.length, 1, 'exactly one primary on the destination');
    await assertSettledOn(VM, 'hostB', 'hostA');
    // A VF hot-plugged a moment ago must settle in the guest before it can be unplugged again.
    await assertGuestTeamed(VM, address, offset);
    const back = await migrationReport((await startMigration(temporal.client, opts('hostB', 'hostA'))).handle);
    assert.equal(back.outcome, 'migrated', back.message);
  });
});
