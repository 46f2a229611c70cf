import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDetails } from '../../src/workflows/details.js';
import type { StepState } from '../../src/workflows/migration-types.js';
import { progressWith, stepInEachState } from '../support/step-states.js';

const MiB = 1048576;

/** The step lines of the details, without the header. */
function stepLines(details: string): string[] {
  return details.split('\n').filter((l) => l.startsWith('- '));
}

void describe('renderDetails: the Temporal UI\'s current details of a migration', () => {
  void it('shows each step state with its mark, time, error or note, and its undo', () => {
    const expected: Record<StepState, string> = {
      pending: '- · detach-vf (detachVf on hostA)',
      running: '- ▶ detach-vf (detachVf on hostA)',
      completed: '- ✓ detach-vf (detachVf on hostA) 250 ms',
      failed: '- ✗ detach-vf (detachVf on hostA) 40 ms — Timeout: timed out (start-to-close)',
      compensating: '- ↺ detach-vf (detachVf on hostA) 250 ms · undo attachVf: running',
      compensated: '- ↩ detach-vf (detachVf on hostA) 250 ms · undo attachVf: completed',
      'compensation-failed': '- ‼ detach-vf (detachVf on hostA) 40 ms — Timeout: timed out (start-to-close) · undo attachVf: failed (attach refused)',
      'not-run': '- – detach-vf (detachVf on hostA)',
      skipped: '- ↷ clear-vf-mac (clearVfMac on hostA) — hostA has no VF MAC handling configured',
    };
    for (const [state, line] of Object.entries(expected)) {
      assert.deepEqual(stepLines(renderDetails(progressWith({ steps: [stepInEachState[state as StepState]] }))), [line], state);
    }
  });

  void it('marks the pivot', () => {
    const migrate = { id: 'migrate', activity: 'migrate', on: 'source', runsOn: 'hostA', state: 'running', pivot: true } as const;
    assert.deepEqual(stepLines(renderDetails(progressWith({ steps: [migrate] }))), ['- ▶ migrate (migrate on hostA) **pivot**']);
  });

  void it('a run under way: who goes where on which plan, the phase, every step in plan order, and the bytes moved', () => {
    const steps = [stepInEachState.completed, { ...stepInEachState.running, id: 'migrate', activity: 'migrate', pivot: true }, { ...stepInEachState.pending, id: 'attach-vf', activity: 'attachVf', runsOn: 'hostB' }];
    const migration = { elapsedMs: 2000, dataTotalBytes: 1024 * MiB, dataProcessedBytes: 256 * MiB + 300_000, dataRemainingBytes: 768 * MiB - 300_000, at: '2026-01-01T00:00:02.000Z' };
    assert.equal(
      renderDetails(progressWith({ phase: 'migrate', steps, migration })),
      [
        '**vm-1**: hostA → hostB · plan sriov-live-migration v3',
        'Phase: **migrate**',
        '',
        '- ✓ detach-vf (detachVf on hostA) 250 ms',
        '- ▶ migrate (migrate on hostA) **pivot**',
        '- · attach-vf (attachVf on hostB)',
        '',
        'Migration: 25% (256 of 1024 MiB, 768 MiB remaining)',
      ].join('\n'),
    );
  });

  void it('an ended run: the outcome\'s message between the phase and the steps, and no bytes line before the job reported any', () => {
    const details = renderDetails(
      progressWith({ phase: 'RolledBack', steps: [stepInEachState.compensated], migration: { elapsedMs: 0, dataTotalBytes: 0, dataProcessedBytes: 0, dataRemainingBytes: 0, at: '2026-01-01T00:00:00.000Z' } }),
      'vm-1 stays on hostA: step "detach-vf" (detachVf) failed: timed out; compensated: attachVf (detach-vf)',
    );
    assert.equal(
      details,
      [
        '**vm-1**: hostA → hostB · plan sriov-live-migration v3',
        'Phase: **RolledBack**',
        '',
        'vm-1 stays on hostA: step "detach-vf" (detachVf) failed: timed out; compensated: attachVf (detach-vf)',
        '',
        '- ↩ detach-vf (detachVf on hostA) 250 ms · undo attachVf: completed',
      ].join('\n'),
    );
  });

  void it('a run still resolving its plan: the header and the phase only', () => {
    assert.equal(renderDetails(progressWith({})), '**vm-1**: hostA → hostB · plan sriov-live-migration v3\nPhase: **Starting**\n');
  });
});

void describe('a plan the run chose', () => {
  void it('the header says which plan and why', () => {
    const details = renderDetails({ ...progressWith({ phase: 'migrate', steps: [] }), plan: { name: 'plain-live-migration', version: 1, hash: '' }, planChoice: 'no VF -> plain-live-migration' });
    assert.equal(details.split('\n')[0], '**vm-1**: hostA → hostB · plan plain-live-migration v1 (no VF -> plain-live-migration)');
  });
});
