import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { faultKinds, matrixCells } from '../support/fault-cells.js';
import { FaultMatrix } from '../support/fault-matrix.js';

/**
 * The part of the fault matrix CI runs: one cell per fault kind, each a real migration on model hosts run
 * by real `vfmigrate worker` processes and a file-backed Temporal server it kills (`node
 * lib/bench/fault-matrix.js` runs every cell). Every cell must leave the invariants whole, and end as
 * the engine promises at that point.
 */
const cells: Record<(typeof faultKinds)[number], { point: string; outcome: string }> = {
  // The VM moved but every attempt of the step reported a failure: the run finds it on the destination and goes on.
  'activity-fails': { point: 'after:migrate', outcome: 'migrated' },
  // The migration finished but its result was lost with the worker: the retry finds the VM already there.
  'host-worker-killed': { point: 'after:migrate', outcome: 'migrated' },
  'control-worker-killed': { point: 'before:standby-down', outcome: 'migrated' },
  'temporal-killed': { point: 'after:detach-vf', outcome: 'migrated' },
  'source-libvirtd-restart': { point: 'before:migrate', outcome: 'migrated' },
  'destination-libvirtd-restart': { point: 'before:attach-vf', outcome: 'migrated' },
  // After the pivot there is no way back: the VM stays on the destination, on its standby, and the run says so.
  'destination-unreachable': { point: 'after:migrate', outcome: 'degraded (attach-vf)' },
};

void describe('the fault matrix, one cell per fault kind', () => {
  let matrix: FaultMatrix;
  before(async () => (matrix = await FaultMatrix.start()));
  after(() => matrix.stop());

  for (const fault of faultKinds) {
    const { point, outcome } = cells[fault];
    void it(`${fault} ${point.replace(':', ' ')} → ${outcome}, invariants hold`, async () => {
      const [cell] = matrixCells(matrix.resolvedPlan, [`${fault}@${point}`]);
      assert.ok(cell, `no cell ${fault}@${point} in the plan`);
      const result = await matrix.runCell(cell);
      assert.deepEqual(result.broken, []);
      assert.ok(result.reached, 'the run got to the point');
      assert.equal(result.outcome, outcome);
    });
  }

  // The run cannot give back the source's booking; the source's worker does, once the run has ended.
  void it('activity-fails before release-source-vf → degraded (release-source-vf), invariants hold after the source worker\'s ledger watch pass', async () => {
    const [cell] = matrixCells(matrix.resolvedPlan, ['activity-fails@before:release-source-vf']);
    assert.ok(cell);
    const result = await matrix.runCell(cell);
    assert.deepEqual(result.broken, []);
    assert.equal(result.outcome, 'degraded (release-source-vf)');
    assert.equal(result.afterWatchPass, true, "the run's report leaves the booking to the source worker");
  });
});
