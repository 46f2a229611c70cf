import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { MigrationAlreadyRunningError } from '../../src/client/start-migration.js';
import { ModelEnv } from '../support/model-env.js';
import { planWith } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

void describe('one migration per VM, and runs that survive their workers', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('refuses a second migration of the same VM, naming the running one', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 2, vms: [{ name: 'vm-dup' }] }, { name: 'hostB', vfs: 2 }, { name: 'hostC', vfs: 2 }], {
      migrationMs: 1500,
    }).start();
    try {
      const first = await env.migrate('vm-dup', 'hostA', 'hostB');
      const second = await env.migrate('vm-dup', 'hostA', 'hostC').catch((e: unknown) => e);
      assert.ok(second instanceof MigrationAlreadyRunningError, String(second));
      assert.match(second.message, /^vm-dup is already being migrated \(hostA → hostB, phase [a-zA-Z-]+\) by run migrate\/vm-dup /);
      assert.ok(second.message.includes(first.runId), 'names the running run');
      assert.equal((await migrationReport(first.handle)).outcome, 'migrated');
      assert.equal(env.fleet.whereIs('vm-dup'), 'hostB');
      assert.equal(env.fleet.count({ host: 'hostC' }), 0, 'the refused run touched nothing');
      // Once the first has ended, the VM can be migrated again under the same workflow id.
      const back = await env.migrate('vm-dup', 'hostB', 'hostA');
      assert.equal((await migrationReport(back.handle)).outcome, 'migrated');
      assert.equal(env.fleet.whereIs('vm-dup'), 'hostA');
    } finally {
      await env.shutdown();
    }
  });

  void it('completes when the source worker dies during migrate and comes back: no second job, no double attach', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-k' }] }, { name: 'hostB', vfs: 1 }], {
      migrationMs: 5000,
      progressTicks: 50,
    }).start();
    try {
      const plan = planWith('sriov-live-migration', { migrate: { timeout: { startToClose: '30m', heartbeat: '1s' }, retry: { maximumAttempts: 3, initialInterval: '200ms' } } });
      const run = await env.migrate('vm-k', 'hostA', 'hostB', { plan });
      await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0);
      await env.stopHost('hostA');
      assert.ok(await env.fleet.hypervisor('hostB').listVms().then((vms) => !vms.some((v) => v.name === 'vm-k')), 'still migrating while the worker is gone');
      await new Promise((r) => setTimeout(r, 1500));
      await env.startHost('hostA');
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'migrated', report.message);
      assert.equal(env.fleet.jobsStarted.get('vm-k'), 1, 'the retry followed the running job instead of starting another');
      assert.ok(env.fleet.count({ host: 'hostA', op: 'migrate', vm: 'vm-k' }) >= 2, 'the migrate activity ran again after the restart');
      assert.equal(env.fleet.count({ host: 'hostB', op: 'attachPrimary', vm: 'vm-k' }), 1, 'attached exactly once');
      assert.equal(env.fleet.vm('vm-k')?.interfaces.filter((i) => i.type === 'hostdev').length, 1);
    } finally {
      await env.shutdown();
    }
  });

  void it('a migrate retry after the VM already arrived succeeds without acting', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-i' }] }, { name: 'hostB', vfs: 1 }], { migrationMs: 3000, progressTicks: 30 }).start();
    try {
      const plan = planWith('sriov-live-migration', { migrate: { timeout: { startToClose: '30m', heartbeat: '1s' }, retry: { maximumAttempts: 3, initialInterval: '200ms' } } });
      const run = await env.migrate('vm-i', 'hostA', 'hostB', { plan });
      await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0);
      await env.stopHost('hostA');
      await waitFor('the VM on hostB', () => env.fleet.whereIs('vm-i') === 'hostB');
      await env.startHost('hostA');
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'migrated');
      assert.equal(env.fleet.jobsStarted.get('vm-i'), 1);
      assert.equal(env.fleet.count({ host: 'hostB', op: 'attachPrimary', vm: 'vm-i' }), 1);
    } finally {
      await env.shutdown();
    }
  });
});
