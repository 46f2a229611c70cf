import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConvergenceControl } from '../../src/activities/convergence-control.js';
import { convergenceSettingsSchema } from '../../src/activities/convergence-settings.js';
import type { Hypervisor, MigrationProgress } from '../../src/hypervisor/hypervisor.js';
import { RecordingLogger } from '../support/recording-logger.js';

const GiB = 1073741824;
const settings = convergenceSettingsSchema.parse({ maxDowntime: '500ms', downtimeSteps: 10, downtimeDelayPerGiB: '1s', completionBudgetPerGiB: '10s', onBudgetExhausted: 'postcopy' });

/** Only the two calls the control makes; `fail` makes the next ones reject. */
function fakeHypervisor() {
  const calls: string[] = [];
  let failures = 0;
  const hyp = {
    setMigrationMaxDowntime: (_vm: string, ms: number) => (calls.push(`downtime ${ms}`), failures-- > 0 ? Promise.reject(new Error('busy')) : Promise.resolve()),
    startPostcopy: () => (calls.push('postcopy'), failures-- > 0 ? Promise.reject(new Error('busy')) : Promise.resolve()),
  } as unknown as Hypervisor;
  return { hyp, calls, fail: (n: number) => (failures = n) };
}

function sample(elapsedMs: number): MigrationProgress {
  return { elapsedMs, dataTotalBytes: GiB, dataProcessedBytes: 0, dataRemainingBytes: GiB / 2 };
}

const settle = () => new Promise((r) => setImmediate(r));

void describe('ConvergenceControl: carrying the decision out', () => {
  void it('one action at a time; a failed one is decided again on the next sample, and counted only once it took', async () => {
    const { hyp, calls, fail } = fakeHypervisor();
    const log = new RecordingLogger();
    const taken: string[] = [];
    const control = new ConvergenceControl(hyp, 'vm1', settings, log, () => assert.fail('no abort'), undefined, (a) => taken.push(a));
    fail(1);
    control.observe(sample(1001));
    control.observe(sample(1002)); // still busy with the first: ignored
    await settle();
    assert.deepEqual(control.state.actions, []);
    control.observe(sample(1100));
    await settle();
    assert.deepEqual(calls, ['downtime 95', 'downtime 95']);
    assert.deepEqual(control.state.actions, ['1.1 s: max downtime 95 ms']);
    assert.deepEqual(taken, ['raise-downtime'], 'the metric counts the action that took, not the one that failed');
    assert.equal(log.lines.filter((e) => e.message.startsWith('convergence action failed')).length, 1);
  });

  void it('a retry carries the earlier attempt\'s state: switched once means never switched again', async () => {
    const first = fakeHypervisor();
    const switched: string[] = [];
    const a = new ConvergenceControl(first.hyp, 'vm1', settings, new RecordingLogger(), () => undefined, undefined, (action) => switched.push(action));
    a.observe(sample(10_001));
    await settle();
    assert.equal(a.state.mode, 'postcopy');
    assert.deepEqual(switched, ['postcopy']);
    const second = fakeHypervisor();
    const b = new ConvergenceControl(second.hyp, 'vm1', settings, new RecordingLogger(), () => undefined, JSON.parse(JSON.stringify(a.state)));
    b.observe(sample(20_000));
    await settle();
    assert.deepEqual(second.calls, []);
    assert.equal(b.state.mode, 'postcopy');
  });

  void it('an earlier attempt that gave up: the retry aborts at once, with its reason; junk in the heartbeat is ignored', () => {
    let aborted = 0;
    const carried = { mode: 'aborting', downtimeMs: 500, lowestRemainingBytes: 1, lowestAtMs: 2, actions: ['10 s: aborted: not complete after 10 s'] };
    const c = new ConvergenceControl(fakeHypervisor().hyp, 'vm1', settings, new RecordingLogger(), () => aborted++, carried);
    assert.equal(aborted, 1);
    assert.equal(c.abortReason, '10 s: aborted: not complete after 10 s');
    const fresh = new ConvergenceControl(fakeHypervisor().hyp, 'vm1', settings, new RecordingLogger(), () => aborted++, { mode: 'sideways', actions: 'x' });
    assert.equal(fresh.state.mode, 'precopy');
    assert.equal(fresh.state.downtimeMs, 50);
    assert.equal(aborted, 1);
  });
});
