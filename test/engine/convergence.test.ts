import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { migrationReport } from '../../src/client/migration-result.js';
import { MigrationPhase } from '../../src/temporal/search-attributes.js';
import type { MigrationReport } from '../../src/workflows/migration-types.js';
import { assertBackOnSource } from '../support/assertions.js';
import { ModelEnv } from '../support/model-env.js';
import { convergencePlan } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

/**
 * Guests that do not converge, on the model: a 512 MiB guest over a 512 MiB/s link, so the first pass
 * takes a second. A guest that dirties all of its memory faster than the link copies it needs a 1 s pause
 * to finish; one that dirties a 64 MiB working set needs 125 ms.
 */
const VM = 'vm-busy';
const never = { MiBps: 2048, workingSetMiB: 512 };
const smallWorkingSet = { MiBps: 2048, workingSetMiB: 64 };
/** The budget runs out after 3 s (6 s per GiB); raises come every 0.5 s. */
const tight = { maxDowntime: '200ms', downtimeSteps: 2, downtimeDelayPerGiB: '1s', completionBudgetPerGiB: '6s', progressTimeout: '1m' };

void describe('guests that do not converge', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  async function migrateBusy(dirty: typeof never, migrateWith: Record<string, unknown>, opts: { acknowledge?: boolean; postcopyBreaks?: boolean } = {}) {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 2, vms: [{ name: VM, memoryMiB: 512 }] }, { name: 'hostB', vfs: 2 }], { linkMiBps: 512 }).start();
    env.fleet.setDirty(VM, dirty, { postcopyBreaks: opts.postcopyBreaks ?? false });
    const vf = env.fleet.vfAddresses('hostA')[0]!;
    const run = await env.migrate(VM, 'hostA', 'hostB', { plan: convergencePlan(migrateWith, opts.acknowledge ?? false) });
    const report = await migrationReport(run.handle);
    return { env, run, report, vf };
  }

  function actions(report: MigrationReport): string[] {
    return report.migration?.actions ?? [];
  }

  void it('abort: the budget runs out, the job is aborted and the saga rolls back (VM on the source, VF back)', async () => {
    const { env, run, report, vf } = await migrateBusy(never, tight);
    try {
      assert.equal(report.outcome, 'rolled-back', report.message);
      assert.equal(report.failedStep?.id, 'migrate');
      assert.equal(report.failedStep?.error.type, 'MigrationDidNotConverge');
      assert.match(report.failedStep?.error.message ?? '', /^vm-busy did not converge: not complete after 3\.\d s \(budget 3\.0 s for 0\.50 GiB\); the migration was aborted and the VM keeps running on hostA/);
      assert.deepEqual(actions(report).map((a) => a.replace(/^[\d.]+ s: /, '').replace(/: not complete.*/, '')), ['max downtime 150 ms', 'max downtime 200 ms', 'aborted']);
      assert.equal(report.migration?.mode, 'aborting');
      await assertBackOnSource(env, VM, 'hostA', 'hostB', vf);
      assert.equal(env.fleet.jobsStarted.get(VM), 1, 'one job, not retried');
      const failure = await run.handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError);
      assert.equal((failure.cause as { type?: string }).type, 'MigrationRolledBack');
    } finally {
      await env.shutdown();
    }
  });

  void it('escalation: the pause allowed is raised until the working set fits, and the VM moves', async () => {
    // 64 MiB at 512 MiB/s needs 125 ms: the start (50 ms) and the first raise (92 ms) are not enough.
    const { env, report } = await migrateBusy(smallWorkingSet, { ...tight, maxDowntime: '300ms', downtimeSteps: 6, completionBudgetPerGiB: '30s' });
    try {
      assert.equal(report.outcome, 'migrated', report.message);
      assert.equal(env.fleet.whereIs(VM), 'hostB');
      const raises = actions(report).map((a) => Number(/max downtime (\d+) ms/.exec(a)?.[1]));
      assert.ok(raises.length >= 2 && raises.every((ms) => ms > 0), actions(report).join('; '));
      assert.ok(raises.at(-1)! >= 125, `the last raise (${raises.at(-1)} ms) is what let it converge`);
      assert.ok((report.downtimeMs ?? 0) >= 100 && (report.downtimeMs ?? 0) <= raises.at(-1)!, `downtime ${report.downtimeMs} ms`);
      assert.ok((report.migration?.iteration ?? 0) >= 2, 'the pass is reported');
      assert.ok((report.migration?.dirtyRateBytesPerSecond ?? 0) > 0, 'the dirty rate is reported');
      assert.equal(report.steps.find((s) => s.id === 'attach-vf')?.state, 'completed');
    } finally {
      await env.shutdown();
    }
  });

  void it('postcopy: the budget runs out, the job switches to post-copy and completes', async () => {
    const { env, report } = await migrateBusy(never, { ...tight, onBudgetExhausted: 'postcopy' }, { acknowledge: true });
    try {
      assert.equal(report.outcome, 'migrated', report.message);
      assert.equal(env.fleet.whereIs(VM), 'hostB');
      assert.match(actions(report).at(-1) ?? '', /^3\.\d s: switched to post-copy: not complete after 3\.\d s/);
      assert.equal(report.migration?.mode, 'postcopy');
      assert.equal(env.fleet.count({ host: 'hostA', op: 'startPostcopy', vm: VM }), 1, 'switched once');
      assert.ok(env.fleet.vm(VM)?.interfaces.some((i) => i.type === 'hostdev'), 'the VF is attached on hostB');
    } finally {
      await env.shutdown();
    }
  });

  void it('postcopy failing after the switch: NeedsAttention with libvirt\'s state, nothing undone', async () => {
    const { env, run, report } = await migrateBusy(never, { ...tight, onBudgetExhausted: 'postcopy' }, { acknowledge: true, postcopyBreaks: true });
    try {
      assert.equal(report.outcome, 'postcopy-failed', report.message);
      assert.equal(report.phase, 'NeedsAttention');
      assert.equal(report.failedStep?.error.type, 'PostcopyFailed');
      assert.match(report.message, /^vm-busy NEEDS ATTENTION: post-copy migration of vm-busy from hostA to hostB failed after the switch .*libvirt says: hostA: shut off \(migrated\); hostB: paused \(post-copy failed\)\..*Nothing was undone/);
      assert.deepEqual(report.steps.filter((s) => s.compensation).map((s) => s.id), [], 'no compensation ran');
      assert.ok(report.steps.filter((s) => ['attach-vf', 'standby-down'].includes(s.id)).every((s) => s.state === 'not-run'));
      assert.equal(env.fleet.count({ host: 'hostA', op: 'migrate', vm: VM }), 1, 'PostcopyFailed is not retried');
      assert.equal((await env.services.get('hostB')?.vfs.bookingOf(VM))?.booking.state, 'reserved', 'the destination VF stays booked for whoever recovers it');
      const failure = await run.handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError);
      assert.equal((failure.cause as { type?: string }).type, 'PostcopyFailed');
      assert.equal((await run.handle.describe()).typedSearchAttributes.get(MigrationPhase), 'NeedsAttention');
    } finally {
      await env.shutdown();
    }
  });
});
