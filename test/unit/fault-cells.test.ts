import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultKinds, matrixCells, matrixPoints } from '../support/fault-cells.js';
import { shippedPlan } from '../support/plans.js';

void describe('the fault matrix cells come from the plan', () => {
  void it('before and after every step of the default plan, parallel members included, in plan order', async () => {
    const plan = (await shippedPlan('sriov-live-migration')).resolved;
    const points = matrixPoints(plan);
    const steps = ['preflight-source', 'preflight-destination', 'reserve-vf', 'standby-up', 'detach-vf', 'clear-vf-mac', 'add-fdb-entry', 'migrate', 'attach-vf', 'remove-fdb-entry', 'release-source-vf', 'standby-down'];
    assert.deepEqual(points.map((p) => `${p.point} ${p.step}`), steps.flatMap((s) => [`before ${s}`, `after ${s}`]));
    assert.deepEqual(points.filter((p) => p.step === 'attach-vf').map((p) => p.on), ['destination', 'destination']);
    assert.equal(matrixCells(plan).length, faultKinds.length * steps.length * 2);
  });

  void it('another plan gives its own points, with no code change', async () => {
    const plan = (await shippedPlan('detach-first')).resolved;
    const steps = [...new Set(matrixPoints(plan).map((p) => p.step))];
    assert.ok(steps.length > 0);
    assert.deepEqual(new Set(matrixCells(plan).map((c) => c.at.step)), new Set(steps));
  });

  void it('--cells keeps the cells whose id contains one of the words', async () => {
    const plan = (await shippedPlan('sriov-live-migration')).resolved;
    assert.deepEqual(matrixCells(plan, ['host-worker-killed@after:migrate', 'temporal-killed@before:detach-vf']).map((c) => c.id), [
      'host-worker-killed@after:migrate',
      'temporal-killed@before:detach-vf',
    ]);
    assert.equal(matrixCells(plan, ['@after:migrate']).length, faultKinds.length);
    assert.deepEqual(matrixCells(plan, ['no-such-cell']), []);
  });
});
