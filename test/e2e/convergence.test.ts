/**
 * Guests that do not converge, on two real libvirt hosts: a guest dirtying 64 MiB/s of a 96 MiB buffer
 * (`guest-start --dirty 64`), migrated with the job's bandwidth capped below that, cannot converge on
 * its own. Needs root (scripts/testbed.sh); run by the lead: VFMIGRATE_TEST_FILES=convergence node lib/test/run.js e2e
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { migrationReport } from '../../src/client/migration-result.js';
import { startMigration, type StartMigrationOptions } from '../../src/client/start-migration.js';
import { readProbeLog, topologyAt } from '../../src/testbed/probe-log.js';
import { guestHost, removeGuest, serialLogPath, startGuest, testbedUp, waitForProbeReady, type TestbedHost } from '../../src/testbed/testbed.js';
import type { TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import type { MigrationReport } from '../../src/workflows/migration-types.js';
import { convergencePlan } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { assertSettledOn, startWorkers } from './support.js';

const VM = `conv-${process.pid}`;
const DIRTY_MIBPS = 64;
/** Below the dirty rate: every pass finds the whole 96 MiB buffer dirty again (6 s of copying at 16 MiB/s). */
const capped = { bandwidthMiBps: 16 };
/** A 256 MiB guest: 0.25 GiB, so per-GiB figures are four times what a run waits. */
const abortSoon = { ...capped, maxDowntime: '500ms', downtimeSteps: 5, downtimeDelayPerGiB: '8s', completionBudgetPerGiB: '80s', progressTimeout: '2m' };

/** The guest is online: teamed with its primary up, and its probe answered after `fromOffset`. */
async function assertGuestOnline(fromOffset: number): Promise<void> {
  await waitFor(
    'the guest teamed and answering',
    async () => {
      const chunk = await readProbeLog(serialLogPath(VM), fromOffset);
      const now = topologyAt(chunk.topology);
      return now?.primary?.operstate === 'up' && chunk.reports.some((r) => r.t > now.t + 500 && r.recv > 0) ? true : undefined;
    },
    30_000,
  );
}

function actions(report: MigrationReport): string {
  return (report.migration?.actions ?? []).join('; ');
}

void describe('guests that do not converge, on the testbed', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };
  const opts = (from: TestbedHost, to: TestbedHost, extra: Partial<StartMigrationOptions>): StartMigrationOptions => ({
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
    await startGuest(VM, { host: 'hostA', dirtyMiBps: DIRTY_MIBPS });
    await waitForProbeReady(VM, 120_000);
    const dirtying = (await readProbeLog(serialLogPath(VM))).events.filter((e) => e.kind === 'dirty-report');
    console.log(`guest dirtying: ${dirtying.map((e) => ('fields' in e ? e.fields.achieved_mibps : '?')).join(', ')} MiB/s`);
  });
  after(async () => {
    await workers?.stop();
    await removeGuest(VM);
    await temporal?.close();
  });

  void it('abort: out of budget, the job is aborted and rolled back; the guest stays online on hostA with its VF', async () => {
    const offset = (await readProbeLog(serialLogPath(VM))).nextOffset;
    const run = await startMigration(temporal.client, opts('hostA', 'hostB', { plan: convergencePlan(abortSoon) }));
    const report = await migrationReport(run.handle);
    console.log(`abort: ${report.message} | actions: ${actions(report)}`);
    assert.equal(report.outcome, 'rolled-back', report.message);
    assert.equal(report.failedStep?.error.type, 'MigrationDidNotConverge', report.failedStep?.error.message);
    assert.match(actions(report), /max downtime \d+ ms.*aborted: not complete after/);
    await assertSettledOn(VM, 'hostA', 'hostB');
    await assertGuestOnline(offset);
  });

  void it('escalation + auto-converge: QEMU throttles the guest, the pause allowed rises, and it completes', async () => {
    const run = await startMigration(
      temporal.client,
      opts('hostA', 'hostB', { plan: convergencePlan({ bandwidthMiBps: 32, autoConverge: true, maxDowntime: '1s', downtimeSteps: 5, downtimeDelayPerGiB: '8s', completionBudgetPerGiB: '800s' }) }),
    );
    const report = await migrationReport(run.handle);
    console.log(`escalation: ${report.message} | downtime ${report.downtimeMs} ms | pass ${report.migration?.iteration} | actions: ${actions(report)}`);
    assert.equal(report.outcome, 'migrated', report.message);
    await assertSettledOn(VM, 'hostB', 'hostA');
  });

  void it('postcopy: out of budget, the job switches to post-copy and completes (if QEMU can use userfaultfd)', async (t) => {
    // Post-copy needs userfaultfd in the destination QEMU: /dev/userfaultfd, or vm.unprivileged_userfaultfd=1, or CAP_SYS_PTRACE.
    console.log(`userfaultfd: /dev/userfaultfd ${existsSync('/dev/userfaultfd') ? 'present' : 'absent'}`);
    const from = (await guestHost(VM)) ?? 'hostB';
    const to: TestbedHost = from === 'hostA' ? 'hostB' : 'hostA';
    const run = await startMigration(temporal.client, opts(from, to, { plan: convergencePlan({ ...abortSoon, completionBudgetPerGiB: '40s', onBudgetExhausted: 'postcopy' }, true) }));
    const report = await migrationReport(run.handle);
    console.log(`postcopy: ${report.outcome}: ${report.message} | actions: ${actions(report)}`);
    if (report.outcome === 'rolled-back' && /post-?copy|userfault/i.test(report.failedStep?.error.message ?? '')) {
      // QEMU refused post-copy before the switch: nothing moved and the saga rolled back. The reason is the finding.
      await assertSettledOn(VM, from, to);
      t.skip(`post-copy cannot run here: ${report.failedStep?.error.message}`);
      return;
    }
    assert.equal(report.outcome, 'migrated', report.message);
    assert.match(actions(report), /switched to post-copy/);
    await assertSettledOn(VM, to, from);
  });
});
