/**
 * Repair end to end on REAL hypervisors: a VM left DEGRADED by a VF attach that failed after the pivot
 * (hostB's libvirtd really stopped) gets its primary back from `repairVm`, and the guest is teamed again.
 * Needs root (scripts/testbed.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrationReport } from '../../src/client/migration-result.js';
import { VmBusyError } from '../../src/client/open-run.js';
import { repairReport, vmsToRepair } from '../../src/client/repair-result.js';
import { startMigration, type StartMigrationOptions } from '../../src/client/start-migration.js';
import { startRepair, type StartRepairOptions } from '../../src/client/start-repair.js';
import { findTeamingPair } from '../../src/domain/teaming.js';
import { readProbeLog } from '../../src/testbed/probe-log.js';
import { removeGuest, serialLogPath, startHost, testbedUp, type TestbedHost } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { planWith } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { assertGuestTeamed, assertSettledOn, bootGuest, libvirt, startWorkers, stopLibvirtBefore, unshadow } from './support.js';

const VM = `e2e-repair-${process.pid}`;
const mutating = ['setLinkState', 'attachPrimary', 'detachInterface', 'migrate'];

void describe('repair on two real libvirt hosts', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };
  let address: string;
  const migrateOpts = (from: TestbedHost, to: TestbedHost, extra: Partial<StartMigrationOptions> = {}): StartMigrationOptions => ({
    vm: VM,
    from,
    to,
    namespace: temporal.namespace,
    queuePrefix: workers.queuePrefix,
    ...extra,
  });
  const repairOpts = (extra: Partial<StartRepairOptions> = {}): StartRepairOptions => ({ vm: VM, namespace: temporal.namespace, queuePrefix: workers.queuePrefix, ...extra });

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

  void it('a healthy VM: the repair finds nothing to do and changes nothing', async () => {
    workers.calls.length = 0;
    const before = await libvirt('hostA').describeVm(VM);
    const report = await repairReport((await startRepair(temporal.client, repairOpts({ host: 'hostA' }))).handle);
    assert.equal(report.outcome, 'healthy', report.message);
    assert.deepEqual(workers.calls.filter((c) => mutating.includes(c.op)), [], 'no device, link or migration call');
    assert.deepEqual(await libvirt('hostA').describeVm(VM), before);
  });

  void it('a VM left DEGRADED by an attach that failed after the pivot is repaired where it runs; the guest is teamed again', async () => {
    const offset = (await readProbeLog(serialLogPath(VM))).nextOffset;
    stopLibvirtBefore(workers, 'hostB', 'attachPrimary', 'hostB');
    const plan = planWith('sriov-live-migration', { 'attach-vf': { retry: { maximumAttempts: 3, initialInterval: '300ms', maximumInterval: '500ms' } } });
    const degraded = await migrationReport((await startMigration(temporal.client, migrateOpts('hostA', 'hostB', { plan }))).handle);
    try {
      assert.equal(degraded.outcome, 'degraded', degraded.message);
    } finally {
      unshadow(workers, 'hostB', 'attachPrimary');
      await startHost('hostB');
    }
    const pair = findTeamingPair(await libvirt('hostB').describeVm(VM), 'emulated');
    assert.equal(pair?.primary, null, 'left on its standby');

    const found = await waitFor('hostB reports it', async () => {
      const scan = await vmsToRepair(temporal.client, { host: 'hostB', namespace: temporal.namespace, queuePrefix: workers.queuePrefix });
      return scan.candidates.length ? scan.candidates : undefined;
    });
    assert.deepEqual(found.map((c) => c.vm), [VM]);

    const run = await startRepair(temporal.client, repairOpts());
    assert.deepEqual([run.host, run.formerHost], ['hostB', 'hostA'], "the last migration's report says where it is");
    const report = await repairReport(run.handle);
    assert.equal(report.outcome, 'repaired', report.message);
    await assertSettledOn(VM, 'hostB', 'hostA');
    await assertGuestTeamed(VM, address, offset);
    assert.equal((await vmsToRepair(temporal.client, { host: 'hostB', namespace: temporal.namespace, queuePrefix: workers.queuePrefix })).candidates.length, 0);

    const again = await repairReport((await startRepair(temporal.client, repairOpts())).handle);
    assert.equal(again.outcome, 'healthy', 'a second repair finds nothing to do');
  });

  void it('a repair is refused while a migration of the VM runs; the migration is not disturbed', async () => {
    const throttled = planWith('sriov-live-migration', { migrate: { with: { bandwidthMiBps: 20 }, timeout: { startToClose: '10m', heartbeat: '5s' } } });
    const migration = await startMigration(temporal.client, migrateOpts('hostB', 'hostA', { plan: throttled }));
    const refused = await startRepair(temporal.client, repairOpts({ host: 'hostB' })).catch((e: unknown) => e);
    assert.ok(refused instanceof VmBusyError, String(refused));
    const report = await migrationReport(migration.handle);
    assert.equal(report.outcome, 'migrated', report.message);
    await assertSettledOn(VM, 'hostA', 'hostB');
  });
});
