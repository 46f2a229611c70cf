import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { flattenSteps, type ResolvedActivityStep, type ResolvedCall } from '../../src/plan/resolved.js';
import { StepTracker } from '../../src/workflows/step-tracker.js';
import { shippedPlan } from '../support/plans.js';

const runsOn = (call: ResolvedCall): string => (call.on === 'source' ? 'hostA' : call.on === 'destination' ? 'hostB' : 'control');

async function tracker(): Promise<{ tracker: StepTracker; steps: ResolvedActivityStep[] }> {
  const steps = flattenSteps((await shippedPlan('sriov-live-migration')).resolved.steps);
  return { tracker: new StepTracker(steps, runsOn), steps };
}

const step = (steps: ResolvedActivityStep[], id: string): ResolvedActivityStep => {
  const found = steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
};

void describe('StepTracker: per-step state and timings for the progress query, the report and the UI', () => {
  // The clock starts at 0 so start times and durations are exact.
  before(() => mock.timers.enable({ apis: ['Date'], now: 0 }));
  after(() => mock.timers.reset());

  void it('starts with every activity of the plan pending, group members in plan order, each on its host', async () => {
    const { tracker: t } = await tracker();
    assert.deepEqual(
      t.list().map((s) => [s.id, s.activity, s.on, s.runsOn, s.state, s.pivot]),
      [
        ['preflight-source', 'preflightSource', 'source', 'hostA', 'pending', false],
        ['preflight-destination', 'preflightDestination', 'destination', 'hostB', 'pending', false],
        ['reserve-vf', 'reserveVf', 'destination', 'hostB', 'pending', false],
        ['standby-up', 'setStandbyLink', 'source', 'hostA', 'pending', false],
        ['detach-vf', 'detachVf', 'source', 'hostA', 'pending', false],
        ['clear-vf-mac', 'clearVfMac', 'source', 'hostA', 'pending', false],
        ['add-fdb-entry', 'addFdbEntry', 'source', 'hostA', 'pending', false],
        ['migrate', 'migrate', 'source', 'hostA', 'pending', true],
        ['attach-vf', 'attachVf', 'destination', 'hostB', 'pending', false],
        ['remove-fdb-entry', 'removeFdbEntry', 'source', 'hostA', 'pending', false],
        ['release-source-vf', 'releaseVf', 'source', 'hostA', 'pending', false],
        ['standby-down', 'setStandbyLink', 'destination', 'hostB', 'pending', false],
      ],
    );
  });

  void it('a step that runs and completes: its start time and how long it took', async () => {
    const { tracker: t } = await tracker();
    mock.timers.setTime(1_000);
    t.start('detach-vf');
    assert.deepEqual(t.get('detach-vf'), { id: 'detach-vf', activity: 'detachVf', on: 'source', runsOn: 'hostA', state: 'running', pivot: false, startedAt: '1970-01-01T00:00:01.000Z' });
    mock.timers.tick(250);
    t.complete('detach-vf');
    assert.deepEqual(t.get('detach-vf'), {
      id: 'detach-vf',
      activity: 'detachVf',
      on: 'source',
      runsOn: 'hostA',
      state: 'completed',
      pivot: false,
      startedAt: '1970-01-01T00:00:01.000Z',
      durationMs: 250,
    });
  });

  void it('a failed step keeps its error and duration', async () => {
    const { tracker: t } = await tracker();
    mock.timers.setTime(5_000);
    t.start('reserve-vf');
    mock.timers.tick(40);
    t.fail('reserve-vf', { type: 'NoFreeVf', message: 'hostB has no free VF' });
    const s = t.get('reserve-vf');
    assert.equal(s.state, 'failed');
    assert.equal(s.durationMs, 40);
    assert.deepEqual(s.error, { type: 'NoFreeVf', message: 'hostB has no free VF' });
  });

  void it('a skipped step is never started: a note saying why, no start time, no duration', async () => {
    const { tracker: t } = await tracker();
    t.skip('clear-vf-mac', 'hostA has no VF MAC handling configured');
    assert.deepEqual(t.get('clear-vf-mac'), {
      id: 'clear-vf-mac',
      activity: 'clearVfMac',
      on: 'source',
      runsOn: 'hostA',
      state: 'skipped',
      pivot: false,
      note: 'hostA has no VF MAC handling configured',
    });
  });

  void it('a compensation that succeeds: the step turns compensated and records the undo, where it ran and how long it took', async () => {
    const { tracker: t, steps } = await tracker();
    t.start('standby-up');
    t.complete('standby-up');
    mock.timers.setTime(10_000);
    t.compensating('standby-up', step(steps, 'standby-up').compensate!, 'hostA');
    assert.equal(t.get('standby-up').state, 'compensating');
    assert.deepEqual(t.get('standby-up').compensation, { activity: 'setStandbyLink', runsOn: 'hostA', state: 'running' });
    mock.timers.tick(75);
    t.compensated('standby-up');
    assert.equal(t.get('standby-up').state, 'compensated');
    assert.deepEqual(t.get('standby-up').compensation, { activity: 'setStandbyLink', runsOn: 'hostA', state: 'completed', durationMs: 75 });
  });

  void it('a compensation that fails: compensation-failed, with the compensation\'s own error', async () => {
    const { tracker: t, steps } = await tracker();
    t.start('detach-vf');
    t.fail('detach-vf', { type: 'Timeout', message: 'timed out (start-to-close)' });
    mock.timers.setTime(20_000);
    t.compensating('detach-vf', step(steps, 'detach-vf').compensate!, 'hostA');
    mock.timers.tick(30);
    t.compensated('detach-vf', { type: 'InvalidOperation', message: 'attach refused' });
    const s = t.get('detach-vf');
    assert.equal(s.state, 'compensation-failed');
    assert.deepEqual(s.error, { type: 'Timeout', message: 'timed out (start-to-close)' }, 'the step\'s own error stays');
    assert.deepEqual(s.compensation, { activity: 'attachVf', runsOn: 'hostA', state: 'failed', durationMs: 30, error: { type: 'InvalidOperation', message: 'attach refused' } });
  });

  void it('compensated() on a step whose compensation never started changes nothing', async () => {
    const { tracker: t } = await tracker();
    t.start('reserve-vf');
    t.complete('reserve-vf');
    const copy = { ...t.get('reserve-vf') };
    t.compensated('reserve-vf');
    assert.deepEqual(t.get('reserve-vf'), copy);
  });

  void it('close(): steps that never started become not-run; every other state stays', async () => {
    const { tracker: t } = await tracker();
    t.start('preflight-source');
    t.complete('preflight-source');
    t.start('preflight-destination');
    t.fail('preflight-destination', { type: 'PreflightError', message: 'no room' });
    t.skip('clear-vf-mac', 'no VF MAC handling');
    t.close();
    const states = Object.fromEntries(t.list().map((s) => [s.id, s.state]));
    assert.deepEqual(states, {
      'preflight-source': 'completed',
      'preflight-destination': 'failed',
      'reserve-vf': 'not-run',
      'standby-up': 'not-run',
      'detach-vf': 'not-run',
      'clear-vf-mac': 'skipped',
      'add-fdb-entry': 'not-run',
      migrate: 'not-run',
      'attach-vf': 'not-run',
      'remove-fdb-entry': 'not-run',
      'release-source-vf': 'not-run',
      'standby-down': 'not-run',
    });
  });

  void it('list() hands out copies: a caller cannot change the run\'s record', async () => {
    const { tracker: t } = await tracker();
    const listed = t.list();
    listed[0]!.state = 'completed';
    assert.equal(t.get('preflight-source').state, 'pending');
  });

  void it('an unknown step id is a bug, said as such', async () => {
    const { tracker: t } = await tracker();
    assert.throws(() => t.start('no-such-step'), { message: 'unknown step no-such-step' });
  });
});
