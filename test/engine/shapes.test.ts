import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evacuationReport } from '../../src/client/evacuation-result.js';
import { migrationReport } from '../../src/client/migration-result.js';
import { reportLines } from '../../src/cli/progress-lines.js';
import { opTrail } from '../support/assertions.js';
import { ModelEnv, type ModelHostSpec } from '../support/model-env.js';
import { policyFile } from '../support/policies.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

const mutating = ['setLinkState', 'detachInterface', 'attachPrimary', 'migrate'];

/** Every VM shape on one host: the plan is chosen per VM, by a policy rule or by its shape (issue 10, section 2). */
void describe('a plan per VM shape (real Temporal, model hypervisors)', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  const withEnv = (hosts: ModelHostSpec[], body: (env: ModelEnv) => Promise<void>): Promise<void> => ModelEnv.using(temporal, hosts, { migrationMs: 200 }, body);

  const runOf = (env: ModelEnv, vm: string) => migrationReport(temporal.client.workflow.getHandle(`migrate/${vm}`));

  void it('a host carrying a plain, a teamed and a labelled VM drains completely, each VM with its own plan', () =>
    withEnv(
      [
        {
          name: 'hostA',
          vfs: 2,
          vms: [
            { name: 'plain-1', memoryMiB: 1024, vf: false },
            { name: 'teamed-1', memoryMiB: 2048 },
            { name: 'gold-1', memoryMiB: 3072, labels: { tier: 'gold' } },
          ],
        },
        // Two VFs for three VMs: the plain one must not need one.
        { name: 'hostB', vfs: 2 },
      ],
      async (env) => {
        const policy = await policyFile({ planRules: [{ match: { labels: { tier: 'gold' } }, plan: 'detach-first' }] });
        const report = await evacuationReport((await env.evacuate('hostA', { policyFile: policy })).handle);
        assert.equal(report.outcome, 'completed', report.message);
        assert.equal(env.fleet.state('hostA').vms.size, 0, 'hostA is empty');
        const chosen = Object.fromEntries(report.vms.map((v) => [v.vm, [v.state, v.plan, v.planChoice]]));
        assert.deepEqual(chosen, {
          'plain-1': ['migrated', 'plain-live-migration', 'no VF -> plain-live-migration'],
          'teamed-1': ['migrated', 'sriov-live-migration', '1 teamed pair -> sriov-live-migration'],
          'gold-1': ['migrated', 'detach-first', 'rule 1 (label tier=gold) -> detach-first'],
        });
        // What each child actually ran, from its own report.
        assert.equal((await runOf(env, 'plain-1')).plan.name, 'plain-live-migration');
        assert.equal((await runOf(env, 'teamed-1')).plan.name, 'sriov-live-migration');
        assert.equal((await runOf(env, 'gold-1')).plan.name, 'detach-first');
        const child = await temporal.client.workflow.getHandle('migrate/plain-1').describe();
        assert.equal(child.memo?.planChoice, 'no VF -> plain-live-migration');
        assert.equal(await child.staticDetails(), 'Plan chosen by the evacuation: no VF -> plain-live-migration');
        assert.deepEqual(opTrail(env, 'plain-1', mutating), ['hostA:migrate'], 'nothing unplugged or plugged for a VM without a VF');
        assert.deepEqual(env.fleet.vm('plain-1')?.interfaces.map((i) => i.type), ['bridge']);
        const ledgerB = env.services.get('hostB')!.vfs;
        assert.equal(await ledgerB.bookingOf('plain-1'), null, 'its memory booking was dropped once it arrived');
        assert.equal((await ledgerB.bookingOf('teamed-1'))?.booking.state, 'attached');
        assert.equal((await ledgerB.bookingOf('gold-1'))?.booking.state, 'attached');
        assert.equal((await ledgerB.status()).free, 0);
      },
    ));

  void it('an evacuation that continues as new keeps each VM\'s plan (resolved again by name in the new run)', () =>
    withEnv(
      [
        { name: 'hostA', vfs: 3, vms: [...['c-1', 'c-2', 'c-3'].map((name) => ({ name, vf: false })), { name: 'c-4' }, { name: 'c-5' }, { name: 'c-6', labels: { tier: 'gold' } }] },
        { name: 'hostB', vfs: 3 },
      ],
      async (env) => {
        const policy = await policyFile({ order: 'name', planRules: [{ match: { name: 'c-6' }, plan: 'detach-first' }] });
        const report = await evacuationReport((await env.evacuate('hostA', { policyFile: policy, historyLimit: 60 })).handle);
        assert.equal(report.outcome, 'completed', report.message);
        assert.ok(report.runs >= 2, `ran in ${report.runs} runs`);
        assert.deepEqual(
          report.vms.map((v) => [v.vm, v.state, v.plan]),
          [
            ['c-1', 'migrated', 'plain-live-migration'],
            ['c-2', 'migrated', 'plain-live-migration'],
            ['c-3', 'migrated', 'plain-live-migration'],
            ['c-4', 'migrated', 'sriov-live-migration'],
            ['c-5', 'migrated', 'sriov-live-migration'],
            ['c-6', 'migrated', 'detach-first'],
          ],
        );
        for (const vm of ['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6']) assert.equal(env.fleet.jobsStarted.get(vm), 1, `${vm} migrated once`);
        assert.equal((await runOf(env, 'c-6')).plan.name, 'detach-first');
      },
    ));

  void it('migrate without --plan: a plain VM runs plain-live-migration and says why; a teamed one sriov-live-migration', () =>
    withEnv([{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-plain', vf: false }, { name: 'vm-teamed' }] }, { name: 'hostB', vfs: 1 }], async (env) => {
      const run = await env.migrate('vm-plain', 'hostA', 'hostB', { plan: undefined });
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'migrated', report.message);
      assert.equal(report.plan.name, 'plain-live-migration');
      assert.equal(report.planChoice, 'no VF -> plain-live-migration');
      assert.deepEqual(report.steps.map((s) => [s.id, s.state]), [
        ['preflight-source', 'completed'],
        ['preflight-destination', 'completed'],
        ['reserve-memory', 'completed'],
        ['migrate', 'completed'],
        ['release-memory', 'completed'],
      ]);
      assert.equal(env.fleet.whereIs('vm-plain'), 'hostB');
      assert.deepEqual(opTrail(env, 'vm-plain', mutating), ['hostA:migrate']);
      assert.equal(await env.services.get('hostB')?.vfs.bookingOf('vm-plain'), null);
      assert.equal((await env.services.get('hostB')?.vfs.status())?.free, 1, "the destination's VF was never booked");
      assert.ok(reportLines(report).includes('plan: plain-live-migration v1 (no VF -> plain-live-migration)'), reportLines(report).join('\n'));
      const described = await run.handle.describe();
      assert.equal(await described.staticSummary(), "vm-plain: hostA → hostB, plan chosen by the VM's shape");
      const metadata = await run.handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.match(metadata.currentDetails ?? '', /plan plain-live-migration v1 \(no VF -> plain-live-migration\)/);

      const teamed = await migrationReport((await env.migrate('vm-teamed', 'hostA', 'hostB', { plan: undefined })).handle);
      assert.equal(teamed.outcome, 'migrated', teamed.message);
      assert.deepEqual([teamed.plan.name, teamed.planChoice], ['sriov-live-migration', '1 teamed pair -> sriov-live-migration']);
      assert.equal(env.fleet.vm('vm-teamed')?.interfaces.find((i) => i.type === 'hostdev')?.hostPciAddress, env.fleet.vfAddresses('hostB')[0]);
    }));

  void it('a plan that does not fit the VM is refused by preflight in one line, and nothing changes', () =>
    withEnv([{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-p', vf: false }, { name: 'vm-t' }] }, { name: 'hostB', vfs: 1 }], async (env) => {
      const sriov = await migrationReport((await env.migrate('vm-p', 'hostA', 'hostB', { plan: 'sriov-live-migration' })).handle);
      assert.equal(sriov.outcome, 'rolled-back');
      assert.equal(sriov.planChoice, undefined, 'named, not chosen');
      assert.equal(sriov.failedStep?.id, 'preflight-source');
      assert.equal(sriov.failedStep?.error.type, 'PreflightFailed');
      assert.equal(
        sriov.failedStep?.error.message,
        'vm-p on hostA has no VF and no teamed standby, so this plan has nothing to unplug: migrate it without --plan (the run picks plain-live-migration for it) or with --plan plain-live-migration; nothing was changed',
      );
      const plain = await migrationReport((await env.migrate('vm-t', 'hostA', 'hostB', { plan: 'plain-live-migration' })).handle);
      assert.equal(plain.outcome, 'rolled-back');
      assert.match(plain.failedStep?.error.message ?? '', /^vm-t on hostA holds 1 VF and 1 teamed standby; this plan is for VMs without a VF: .*; nothing was changed$/);
      for (const vm of ['vm-p', 'vm-t']) {
        assert.equal(env.fleet.whereIs(vm), 'hostA');
        assert.deepEqual(opTrail(env, vm, mutating), [], `${vm}: nothing changed`);
        assert.equal(await env.services.get('hostB')?.vfs.bookingOf(vm), null);
      }
    }));

  void it('a VM the source does not have: the shape is unknown, the default plan\'s preflight refuses it with a full report', () =>
    withEnv([{ name: 'hostA', vfs: 1 }, { name: 'hostB', vfs: 1 }], async (env) => {
      const report = await migrationReport((await env.migrate('vm-gone', 'hostA', 'hostB', { plan: undefined })).handle);
      assert.equal(report.outcome, 'rolled-back');
      assert.equal(report.planChoice, 'shape unknown (VM vm-gone is not defined on hostA) -> sriov-live-migration');
      assert.equal(report.failedStep?.error.type, 'VmNotFound');
      assert.deepEqual(env.fleet.log.filter((r) => mutating.includes(r.op)), []);
    }));
});
