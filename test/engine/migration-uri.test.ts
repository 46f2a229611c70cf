import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrationReport } from '../../src/client/migration-result.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

/**
 * A destination's migrationUri is a fact its own worker reports; it reaches the source through the run.
 * The source checks it again before its libvirtd (root) is told to open it.
 */
void describe('a hostile migrationUri from the destination', () => {
  let temporal: TestTemporal;
  let env: ModelEnv;
  const hostile = 'qemu+ext:///system?command=/tmp/prog';
  before(async () => {
    temporal = await testTemporal();
    env = new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-1' }] }, { name: 'hostB', vfs: 1 }]);
    const hostB = env.services.get('hostB');
    assert.ok(hostB);
    // What a destination worker with a doctored hosts file (or a forged fact) would hand the source.
    env.services.set('hostB', { ...hostB, migrationUri: hostile });
    await env.start();
  });
  after(async () => {
    await env.shutdown();
    await temporal.close();
  });

  void it('is refused on the source, at once and without retries; the hypervisor never sees it and the run rolls back', async () => {
    const run = await env.migrate('vm-1', 'hostA', 'hostB');
    const report = await migrationReport(run.handle);
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.failedStep?.id, 'migrate');
    assert.equal(report.failedStep?.error.type, 'InvalidInput');
    assert.equal(
      report.failedStep?.error.message,
      `refusing to migrate vm-1 to hostB: its migrationUri "${hostile}": the ext transport runs the program named in command= (as root); use qemu+ssh or qemu+tls`,
    );
    assert.deepEqual(
      env.fleet.log.filter((r) => r.op === 'migrate'),
      [],
    );
    assert.equal(env.fleet.whereIs('vm-1'), 'hostA');
    const events = (await run.handle.fetchHistory()).events ?? [];
    const failed = events.filter((e) => e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type === 'InvalidInput');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.nonRetryable, true);
    const started = events.find((e) => String(e.eventId) === String(failed[0]?.activityTaskFailedEventAttributes?.startedEventId));
    assert.equal(started?.activityTaskStartedEventAttributes?.attempt, 1);
  });
});
