import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepLine } from '../../src/cli/progress-lines.js';
import { renderStep } from '../../src/workflows/details.js';
import type { StepProgress } from '../../src/workflows/migration-types.js';

/**
 * A step is rendered by one function in two styles: the Temporal UI's details (Markdown) and the CLI's
 * lines. Each case pins both, word for word, as they read before the two renderings became one.
 */
const cases: { what: string; step: StepProgress; markdown: string; plain: string }[] = [
  {
    what: 'the pivot, done',
    step: { id: 'migrate', activity: 'migrate', on: 'source', runsOn: 'hostA', state: 'completed', pivot: true, durationMs: 1234 },
    markdown: '- ✓ migrate (migrate on hostA) **pivot** 1234 ms',
    plain: '✓ migrate (migrate on hostA) [pivot] 1234 ms',
  },
  {
    what: 'a failed step whose compensation failed too (the error wins over a note)',
    step: {
      id: 'detach-vf',
      activity: 'detachVf',
      on: 'source',
      runsOn: 'hostA',
      state: 'compensation-failed',
      pivot: false,
      durationMs: 300,
      error: { type: 'DeviceStuck', message: 'the guest never released it' },
      note: 'not shown',
      compensation: { activity: 'attachVf', runsOn: 'hostA', state: 'failed', error: { type: 'InvalidOperation', message: 'refused' } },
    },
    markdown: '- ‼ detach-vf (detachVf on hostA) 300 ms — DeviceStuck: the guest never released it · undo attachVf: failed (refused)',
    plain: '‼ detach-vf (detachVf on hostA) 300 ms  DeviceStuck: the guest never released it  undo attachVf on hostA: failed (refused)',
  },
  {
    what: 'a skipped step with its reason',
    step: { id: 'add-fdb-entry', activity: 'addFdbEntry', on: 'destination', runsOn: 'hostB', state: 'skipped', pivot: false, note: 'no FDB device on hostB' },
    markdown: '- ↷ add-fdb-entry (addFdbEntry on hostB) — no FDB device on hostB',
    plain: '↷ add-fdb-entry (addFdbEntry on hostB)  (no FDB device on hostB)',
  },
  {
    what: 'a compensated step that took no time',
    step: {
      id: 'standby-up',
      activity: 'setStandbyLink',
      on: 'source',
      runsOn: 'hostA',
      state: 'compensated',
      pivot: false,
      durationMs: 0,
      compensation: { activity: 'setStandbyLink', runsOn: 'hostA', state: 'completed' },
    },
    markdown: '- ↩ standby-up (setStandbyLink on hostA) 0 ms · undo setStandbyLink: completed',
    plain: '↩ standby-up (setStandbyLink on hostA) 0 ms  undo setStandbyLink on hostA: completed',
  },
  {
    what: 'a step not yet run',
    step: { id: 'reserve-vf', activity: 'reserveVf', on: 'destination', runsOn: 'hostB', state: 'pending', pivot: false },
    markdown: '- · reserve-vf (reserveVf on hostB)',
    plain: '· reserve-vf (reserveVf on hostB)',
  },
];

void describe('a step line, in the UI and in the terminal', () => {
  for (const c of cases) {
    void it(c.what, () => {
      assert.equal(renderStep(c.step, 'markdown'), c.markdown);
      assert.equal(renderStep(c.step, 'plain'), c.plain);
      assert.equal(stepLine(c.step), c.plain);
    });
  }
});
