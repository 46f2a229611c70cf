import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { migrationReport } from '../../src/client/migration-result.js';
import { DeviceStuckError, HypervisorFailureError } from '../../src/hypervisor/errors.js';
import { modelPairMac } from '../../src/hypervisor/model.js';
import { ModelHostNetwork } from '../../src/network/model-host-network.js';
import { opTrail } from '../support/assertions.js';
import { ModelEnv } from '../support/model-env.js';
import { planWith, quickForward } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

const mutating = ['setLinkState', 'detachInterface', 'attachPrimary', 'migrate'];

/** The primaries a model VM holds now: alias → host PCI address, and each standby's link. */
function devices(env: ModelEnv, vm: string): { primaries: Record<string, string | null>; standbys: Record<string, string> } {
  const nics = env.fleet.vm(vm)?.interfaces ?? [];
  return {
    primaries: Object.fromEntries(nics.filter((i) => i.type === 'hostdev').map((i) => [i.alias ?? '', i.hostPciAddress])),
    standbys: Object.fromEntries(nics.filter((i) => i.teaming?.type === 'persistent').map((i) => [i.alias ?? '', i.link])),
  };
}

void describe('a VM with two teamed pairs (model hypervisors, real Temporal)', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('migrates with both VFs unplugged before the pivot, both plugged on the destination, both source VFs released', async () => {
    const netA = new ModelHostNetwork('hostA');
    const env = await new ModelEnv(temporal, [
      { name: 'hostA', vfs: 3, vms: [{ name: 'vm-2p', pairs: 2 }], network: netA },
      { name: 'hostB', vfs: 3 },
    ]).start();
    try {
      const [srcVf0, srcVf1] = env.fleet.vfAddresses('hostA');
      const [dstVf0, dstVf1] = env.fleet.vfAddresses('hostB');
      const mac0 = env.fleet.vm('vm-2p')!.interfaces[0]!.mac!;
      const run = await env.migrate('vm-2p', 'hostA', 'hostB');
      const report = await migrationReport(run.handle);

      assert.equal(report.outcome, 'migrated', report.message);
      assert.equal(env.fleet.whereIs('vm-2p'), 'hostB');
      assert.deepEqual(devices(env, 'vm-2p'), {
        primaries: { 'ua-primary0': dstVf0, 'ua-primary1': dstVf1 },
        standbys: { 'ua-backup0': 'down', 'ua-backup1': 'down' },
      });
      // Every unplug before the migration, every plug after it; both standbys up first and down last.
      assert.deepEqual(opTrail(env, 'vm-2p', mutating), [
        'hostA:setLinkState(up)',
        'hostA:setLinkState(up)',
        'hostA:detachInterface',
        'hostA:detachInterface',
        'hostA:migrate',
        'hostB:attachPrimary',
        'hostB:attachPrimary',
        'hostB:setLinkState(down)',
        'hostB:setLinkState(down)',
      ]);
      assert.deepEqual(env.fleet.gaps('vm-2p'), [], 'each pair had a link throughout');
      assert.equal(await env.services.get('hostA')?.vfs.bookingOf('vm-2p'), null, 'both source VFs released');
      const dstStatus = await env.services.get('hostB')!.vfs.status();
      assert.equal(dstStatus.free, 1, 'two of the three destination VFs held');
      assert.equal(dstStatus.incoming, 0, 'nothing left on its way in');

      assert.deepEqual(
        report.pairs?.map((p) => ({ ...p, detachMs: typeof p.detachMs, attachMs: typeof p.attachMs })),
        [
          { standby: 'ua-backup0', primary: 'ua-primary0', mac: mac0, form: 'interface', vf: { source: srcVf0, destination: dstVf0 }, detachMs: 'number', attachMs: 'number' },
          { standby: 'ua-backup1', primary: 'ua-primary1', mac: modelPairMac(mac0, 1), form: 'interface', vf: { source: srcVf1, destination: dstVf1 }, detachMs: 'number', attachMs: 'number' },
        ],
      );
      // Each pair's VF MAC cleared on the source PF, each pair's MAC given an FDB entry and taken away.
      assert.deepEqual(netA.log.filter((l) => l.startsWith('setVfMac')).sort(), ['setVfMac hostA-pf0 vf 0 mac 00:00:00:00:00:00', 'setVfMac hostA-pf0 vf 1 mac 00:00:00:00:00:00']);
      assert.deepEqual(netA.log.filter((l) => l.startsWith('addFdbEntry')), [`addFdbEntry ${mac0}`, `addFdbEntry ${modelPairMac(mac0, 1)}`]);
      assert.equal(netA.fdb.size, 0);
    } finally {
      await env.shutdown();
    }
  });

  void it('VFs teamed as plain <hostdev>s come back as <hostdev>s, each given its pair\'s MAC through the PF first', async () => {
    const netB = new ModelHostNetwork('hostB');
    const env = await new ModelEnv(temporal, [
      { name: 'hostA', vfs: 2, vms: [{ name: 'vm-2h', pairs: 2, form: 'hostdev' }] },
      { name: 'hostB', vfs: 2, network: netB },
    ]).start();
    try {
      const mac0 = env.fleet.vm('vm-2h')!.interfaces[0]!.mac!;
      const run = await env.migrate('vm-2h', 'hostA', 'hostB');
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'migrated', report.message);
      const primaries = env.fleet.vm('vm-2h')!.interfaces.filter((i) => i.type === 'hostdev');
      assert.deepEqual(primaries.map((p) => [p.alias, p.form, p.mac, p.hostPciAddress]), [
        ['ua-primary0', 'hostdev', null, env.fleet.vfAddresses('hostB')[0]],
        ['ua-primary1', 'hostdev', null, env.fleet.vfAddresses('hostB')[1]],
      ]);
      assert.deepEqual(report.pairs?.map((p) => p.form), ['hostdev', 'hostdev']);
      // A <hostdev> carries no MAC: the destination's PF gave each VF its pair's MAC before the plug.
      assert.deepEqual(netB.log, [`setVfMac hostB-pf0 vf 0 mac ${mac0}`, `setVfMac hostB-pf0 vf 1 mac ${modelPairMac(mac0, 1)}`]);
    } finally {
      await env.shutdown();
    }
  });

  void it("a fault on the second pair's attach after the pivot ends DEGRADED, naming that pair; the first pair is in place", async () => {
    const env = await new ModelEnv(temporal, [
      { name: 'hostA', vfs: 2, vms: [{ name: 'vm-2d', pairs: 2 }] },
      { name: 'hostB', vfs: 2 },
    ]).start();
    try {
      env.fleet.injectFault({ host: 'hostB', op: 'attachPrimary', alias: 'ua-primary1', mode: 'fail', times: Infinity, error: (h) => new HypervisorFailureError('injected: QEMU refused the device', h) });
      const plan = planWith('sriov-live-migration', { 'attach-vf': quickForward });
      const run = await env.migrate('vm-2d', 'hostA', 'hostB', { plan });
      const report = await migrationReport(run.handle);

      assert.equal(report.outcome, 'degraded');
      assert.equal(report.location, 'destination');
      assert.equal(report.failedStep?.id, 'attach-vf');
      assert.equal(report.failedStep?.error.type, 'HypervisorFailure');
      assert.match(report.message, /^vm-2d moved to hostB but is DEGRADED: step "attach-vf" \(attachVf\) failed after its retries: pair 2 of 2 \(standby ua-backup1, primary ua-primary1\): injected: QEMU refused the device/);
      const [dstVf0] = env.fleet.vfAddresses('hostB');
      assert.deepEqual(devices(env, 'vm-2d'), {
        primaries: { 'ua-primary0': dstVf0 },
        standbys: { 'ua-backup0': 'up', 'ua-backup1': 'up' },
      }, 'pair 1 on its VF; every standby stays up: pair 2 has no other link');
      // Retries find pair 1 in place (idempotent) and try pair 2 again.
      assert.equal(env.fleet.count({ host: 'hostB', op: 'attachPrimary', vm: 'vm-2d' }), 3 + 3);
      assert.deepEqual(report.steps.filter((s) => s.state === 'not-run').map((s) => s.id), ['standby-down']);
      assert.equal(report.pairs?.[1]?.attachMs, null, 'pair 2 never attached');
      const failure = await run.handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError);
      assert.equal((failure.cause as { type?: string }).type, 'MigrationDegraded');
    } finally {
      await env.shutdown();
    }
  });

  void it('a fault on the second unplug before the pivot rolls back with both pairs restored on the source', async () => {
    const env = await new ModelEnv(temporal, [
      { name: 'hostA', vfs: 2, vms: [{ name: 'vm-2r', pairs: 2 }] },
      { name: 'hostB', vfs: 2 },
    ]).start();
    try {
      const [srcVf0, srcVf1] = env.fleet.vfAddresses('hostA');
      // Pair 1 is unplugged; pair 2's guest never releases its VF.
      env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', alias: 'ua-primary1', mode: 'fail', error: (h) => new DeviceStuckError('injected: the guest did not release the device', h) });
      const plan = planWith('sriov-live-migration', { 'detach-vf': { with: { deadline: '300ms' } } });
      const run = await env.migrate('vm-2r', 'hostA', 'hostB', { plan });
      const report = await migrationReport(run.handle);

      assert.equal(report.outcome, 'rolled-back');
      assert.equal(report.failedStep?.id, 'detach-vf');
      assert.match(report.failedStep?.error.message ?? '', /^pair 2 of 2 \(standby ua-backup1, primary ua-primary1\): injected/);
      assert.equal(env.fleet.whereIs('vm-2r'), 'hostA');
      assert.deepEqual(devices(env, 'vm-2r'), {
        primaries: { 'ua-primary0': srcVf0, 'ua-primary1': srcVf1 },
        standbys: { 'ua-backup0': 'down', 'ua-backup1': 'down' },
      });
      assert.deepEqual(
        report.steps.filter((s) => s.state === 'compensated').map((s) => s.id).sort(),
        ['detach-vf', 'reserve-vf', 'standby-up'],
      );
      // Pair 1 is plugged back (pair 2 never left) before the standbys go down.
      assert.deepEqual(opTrail(env, 'vm-2r', mutating).slice(4), ['hostA:attachPrimary', 'hostA:attachPrimary', 'hostA:setLinkState(down)', 'hostA:setLinkState(down)']);
      assert.equal(env.fleet.count({ host: 'hostA', op: 'migrate', vm: 'vm-2r' }), 0);
      assert.equal(await env.services.get('hostB')?.vfs.bookingOf('vm-2r'), null, 'both destination bookings released');
      const src = await env.services.get('hostA')!.vfs.status();
      assert.equal(src.free, 0, 'both source VFs still booked to the VM');
    } finally {
      await env.shutdown();
    }
  });
});
