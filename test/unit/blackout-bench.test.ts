import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchSettings } from '../../bench/blackout-settings.js';
import { convergenceSummary, describeConvergence } from '../../bench/convergence-summary.js';
import { applyConvergenceAction, initialConvergenceState } from '../../src/activities/convergence.js';
import { convergenceSettingsSchema } from '../../src/activities/convergence-settings.js';
import type { MigrationBytes } from '../../src/workflows/migration-types.js';

/** The actions as the convergence control records them (its own wording, so a change there shows here). */
function recorded(...actions: Parameters<typeof applyConvergenceAction>[1][]): string[] {
  let state = initialConvergenceState(convergenceSettingsSchema.parse({}));
  for (const [i, a] of actions.entries()) state = applyConvergenceAction(state, a, 20_000 * (i + 1));
  return state.actions;
}

const job = (extra: Partial<MigrationBytes>): MigrationBytes => ({
  elapsedMs: 100_000,
  dataTotalBytes: 268_435_456,
  dataProcessedBytes: 25_600 * 1_048_576,
  dataRemainingBytes: 0,
  at: '2026-01-01T00:00:00Z',
  ...extra,
});

void describe('bench:blackout', () => {
  void describe('the convergence actions a run took, read from its report', () => {
    void it('counts downtime raises and the pause allowed at the end; the mean throughput of the job', () => {
      const actions = recorded({ kind: 'set-downtime', downtimeMs: 320 }, { kind: 'set-downtime', downtimeMs: 365 }, { kind: 'set-downtime', downtimeMs: 410 });
      const s = convergenceSummary({ migration: job({ actions, maxDowntimeMs: 410, iteration: 57, mode: 'precopy' }) }, false);
      assert.deepEqual(s, { raises: 3, maxDowntimeMs: 410, autoConverge: false, postcopy: false, aborted: false, passes: 57, throughputMiBps: 256 });
      assert.equal(describeConvergence(s), '3 raises to 410 ms');
    });
    void it('an abort and a switch to post-copy, and auto-converge from the plan', () => {
      const aborted = recorded({ kind: 'set-downtime', downtimeMs: 500 }, { kind: 'give-up', action: 'abort', reason: 'not complete after 201 s (budget 200 s for 0.25 GiB)' });
      const a = convergenceSummary({ migration: job({ actions: aborted, maxDowntimeMs: 500, mode: 'aborting' }) }, true);
      assert.deepEqual([a.raises, a.aborted, a.postcopy, a.autoConverge], [1, true, false, true]);
      assert.equal(describeConvergence(a), '1 raise to 500 ms, auto-converge, aborted');
      const switched = recorded({ kind: 'give-up', action: 'postcopy', reason: 'no progress for 301 s' });
      const p = convergenceSummary({ migration: job({ actions: switched, maxDowntimeMs: 300 }) }, false);
      assert.deepEqual([p.raises, p.postcopy, p.aborted], [0, true, false]);
      assert.equal(describeConvergence(p), 'post-copy');
    });
    void it('a run that never sampled its job: nothing done, nothing known', () => {
      const s = convergenceSummary({ migration: null }, false);
      assert.deepEqual(s, { raises: 0, maxDowntimeMs: null, autoConverge: false, postcopy: false, aborted: false, passes: null, throughputMiBps: null });
      assert.equal(describeConvergence(s), 'none');
    });
  });

  void describe('its settings', () => {
    void it('defaults, and --quick for a run of about 10 minutes', () => {
      assert.deepEqual(benchSettings([], {}), { runs: 4, busyRuns: 2, dirtyMiBps: 64, bandwidthMiBps: 32 });
      assert.deepEqual(benchSettings(['--quick'], {}), { runs: 1, busyRuns: 1, dirtyMiBps: 64, bandwidthMiBps: 32 });
      assert.deepEqual(benchSettings(['--quick'], { BENCH_RUNS: '3', BENCH_BUSY_RUNS: '0', BENCH_DIRTY_MIBPS: '500', BENCH_BANDWIDTH_MIBPS: '300' }), {
        runs: 3,
        busyRuns: 0,
        dirtyMiBps: 500,
        bandwidthMiBps: 300,
      });
    });
    void it('refuses what it does not know, naming it', () => {
      assert.throws(() => benchSettings(['--qiuck'], {}), /^Error: unknown argument --qiuck: the only option is --quick/);
      assert.throws(() => benchSettings([], { BENCH_RUNS: '0' }), /^Error: BENCH_RUNS: expected idle migrations per plan, 1 to 1000$/);
      assert.throws(() => benchSettings([], { BENCH_DIRTY_MIBPS: '64k', BENCH_BUSY_RUNS: '1.5' }), /^Error: BENCH_BUSY_RUNS: expected busy migrations per plan, 0 to 1000; BENCH_DIRTY_MIBPS: expected MiB per second/);
    });
  });
});
