import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { progressChanges, reportLines, stepLine } from '../../src/cli/progress-lines.js';
import { flattenSteps, type ResolvedCall } from '../../src/plan/resolved.js';
import type { MigrationProgress, MigrationReport, StepState } from '../../src/workflows/migration-types.js';
import { StepTracker } from '../../src/workflows/step-tracker.js';
import { shippedPlan } from '../support/plans.js';
import { progressWith, stepInEachState } from '../support/step-states.js';

const MiB = 1048576;

void describe('the CLI\'s step line', () => {
  void it('shows each step state with its mark, time, error or note, and where its undo runs', () => {
    const expected: Record<StepState, string> = {
      pending: '· detach-vf (detachVf on hostA)',
      running: '▶ detach-vf (detachVf on hostA)',
      completed: '✓ detach-vf (detachVf on hostA) 250 ms',
      failed: '✗ detach-vf (detachVf on hostA) 40 ms  Timeout: timed out (start-to-close)',
      compensating: '↺ detach-vf (detachVf on hostA) 250 ms  undo attachVf on hostA: running',
      compensated: '↩ detach-vf (detachVf on hostA) 250 ms  undo attachVf on hostA: completed',
      'compensation-failed': '‼ detach-vf (detachVf on hostA) 40 ms  Timeout: timed out (start-to-close)  undo attachVf on hostA: failed (attach refused)',
      'not-run': '– detach-vf (detachVf on hostA)',
      skipped: '↷ clear-vf-mac (clearVfMac on hostA)  (hostA has no VF MAC handling configured)',
    };
    for (const [state, line] of Object.entries(expected)) assert.equal(stepLine(stepInEachState[state as StepState]), line, state);
    assert.equal(stepLine({ ...stepInEachState.running, id: 'migrate', activity: 'migrate', pivot: true }), '▶ migrate (migrate on hostA) [pivot]');
  });
});

/**
 * `migrate --wait` prints what changed between two polls of the `progress` query. The snapshots below come
 * from a StepTracker driven the way the interpreter drives it through a run of the shipped plan that fails
 * at detach-vf and rolls back; the clock is mocked so durations are exact.
 */
void describe('migrate --wait: the lines printed for each change of a run', () => {
  before(() => mock.timers.enable({ apis: ['Date'], now: 0 }));
  after(() => mock.timers.reset());

  void it('a run that fails at detach-vf and rolls back, polled at every change', async () => {
    const loaded = await shippedPlan('sriov-live-migration');
    const runsOn = (c: ResolvedCall): string => (c.on === 'source' ? 'hostA' : 'hostB');
    const steps = flattenSteps(loaded.resolved.steps);
    const tracker = new StepTracker(steps, runsOn);
    const undo = (id: string): ResolvedCall => steps.find((s) => s.id === id)!.compensate!;
    let prev: MigrationProgress | null = null;
    const poll = (fields: Partial<MigrationProgress> = {}): string[] => {
      const next = progressWith({ phase: prev?.phase ?? 'Starting', ...fields, steps: tracker.list() });
      const lines = progressChanges(prev, next);
      prev = next;
      return lines;
    };

    assert.deepEqual(poll(), ['phase: Starting'], 'the first poll: the phase, and no line for a pending step');
    assert.deepEqual(poll(), [], 'nothing changed, nothing printed');

    tracker.start('preflight-source');
    tracker.start('preflight-destination');
    assert.deepEqual(poll({ phase: 'preflight' }), ['phase: preflight', '  ▶ preflight-source (preflightSource on hostA)', '  ▶ preflight-destination (preflightDestination on hostB)']);

    mock.timers.tick(20);
    tracker.complete('preflight-source');
    tracker.complete('preflight-destination');
    tracker.start('reserve-vf');
    tracker.start('standby-up');
    assert.deepEqual(
      poll({ phase: 'prepare' }),
      [
        'phase: prepare',
        '  ✓ preflight-source (preflightSource on hostA) 20 ms',
        '  ✓ preflight-destination (preflightDestination on hostB) 20 ms',
        '  ▶ reserve-vf (reserveVf on hostB)',
        '  ▶ standby-up (setStandbyLink on hostA)',
      ],
      'a poll that missed a phase prints every step that changed since the last one',
    );

    mock.timers.tick(10);
    tracker.complete('reserve-vf');
    assert.deepEqual(poll(), ['  ✓ reserve-vf (reserveVf on hostB) 10 ms'], 'a step that finished inside a phase');
    mock.timers.tick(5);
    tracker.complete('standby-up');
    tracker.start('detach-vf');
    assert.deepEqual(poll({ phase: 'detach-vf' }), ['phase: detach-vf', '  ✓ standby-up (setStandbyLink on hostA) 15 ms', '  ▶ detach-vf (detachVf on hostA)']);

    mock.timers.tick(30);
    tracker.fail('detach-vf', { type: 'Timeout', message: 'timed out (start-to-close)' });
    tracker.compensating('detach-vf', undo('detach-vf'), 'hostA');
    assert.deepEqual(poll({ phase: 'Compensating' }), ['phase: Compensating', '  ↺ detach-vf (detachVf on hostA) 30 ms  Timeout: timed out (start-to-close)  undo attachVf on hostA: running']);

    mock.timers.tick(7);
    tracker.compensated('detach-vf');
    tracker.compensating('standby-up', undo('standby-up'), 'hostA');
    assert.deepEqual(
      poll(),
      [
        '  ↺ standby-up (setStandbyLink on hostA) 15 ms  undo setStandbyLink on hostA: running',
        '  ↩ detach-vf (detachVf on hostA) 30 ms  Timeout: timed out (start-to-close)  undo attachVf on hostA: completed',
      ],
      'changes are printed in plan order, not in the order they happened',
    );

    mock.timers.tick(3);
    tracker.compensated('standby-up');
    tracker.compensating('reserve-vf', undo('reserve-vf'), 'hostB');
    mock.timers.tick(4);
    tracker.compensated('reserve-vf');
    tracker.close();
    assert.deepEqual(
      poll({ phase: 'RolledBack', outcome: 'rolled-back' }),
      [
        'phase: RolledBack',
        '  ↩ reserve-vf (reserveVf on hostB) 10 ms  undo releaseVf on hostB: completed',
        '  ↩ standby-up (setStandbyLink on hostA) 15 ms  undo setStandbyLink on hostA: completed',
        '  – clear-vf-mac (clearVfMac on hostA)',
        '  – add-fdb-entry (addFdbEntry on hostA)',
        '  – migrate (migrate on hostA) [pivot]',
        '  – attach-vf (attachVf on hostB)',
        '  – remove-fdb-entry (removeFdbEntry on hostA)',
        '  – release-source-vf (releaseVf on hostA)',
        '  – standby-down (setStandbyLink on hostB)',
      ],
      'the end: the last undo, and every step that never ran',
    );
  });

  void it('the migration\'s bytes: a line per new report from the job, none before it knows the size', () => {
    const bytes = (processedMiB: number, at: string) => ({ elapsedMs: 0, dataTotalBytes: 2048 * MiB, dataProcessedBytes: processedMiB * MiB, dataRemainingBytes: (2048 - processedMiB) * MiB, at });
    const start = progressWith({ phase: 'migrate' });
    const unsized = progressWith({ phase: 'migrate', migration: { elapsedMs: 0, dataTotalBytes: 0, dataProcessedBytes: 0, dataRemainingBytes: 0, at: 't0' } });
    const first = progressWith({ phase: 'migrate', migration: bytes(512, 't1') });
    const again = progressWith({ phase: 'migrate', migration: bytes(512, 't1') });
    const later = progressWith({ phase: 'migrate', migration: bytes(1536, 't2') });
    assert.deepEqual(progressChanges(start, unsized), []);
    assert.deepEqual(progressChanges(unsized, first), ['  migrating: 25% (512/2048 MiB)']);
    assert.deepEqual(progressChanges(first, again), [], 'the same report polled twice prints once');
    assert.deepEqual(progressChanges(again, later), ['  migrating: 75% (1536/2048 MiB)']);
  });

  void it('a cancel request: one line, once', () => {
    const running = progressWith({ phase: 'detach-vf' });
    const cancelled = progressWith({ phase: 'detach-vf', cancelRequested: true });
    assert.deepEqual(progressChanges(running, cancelled), ['  cancel requested']);
    assert.deepEqual(progressChanges(cancelled, { ...cancelled }), []);
  });
});

void describe('the report printed when a run ends', () => {
  void it('the outcome in capitals with its message, the duration, then every step', () => {
    const report: MigrationReport = {
      ...progressWith({ phase: 'Degraded', outcome: 'degraded', steps: [stepInEachState.completed, stepInEachState.skipped] }),
      outcome: 'degraded',
      location: 'destination',
      message: 'vm-1 moved to hostB but is DEGRADED',
      durationMs: 4321,
      failedStep: null,
      downtimeMs: null,
      vf: { source: null, destination: null },
      vfBackInGuestMs: null,
    };
    assert.deepEqual(reportLines(report), [
      'DEGRADED: vm-1 moved to hostB but is DEGRADED',
      'took 4321 ms; steps:',
      '  ✓ detach-vf (detachVf on hostA) 250 ms',
      '  ↷ clear-vf-mac (clearVfMac on hostA)  (hostA has no VF MAC handling configured)',
    ]);
    assert.equal(reportLines({ ...report, vfBackInGuestMs: 870 }).at(-1), 'the guest had its VF back 870 ms after the attach (its agent says)');
  });
});
