import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flattenSteps } from '../../src/plan/resolved.js';
import { cellPoints, faultKinds, matrixCells, matrixPoints, testbedCells } from '../support/fault-cells.js';
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

void describe('the testbed matrix cells: each fault before the pivot, while it runs, and after it', () => {
  void it('three cells per fault kind, placed around the default plan pivot', async () => {
    const plan = (await shippedPlan('sriov-live-migration')).resolved;
    const cells = testbedCells(plan);
    assert.equal(cells.length, faultKinds.length * 3);
    assert.equal(new Set(cells.map((c) => c.id)).size, cells.length, 'no cell twice');
    for (const fault of faultKinds) {
      const mine = cells.filter((c) => c.fault === fault).map((c) => `${c.at.point}:${c.at.step}`);
      assert.deepEqual(mine.slice(0, 2), ['before:migrate', 'during:migrate'], fault);
      assert.ok(['after:migrate', 'before:attach-vf', 'before:standby-down'].includes(mine[2]!), `${fault} after the pivot: ${mine[2]}`);
    }
    assert.deepEqual(cells.find((c) => c.id === 'destination-unreachable@before:attach-vf')?.at.on, 'destination');
    assert.deepEqual(cells.find((c) => c.id === 'host-worker-killed@during:migrate')?.at.on, 'source', 'the migrate job runs from the source');
  });

  void it('--cells picks testbed cells like model cells; a plan without a step after its pivot has none', async () => {
    const plan = (await shippedPlan('sriov-live-migration')).resolved;
    assert.deepEqual(testbedCells(plan, ['@during:']).map((c) => c.fault), [...faultKinds]);
    assert.deepEqual(testbedCells(plan, ['temporal-killed@before:migrate']).map((c) => c.id), ['temporal-killed@before:migrate']);
    const pivotLast = { ...plan, steps: flattenSteps(plan.steps).filter((s) => s.pivot) };
    assert.throws(() => testbedCells(pivotLast), /no step after a pivot/);
  });

  void it('the table rows follow the plan: before, during, after within a step', async () => {
    const plan = (await shippedPlan('sriov-live-migration')).resolved;
    assert.deepEqual(cellPoints(plan, testbedCells(plan)), ['before migrate', 'during migrate', 'after migrate', 'before attach-vf', 'before standby-down']);
    assert.deepEqual(cellPoints(plan, matrixCells(plan)), matrixPoints(plan).map((p) => `${p.point} ${p.step}`));
  });
});
