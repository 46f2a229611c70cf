import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { clusterScript } from '../support/cluster-suite.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { clusterEnv } from './cluster-env.js';

/**
 * What users buy Temporal for: the server crashes (SIGKILL, nothing flushed on the way out) in the middle
 * of a live migration and comes back on the same PostgreSQL; the run picks up where it was and ends right,
 * with the VM moved exactly once.
 */
void describe('the Temporal server killed and restarted in the middle of a migration', () => {
  const { root } = clusterEnv();
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('the run finishes correctly afterwards: migrated once, VF on the destination, every step completed', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-r', memoryMiB: 1024 }] }, { name: 'hostB', vfs: 1 }], {
      migrationMs: 8000,
      progressTicks: 40,
    }).start();
    try {
      const run = await env.migrate('vm-r', 'hostA', 'hostB');
      await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0);
      await execa(clusterScript(root), ['kill-server']);
      const downAt = Date.now();
      // Down for a while of the migration, then back: `start` waits until the frontend answers again.
      await new Promise((ok) => setTimeout(ok, 2000));
      await execa(clusterScript(root), ['start']);
      const report = await migrationReport(run.handle);
      const outage = Date.now() - downAt;

      assert.equal(report.outcome, 'migrated', report.message);
      assert.equal(env.fleet.whereIs('vm-r'), 'hostB');
      assert.equal(env.fleet.jobsStarted.get('vm-r'), 1, 'one migration job: the restart did not start the move again');
      const vm = env.fleet.vm('vm-r');
      assert.equal(vm?.interfaces.find((i) => i.type === 'hostdev')?.hostPciAddress, env.fleet.vfAddresses('hostB')[0]);
      assert.equal(vm?.interfaces.find((i) => i.alias === 'ua-backup0')?.link, 'down');
      assert.equal(await env.services.get('hostA')?.vfs.bookingOf('vm-r'), null, 'source VF released');
      assert.equal((await env.services.get('hostB')?.vfs.bookingOf('vm-r'))?.booking.state, 'attached');
      // The model hosts have no host network here, so its steps (VF MAC, FDB entries) are skipped; nothing failed or was undone.
      assert.ok(report.steps.every((s) => s.state === 'completed' || s.state === 'skipped'), JSON.stringify(report.steps.map((s) => [s.id, s.state])));
      assert.deepEqual(report.steps.filter((s) => s.state === 'completed').map((s) => s.id), [
        'preflight-source',
        'preflight-destination',
        'reserve-vf',
        'standby-up',
        'detach-vf',
        'migrate',
        'attach-vf',
        'release-source-vf',
        'standby-down',
      ]);
      assert.equal((await run.handle.describe()).status.name, 'COMPLETED');
      console.log(`server down and back, run finished: ${outage} ms after the kill`);
    } finally {
      await env.shutdown();
    }
  });
});
