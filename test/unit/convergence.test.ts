import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyConvergenceAction,
  completionBudgetMs,
  decideConvergence,
  downtimeSchedule,
  initialConvergenceState,
  type ConvergenceSample,
  type ConvergenceState,
} from '../../src/activities/convergence.js';
import { convergenceSettingsSchema, type ConvergenceSettings } from '../../src/activities/convergence-settings.js';

const GiB = 1073741824;
const MiB = 1048576;

function settings(over: Record<string, unknown> = {}): ConvergenceSettings {
  return convergenceSettingsSchema.parse(over);
}

function sample(elapsedMs: number, remainingMiB: number, totalBytes = GiB): ConvergenceSample {
  return { elapsedMs, dataTotalBytes: totalBytes, dataRemainingBytes: remainingMiB * MiB };
}

/** Feeds samples in order, carrying out every action at once (as the control does when it succeeds). */
function run(s: ConvergenceSettings, samples: ConvergenceSample[]): { state: ConvergenceState; actions: string[] } {
  let state = initialConvergenceState(s);
  const actions: string[] = [];
  for (const smp of samples) {
    const next = decideConvergence(s, state, smp);
    state = applyConvergenceAction(next.state, next.action, smp.elapsedMs);
    if (next.action.kind === 'set-downtime') actions.push(`downtime ${next.action.downtimeMs}`);
    if (next.action.kind === 'give-up') actions.push(`${next.action.action}: ${next.action.reason}`);
  }
  return { state, actions };
}

void describe('convergence: the downtime schedule (as Nova)', () => {
  void it("Nova's own example: 10 steps, 30 s per GiB, 3 GiB, 400 ms: every 90 s, 40 ms up to 400 ms", () => {
    const schedule = downtimeSchedule(settings({ maxDowntime: '400ms', downtimeSteps: 10, downtimeDelayPerGiB: '30s' }), 3 * GiB);
    assert.deepEqual(
      schedule.map((s) => [s.atMs / 1000, s.downtimeMs]),
      [[0, 40], [90, 76], [180, 112], [270, 148], [360, 184], [450, 220], [540, 256], [630, 292], [720, 328], [810, 364], [900, 400]],
    );
  });

  void it('the defaults: 500 ms in 10 steps, 75 s per GiB (a 256 MiB guest: every 18.75 s), budget 800 s per GiB', () => {
    const s = settings();
    assert.equal(initialConvergenceState(s).downtimeMs, 50);
    const schedule = downtimeSchedule(s, 256 * MiB);
    assert.equal(schedule[1]?.atMs, 18750);
    assert.equal(schedule.at(-1)?.downtimeMs, 500);
    assert.equal(completionBudgetMs(s, 256 * MiB), 200_000);
    assert.equal(s.onBudgetExhausted, 'abort');
    assert.equal(s.autoConverge, false);
  });
});

void describe('convergence: what to do next', () => {
  const s = settings({ maxDowntime: '500ms', downtimeSteps: 10, downtimeDelayPerGiB: '1s', completionBudgetPerGiB: '10s', progressTimeout: '3s' });

  void it('nothing before the first raise is due; then the due step, once (a step is never set twice)', () => {
    const { actions, state } = run(s, [sample(0, 1024), sample(500, 900), sample(1001, 800), sample(1500, 700), sample(2001, 600)]);
    assert.deepEqual(actions, ['downtime 95', 'downtime 140']);
    assert.equal(state.downtimeMs, 140);
    assert.deepEqual(state.actions, ['1.0 s: max downtime 95 ms', '2.0 s: max downtime 140 ms']);
  });

  void it('decides nothing on a sample without the job\'s size (libvirt says data_total 0 at first), on the testbed seen as a 0 s budget', () => {
    const { actions, state } = run(s, [sample(500, 0, 0), sample(1500, 0, 0)]);
    assert.deepEqual(actions, []);
    assert.equal(state.mode, 'precopy');
    assert.deepEqual(run(s, [sample(500, 0, 0), sample(1001, 800)]).actions, ['downtime 95']);
  });

  void it('a sample that arrives late jumps straight to the step now due, never down', () => {
    const { actions } = run(s, [sample(0, 1024), sample(4500, 100), sample(4600, 90)]);
    assert.deepEqual(actions, ['downtime 230']);
  });

  void it('stops at the ceiling', () => {
    const samples = Array.from({ length: 15 }, (_, i) => sample(1001 * (i + 1), 1000 - i * 50));
    const { state } = run({ ...s, completionBudgetPerGiB: 100_000 }, samples);
    assert.equal(state.downtimeMs, 500);
  });

  void it('the budget scales with memory: abort after 10 s for 1 GiB, not before', () => {
    const before = decideConvergence(s, { ...initialConvergenceState(s), downtimeMs: 500 }, sample(10_000, 10));
    assert.equal(before.action.kind, 'wait');
    const after = decideConvergence(s, { ...initialConvergenceState(s), downtimeMs: 500, lowestRemainingBytes: 5 * MiB, lowestAtMs: 9_000 }, sample(10_001, 10));
    assert.deepEqual(after.action, { kind: 'give-up', action: 'abort', reason: 'not complete after 10 s (budget 10 s for 1.00 GiB)' });
    const half = decideConvergence(s, initialConvergenceState(s), sample(5_001, 10, GiB / 2));
    assert.equal(half.action.kind, 'give-up', 'half the memory, half the budget');
  });

  void it('no new low in the data remaining for progressTimeout: gives up early, naming the stall', () => {
    const { actions, state } = run(s, [sample(100, 300), sample(1000, 200), sample(2000, 250), sample(3000, 210), sample(4001, 240)]);
    assert.deepEqual(actions.at(-1), 'abort: no progress for 3.0 s (data remaining never below 200 MiB since 1.0 s)');
    assert.equal(state.mode, 'aborting');
  });

  void it('a new low resets the progress timeout', () => {
    const { actions } = run(s, [sample(100, 300), sample(3000, 299), sample(6000, 298), sample(8000, 297)]);
    assert.ok(actions.every((a) => a.startsWith('downtime')), actions.join('; '));
  });

  void it('giving up wins over a raise that is due at the same time', () => {
    const { action } = decideConvergence(s, initialConvergenceState(s), sample(10_500, 100));
    assert.equal(action.kind, 'give-up');
  });

  void it('postcopy when the plan says so; afterwards nothing more is decided (never switched or aborted twice)', () => {
    const p = settings({ completionBudgetPerGiB: '10s', onBudgetExhausted: 'postcopy' });
    const { actions, state } = run(p, [sample(100, 1000), sample(10_001, 900), sample(12_000, 800), sample(99_000, 800)]);
    assert.equal(actions.filter((a) => a.startsWith('postcopy')).length, 1);
    assert.equal(state.mode, 'postcopy');
    assert.match(state.actions.at(-1) ?? '', /^10 s: switched to post-copy: not complete after 10 s \(budget 10 s for 1\.00 GiB\)$/);
  });

  void it('an action that failed changes nothing: it is decided again on the next sample', () => {
    const state = initialConvergenceState(s);
    const first = decideConvergence(s, state, sample(1001, 500));
    assert.deepEqual(first.action, { kind: 'set-downtime', downtimeMs: 95 });
    const again = decideConvergence(s, first.state, sample(1200, 480));
    assert.deepEqual(again.action, { kind: 'set-downtime', downtimeMs: 95 });
  });
});

void describe('convergence settings: what a plan may write', () => {
  void it('refuses unknown keys, bad durations, zero steps and unknown actions, one line each', () => {
    const r = convergenceSettingsSchema.safeParse({ maxDowntime: '0.5s', downtimeSteps: 0, onBudgetExhausted: 'pause', postCopy: true });
    assert.equal(r.success, false);
    const paths = r.error?.issues.map((i) => i.path.join('.') || i.code).sort();
    assert.deepEqual(paths, ['downtimeSteps', 'maxDowntime', 'onBudgetExhausted', 'unrecognized_keys']);
  });
});

void describe('convergence: the limit a job starts at', () => {
  void it("Nova's 50 ms on KVM; no less than 300 ms on TCG (domain type qemu), where QEMU lost guest memory starting lower", async () => {
    const { startingDowntimeMs } = await import('../../src/activities/migrate.js');
    const s = settings({});
    assert.equal(startingDowntimeMs(s, 'kvm'), 50);
    assert.equal(startingDowntimeMs(s, undefined), 50);
    assert.equal(startingDowntimeMs(s, 'qemu'), 300);
    assert.equal(startingDowntimeMs(settings({ maxDowntime: '5s' }), 'qemu'), 500);
  });

  void it('a job started at 300 ms is never lowered to an earlier step: the state says 300 until a step above it is due', () => {
    const s = settings({});
    const schedule = downtimeSchedule(s, GiB);
    const start = initialConvergenceState(s, 300);
    assert.equal(start.downtimeMs, 300);
    // Step 1 (95 ms) and the following ones below 300 ms come due: nothing is set.
    const low = schedule.find((step) => step.downtimeMs > 50 && step.downtimeMs < 300)!;
    assert.deepEqual(decideConvergence(s, start, sample(low.atMs + 1, 100)).action, { kind: 'wait' });
    const above = schedule.find((step) => step.downtimeMs > 300)!;
    assert.deepEqual(decideConvergence(s, start, sample(above.atMs + 1, 100)).action, { kind: 'set-downtime', downtimeMs: above.downtimeMs });
  });
});
