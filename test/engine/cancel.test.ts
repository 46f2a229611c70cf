import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, CancelledFailure } from '@temporalio/client';
import { migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { MigrationPhase } from '../../src/temporal/search-attributes.js';
import { assertBackOnSource } from '../support/assertions.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

void describe('cancelling a migration', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('before the pivot: compensates and ends cancelled', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-c1' }] }, { name: 'hostB', vfs: 1 }], {
      latencyMs: { detachInterface: 1500 },
    }).start();
    try {
      const vf = env.fleet.vfAddresses('hostA')[0]!;
      const run = await env.migrate('vm-c1', 'hostA', 'hostB');
      await waitFor('detach-vf running', async () => (await queryProgress(run.handle)).phase === 'detach-vf');
      await run.handle.cancel();
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'cancelled');
      assert.equal(report.cancelRequested, true);
      assert.match(report.message, /^vm-c1 stays on hostA: migration cancelled before the VM moved; compensated: /);
      assert.deepEqual(report.steps.filter((s) => s.state === 'compensated').map((s) => s.id).sort(), ['detach-vf', 'reserve-vf', 'standby-up']);
      assert.equal(env.fleet.count({ op: 'migrate' }), 0);
      await assertBackOnSource(env, 'vm-c1', 'hostA', 'hostB', vf);
      const failure = await run.handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof CancelledFailure, String(failure));
      const description = await run.handle.describe();
      assert.equal(description.status.name, 'CANCELLED');
      assert.equal(description.typedSearchAttributes.get(MigrationPhase), 'Cancelled');
    } finally {
      await env.shutdown();
    }
  });

  void it('during migrate: aborts the migration job, then compensates; the VM never left the source', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-c2' }] }, { name: 'hostB', vfs: 1 }], {
      migrationMs: 6000,
      progressTicks: 60,
    }).start();
    try {
      const vf = env.fleet.vfAddresses('hostA')[0]!;
      const run = await env.migrate('vm-c2', 'hostA', 'hostB');
      await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0);
      const cancelledAt = Date.now();
      await run.handle.cancel();
      const report = await migrationReport(run.handle);
      assert.ok(Date.now() - cancelledAt < 4000, 'the abort landed well before the migration would have finished');
      assert.equal(report.outcome, 'cancelled');
      assert.equal(report.steps.find((s) => s.id === 'migrate')?.state, 'failed');
      assert.equal(report.steps.find((s) => s.id === 'migrate')?.error?.type, 'Cancelled');
      assert.equal(env.fleet.jobsStarted.get('vm-c2'), 1);
      await assertBackOnSource(env, 'vm-c2', 'hostA', 'hostB', vf);
      assert.equal(await env.fleet.hypervisor('hostA').migrationJob('vm-c2'), null, 'no migration job left running');
    } finally {
      await env.shutdown();
    }
  });

  void it('after the pivot: finishes forward and says a cancel arrived', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-c3' }] }, { name: 'hostB', vfs: 1 }], {
      latencyMs: { attachPrimary: 1500 },
    }).start();
    try {
      const run = await env.migrate('vm-c3', 'hostA', 'hostB');
      await waitFor('attach-vf running', async () => (await queryProgress(run.handle)).steps.find((s) => s.id === 'attach-vf')?.state === 'running');
      await run.handle.cancel();
      const report = await migrationReport(run.handle);
      assert.equal(report.outcome, 'migrated');
      assert.equal(report.cancelRequested, true);
      assert.match(report.message, /a cancel arrived after the VM had moved, so the run finished forward/);
      assert.ok(report.steps.every((s) => s.state === 'completed' || s.state === 'skipped'));
      assert.equal(env.fleet.whereIs('vm-c3'), 'hostB');
      assert.ok(env.fleet.vm('vm-c3')?.interfaces.some((i) => i.type === 'hostdev'));
      assert.equal((await run.handle.describe()).status.name, 'COMPLETED');
    } finally {
      await env.shutdown();
    }
  });
});
