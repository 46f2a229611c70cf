/**
 * A guest with TWO teamed pairs on the two real libvirt hosts (scripts/testbed.sh guest-start --shape
 * two-pairs): both emulated VFs unplugged before the migration, both plugged back on the destination, and
 * inside the guest both failover masters get their primary back. Needs root (scripts/testbed.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findPairs } from '../../src/domain/teaming.js';
import { VmNotFoundError } from '../../src/hypervisor/errors.js';
import { measureMigration } from '../../src/testbed/measured-migration.js';
import { readProbeLog, teamsAt } from '../../src/testbed/probe-log.js';
import { defaultGuestMac, guestHost, pairMac, removeGuest, serialLogPath, startGuest, testbedUp, waitForProbeReady, type TestbedHost } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { libvirt, startWorkers } from './support.js';

const VM = `e2e-2p-${process.pid}`;

/** On `host`, with both primaries attached (each teamed by MAC with its own standby), both standbys down; gone from `other`. */
async function assertBothPairsOn(host: TestbedHost, other: TestbedHost): Promise<void> {
  assert.equal(await guestHost(VM), host);
  await assert.rejects(libvirt(other).describeVm(VM), VmNotFoundError, `${VM} must no longer be defined on ${other}`);
  const pairs = findPairs(await libvirt(host).describeVm(VM), 'emulated');
  const mac = defaultGuestMac(VM);
  assert.deepEqual(
    pairs.map((p) => [p.standby.alias, p.standby.mac, p.standby.link, p.primary?.alias ?? null]),
    [
      ['ua-backup0', mac, 'down', 'ua-primary0'],
      ['ua-backup1', pairMac(mac, 1), 'down', 'ua-primary1'],
    ],
  );
}

/** Inside the guest: every failover master has its standby and a primary again (team lines after `fromOffset`). */
async function assertGuestTeamsBack(fromOffset: number, masters: string[]): Promise<void> {
  await waitFor(
    'both failover masters teamed again in the guest',
    async () => {
      const teams = teamsAt((await readProbeLog(serialLogPath(VM), fromOffset)).events);
      return masters.every((m) => teams.get(m)?.standby && teams.get(m)?.primary) ? true : undefined;
    },
    30_000,
  );
}

void describe('a guest with two teamed pairs on two real libvirt hosts', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };
  let masters: string[];

  before(async () => {
    await testbedUp();
    temporal = await testTemporal();
    workers = await startWorkers(temporal);
    await startGuest(VM, { host: 'hostA', shape: 'two-pairs' });
    await waitForProbeReady(VM, 120_000);
    const boot = (await readProbeLog(serialLogPath(VM))).events.find((e) => e.kind === 'boot');
    masters = boot?.kind === 'boot' ? (boot.fields.masters ?? '').split(',') : [];
    assert.equal(masters.length, 2, `the guest brought up two failover masters: ${JSON.stringify(boot)}`);
  });
  after(async () => {
    await workers?.stop();
    await removeGuest(VM);
    await temporal?.close();
  });

  void it('migrates hostA → hostB → hostA: both VFs unplugged before the migration, both back on the destination and in the guest', async () => {
    for (const [from, to] of [['hostA', 'hostB'], ['hostB', 'hostA']] as const) {
      const offset = (await readProbeLog(serialLogPath(VM))).nextOffset;
      workers.calls.length = 0;
      const measured = await measureMigration(temporal.client, { vm: VM, from, to, namespace: temporal.namespace, queuePrefix: workers.queuePrefix }, workers.calls);
      assert.equal(measured.report.outcome, 'migrated', measured.report.message);
      await assertBothPairsOn(to, from);
      // The e1000e stand-ins would silently migrate along: both unplugs must end before migrate starts.
      const detaches = workers.calls.filter((c) => c.host === from && c.op === 'detachInterface');
      const migrate = workers.calls.find((c) => c.host === from && c.op === 'migrate');
      assert.equal(detaches.length, 2, 'one unplug per pair');
      assert.ok(migrate && detaches.every((d) => d.end <= migrate.start), 'both primaries were detached before migrate started');
      assert.equal(workers.calls.filter((c) => c.host === to && c.op === 'attachPrimary').length, 2, 'one plug per pair');
      assert.deepEqual(
        measured.report.pairs?.map((p) => [p.standby, p.primary, p.vf.destination !== null, p.detachMs !== null, p.attachMs !== null]),
        [
          ['ua-backup0', 'ua-primary0', true, true, true],
          ['ua-backup1', 'ua-primary1', true, true, true],
        ],
      );
      assert.notEqual(measured.report.pairs?.[0]?.vf.destination, measured.report.pairs?.[1]?.vf.destination, 'a VF of its own for each pair');
      await assertGuestTeamsBack(offset, masters);
    }
  });
});
