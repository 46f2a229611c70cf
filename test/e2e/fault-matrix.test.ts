/**
 * The part of the fault matrix CI runs on the REAL testbed: each fault kind once (a libvirtd restart as the
 * source's), before the pivot, while the migration job runs and after it, each cell a real migration of one
 * guest booted for the whole file, with real SIGKILLs, a real Temporal restart and libvirtd really stopped
 * (testbed-fault-matrix.ts). `npm run matrix:testbed` runs every testbed cell. Needs root (scripts/testbed.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeGuest, testbedUp } from '../../src/testbed/testbed.js';
import { testbedCells } from '../support/fault-cells.js';
import { bootGuest } from './support.js';
import { TestbedFaultMatrix } from './testbed-fault-matrix.js';

const VM = `e2e-matrix-${process.pid}`;

/**
 * Each cell and the outcomes the engine promises there. Before the pivot and while it runs, a run that
 * cannot go on rolls back; after it, a run that cannot finish says DEGRADED at the step it stopped.
 */
const cells: { id: string; outcomes: string[]; why: string }[] = [
  // Stopped at the pause, started again at once: migrate's three attempts may all meet it down.
  { id: 'source-libvirtd-restart@before:migrate', outcomes: ['migrated', 'rolled-back (migrate)'], why: 'retried, or rolled back' },
  { id: 'temporal-killed@before:migrate', outcomes: ['migrated'], why: 'the run goes on from its history' },
  // SIGKILL takes the worker's virsh along: libvirt may finish the p2p job or abort it with its client gone.
  { id: 'host-worker-killed@during:migrate', outcomes: ['migrated', 'rolled-back (migrate)'], why: 'the retry finds the job done or gone' },
  { id: 'control-worker-killed@during:migrate', outcomes: ['migrated'], why: 'the job does not need the control worker' },
  // The VM moved but every attempt of the step reported a failure: the run finds it on the destination.
  { id: 'activity-fails@after:migrate', outcomes: ['migrated'], why: 'located after the failed pivot' },
  { id: 'destination-unreachable@before:attach-vf', outcomes: ['degraded (attach-vf)'], why: 'no way back after the pivot' },
];

void describe('the fault matrix on the real testbed: each fault kind once, before, during and after the pivot', () => {
  let matrix: TestbedFaultMatrix;
  before(async () => {
    await testbedUp();
    await bootGuest(VM);
    matrix = await TestbedFaultMatrix.start({ vm: VM, log: (line) => console.error(line) });
  });
  after(async () => {
    await matrix?.stop();
    await removeGuest(VM);
  });

  for (const { id, outcomes, why } of cells) {
    void it(`${id} → ${outcomes.join(' or ')} (${why}), invariants hold`, async () => {
      const [cell] = testbedCells(matrix.resolvedPlan, [id]);
      assert.ok(cell, `no testbed cell ${id} in the plan`);
      const result = await matrix.runCell(cell);
      assert.deepEqual(result.broken, []);
      assert.ok(result.reached, 'the run got to the point');
      assert.ok(outcomes.includes(result.outcome), `outcome ${result.outcome}, expected ${outcomes.join(' or ')}`);
    });
  }
});
