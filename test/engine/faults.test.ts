import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { migrationReport } from '../../src/client/migration-result.js';
import { DeviceStuckError, InvalidOperationError, MigrationFailedError } from '../../src/hypervisor/errors.js';
import type { ModelOp } from '../../src/hypervisor/model.js';
import { ModelHostNetwork } from '../../src/network/model-host-network.js';
import { MigrationPhase } from '../../src/temporal/search-attributes.js';
import { assertBackOnSource, opTrail } from '../support/assertions.js';
import { ModelEnv } from '../support/model-env.js';
import { planWith, quickForward } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

/** Compensations that must have run (newest first) when each step before the pivot fails. */
const cases: { step: string; inject: (env: ModelEnv, net: ModelHostNetwork) => void; undone: string[] }[] = [
  {
    step: 'reserve-vf',
    // The destination's memory is promised to another VM on its way: the booking itself is refused.
    inject: (env) => void env.services.get('hostB')?.vfs.reserve({ vm: 'other', owner: 'test', memoryMiB: 262_000, freeMemoryMiB: () => Promise.resolve(262_144) }),
    // The standby came up beside the booking: it goes down again.
    undone: ['standby-up', 'reserve-vf'],
  },
  { step: 'standby-up', inject: (env) => modelFault(env, 'hostA', 'setLinkState'), undone: ['standby-up', 'reserve-vf'] },
  { step: 'detach-vf', inject: (env) => env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', mode: 'hang' }), undone: ['detach-vf', 'standby-up', 'reserve-vf'] },
  // clear-vf-mac and add-fdb-entry run side by side: when one fails, both are undone.
  { step: 'clear-vf-mac', inject: (_, net) => net.failNext('setVfMac', { fatal: true }), undone: ['add-fdb-entry', 'clear-vf-mac', 'detach-vf', 'standby-up', 'reserve-vf'] },
  { step: 'add-fdb-entry', inject: (_, net) => net.failNext('addFdbEntry', { fatal: true }), undone: ['add-fdb-entry', 'clear-vf-mac', 'detach-vf', 'standby-up', 'reserve-vf'] },
  {
    step: 'migrate',
    inject: (env) => env.fleet.injectFault({ host: 'hostA', op: 'migrate', mode: 'fail', error: (h) => new MigrationFailedError('injected: unable to connect to the destination', h) }),
    undone: ['add-fdb-entry', 'clear-vf-mac', 'detach-vf', 'standby-up', 'reserve-vf'],
  },
];

function modelFault(env: ModelEnv, host: string, op: ModelOp): void {
  env.fleet.injectFault({ host, op, mode: 'fail', error: (h) => new InvalidOperationError(`injected ${op} failure`, h) });
}

void describe('failures before the pivot are compensated in reverse order', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  for (const c of cases) {
    void it(`a failure at ${c.step}`, async () => {
      const net = new ModelHostNetwork('hostA');
      const env = await new ModelEnv(temporal, [
        { name: 'hostA', vfs: 2, vms: [{ name: 'vm-f' }], network: net },
        { name: 'hostB', vfs: 2 },
      ]).start();
      try {
        const vf = env.fleet.vfAddresses('hostA')[0]!;
        c.inject(env, net);
        const plan = planWith('sriov-live-migration', { 'detach-vf': { with: { deadline: '300ms' } } });
        const run = await env.migrate('vm-f', 'hostA', 'hostB', { plan });
        const report = await migrationReport(run.handle);

        assert.equal(report.outcome, 'rolled-back');
        assert.equal(report.location, 'source');
        assert.equal(report.failedStep?.id, c.step);
        assert.match(report.message, new RegExp(`^vm-f stays on hostA: step "${c.step}"`));
        const compensated = report.steps.filter((s) => s.state === 'compensated').map((s) => s.id);
        assert.deepEqual(compensated.sort(), [...c.undone].sort());
        // Reverse order: what the hosts saw, newest compensation first.
        const compensations = report.steps.filter((s) => s.compensation).sort((a, b) => c.undone.indexOf(a.id) - c.undone.indexOf(b.id));
        assert.deepEqual(compensations.map((s) => s.id), c.undone);
        assert.ok(report.steps.filter((s) => !c.undone.includes(s.id) && s.id !== c.step && !s.id.startsWith('preflight')).every((s) => s.state === 'not-run'));
        await assertBackOnSource(env, 'vm-f', 'hostA', 'hostB', vf);
        if (c.undone.includes('clear-vf-mac')) assert.equal(net.vfMacs.get('hostA-pf0/0'), env.fleet.vm('vm-f')?.interfaces[0]?.mac, 'VF MAC restored');
        assert.equal(net.fdb.size, 0, 'no FDB entry left behind');

        const failure = await run.handle.result().catch((e: unknown) => e);
        assert.ok(failure instanceof WorkflowFailedError);
        assert.equal((failure.cause as { type?: string }).type, 'MigrationRolledBack');
        assert.equal((await run.handle.describe()).typedSearchAttributes.get(MigrationPhase), 'RolledBack');
      } finally {
        await env.shutdown();
      }
    });
  }

  void it('compensations run newest first on the hosts themselves (detach fails → VF back, then standby down, then booking freed)', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-o' }] }, { name: 'hostB', vfs: 1 }]).start();
    try {
      env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', mode: 'fail', error: (h) => new DeviceStuckError('injected: guest never released it', h) });
      const report = await migrationReport((await env.migrate('vm-o', 'hostA', 'hostB')).handle);
      assert.equal(report.outcome, 'rolled-back');
      assert.deepEqual(opTrail(env, 'vm-o', ['setLinkState', 'detachInterface', 'attachPrimary']), [
        'hostA:setLinkState(up)',
        'hostA:detachInterface',
        'hostA:attachPrimary',
        'hostA:setLinkState(down)',
      ]);
      assert.equal(report.failedStep?.error.type, 'DeviceStuck');
    } finally {
      await env.shutdown();
    }
  });
});

void describe('failures after the pivot go forward', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('retries a failed VF attach on the destination and succeeds', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-r' }] }, { name: 'hostB', vfs: 1 }]).start();
    try {
      env.fleet.injectFault({ host: 'hostB', op: 'attachPrimary', mode: 'fail', times: 2 });
      const plan = planWith('sriov-live-migration', { 'attach-vf': quickForward });
      const report = await migrationReport((await env.migrate('vm-r', 'hostA', 'hostB', { plan })).handle);
      assert.equal(report.outcome, 'migrated');
      assert.equal(env.fleet.count({ host: 'hostB', op: 'attachPrimary', vm: 'vm-r' }), 3);
      assert.ok(env.fleet.vm('vm-r')?.interfaces.some((i) => i.type === 'hostdev'));
    } finally {
      await env.shutdown();
    }
  });

  void it('ends DEGRADED, loudly, when the attach keeps failing: VM on the destination, on its standby', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-d' }] }, { name: 'hostB', vfs: 1 }]).start();
    try {
      env.fleet.injectFault({ host: 'hostB', op: 'attachPrimary', mode: 'fail', times: Infinity });
      const plan = planWith('sriov-live-migration', { 'attach-vf': quickForward });
      const run = await env.migrate('vm-d', 'hostA', 'hostB', { plan });
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'degraded');
      assert.equal(report.location, 'destination');
      assert.equal(report.failedStep?.id, 'attach-vf');
      assert.match(report.message, /^vm-d moved to hostB but is DEGRADED: step "attach-vf" \(attachVf\) failed after its retries/);
      assert.match(report.message, /running on its virtio standby/);
      assert.equal(env.fleet.count({ host: 'hostB', op: 'attachPrimary', vm: 'vm-d' }), 3);
      assert.equal(env.fleet.whereIs('vm-d'), 'hostB');
      const vm = env.fleet.vm('vm-d');
      assert.ok(!vm?.interfaces.some((i) => i.type === 'hostdev'));
      assert.equal(vm?.interfaces.find((i) => i.alias === 'ua-backup0')?.link, 'up', 'the standby stays up: it is the only link');
      assert.deepEqual(
        report.steps.filter((s) => s.state === 'not-run').map((s) => s.id),
        ['standby-down'],
      );
      assert.ok(!report.steps.some((s) => s.compensation), 'nothing is undone after the pivot');
      const failure = await run.handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError);
      assert.equal((failure.cause as { type?: string }).type, 'MigrationDegraded');
      assert.equal((await run.handle.describe()).typedSearchAttributes.get(MigrationPhase), 'Degraded');
    } finally {
      await env.shutdown();
    }
  });
});
