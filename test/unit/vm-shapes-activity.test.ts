import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { vmShapeActivities } from '../../src/activities/vm-shapes.js';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { modelHostServices } from '../../src/workers/model-host-services.js';

void describe('describeVmShapes (the source host describes its VMs, read-only)', () => {
  const fleet = new ModelFleet();
  fleet.addHost('hostA', { vfs: 2 });
  fleet.addVm('hostA', { name: 'plain', vf: false, labels: { tier: 'gold' } });
  fleet.addVm('hostA', { name: 'teamed' });
  const { describeVmShapes } = vmShapeActivities(modelHostServices(fleet, 'hostA'));

  void it('answers per VM, in the order asked; a VM that is not there is an answer, not a failure', async () => {
    assert.deepEqual(await describeVmShapes(['teamed', 'gone', 'plain']), [
      { ok: true, shape: { vm: 'teamed', vfs: 1, teamedPairs: 1, standbys: 1, labels: {} } },
      { ok: false, vm: 'gone', type: 'VmNotFound', reason: 'VM gone is not defined on hostA' },
      { ok: true, shape: { vm: 'plain', vfs: 0, teamedPairs: 0, standbys: 0, labels: { tier: 'gold' } } },
    ]);
    assert.equal(fleet.count({ op: 'describeVm' }), 3);
    assert.equal(fleet.log.filter((r) => r.op !== 'describeVm').length, 0, 'nothing but reads');
  });

  void it('refuses a hostile or oversized input before asking libvirt anything', async () => {
    const before = fleet.log.length;
    for (const input of [['$(reboot)'], 'plain', [7], Array.from({ length: 201 }, (_, i) => `vm-${i}`)]) {
      const err = await describeVmShapes(input).catch((e: unknown) => e);
      assert.ok(err instanceof ApplicationFailure && err.type === 'InvalidInput' && err.nonRetryable, String(err));
    }
    assert.equal(fleet.log.length, before);
  });
});
