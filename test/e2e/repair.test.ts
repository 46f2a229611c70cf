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
import { VmNotFoundError } from '../../src/hypervisor/errors.js';
import type { Hypervisor } from '../../src/hypervisor/hypervisor.js';
import { readProbeLog, topologyAt } from '../../src/testbed/probe-log.js';
import { guestHost, removeGuest, serialLogPath, startGuest, startHost, stopHost, testbedUp, waitForProbeReady, type TestbedHost } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { planWith } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { libvirt, startWorkers } from './support.js';

const VM = `e2e-repair-${process.pid}`;
const mutating = ['setLinkState', 'attachPrimary', 'detachInterface', 'migrate'];

/** The VM on `host` with its primary attached and its standby down, and nothing left of it on `other`. */
async function assertSettledOn(host: TestbedHost, other: TestbedHost): Promise<void> {
  assert.equal(await guestHost(VM), host);
  await assert.rejects(libvirt(other).describeVm(VM), VmNotFoundError, `${VM} must not be defined on ${other}`);
  const pair = findTeamingPair(await libvirt(host).describeVm(VM), 'emulated');
  assert.equal(pair?.primary?.alias, 'ua-primary0', 'the primary is attached');
  assert.equal(pair?.standby.link, 'down', 'the standby link is down');
}

/** The guest's failover master kept its address, has both slaves, and its probe is answered once the primary is up. */
async function assertGuestTeamed(address: string, fromOffset: number): Promise<void> {
  const settled = await waitFor(
    'the guest teamed again, its probe answered',
    async () => {
      const chunk = await readProbeLog(serialLogPath(VM), fromOffset);
      const now = topologyAt(chunk.topology);
      const later = now && chunk.reports.filter((r) => r.t > now.t + 500);
      return now?.primary?.operstate === 'up' && later?.some((r) => r.recv > 0) ? now : undefined;
    },
    20_000,
  );
  assert.equal(settled.addr, address, 'the failover master kept its address');
  assert.ok(settled.standby && settled.primary, `both slaves present: ${JSON.stringify(settled)}`);
}

/** Stops `stopped`'s libvirtd just before `host`'s worker first calls `op`: a real fault at that point. */
function stopLibvirtBefore(workers: TestbedWorkers, host: TestbedHost, op: 'attachPrimary', stopped: TestbedHost): void {
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

function unshadow(workers: TestbedWorkers, host: TestbedHost, op: keyof Hypervisor): void {
  delete (workers.hypervisorOf(host) as Partial<Hypervisor>)[op];
}

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
    await startGuest(VM, { host: 'hostA' });
    address = (await waitForProbeReady(VM, 120_000)).addr;
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
    await assertSettledOn('hostB', 'hostA');
    await assertGuestTeamed(address, offset);
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
    await assertSettledOn('hostA', 'hostB');
  });
});
