import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { movedDespiteFailureV1, whereAfterFailedPivot } from '../../src/domain/moved-despite-failure.js';

void describe('where is a VM whose migrate step failed?', () => {
  void it('running on the destination: moved, whether the source lists it paused, has no such domain, or does not answer', () => {
    assert.equal(whereAfterFailedPivot('paused', 'running'), 'moved');
    assert.equal(whereAfterFailedPivot(null, 'running'), 'moved');
    assert.equal(whereAfterFailedPivot(undefined, 'running'), 'moved');
  });

  void it('running on the source alone: stayed, whatever the destination holds (nothing, an incoming paused copy, silence)', () => {
    assert.equal(whereAfterFailedPivot('running', null), 'stayed');
    assert.equal(whereAfterFailedPivot('running', 'paused'), 'stayed');
    assert.equal(whereAfterFailedPivot('running', undefined), 'stayed');
  });

  void it('paused on the destination while the source does not answer or holds it paused: not settled yet (look again)', () => {
    assert.equal(whereAfterFailedPivot(undefined, 'paused'), 'unsure');
    assert.equal(whereAfterFailedPivot('paused', 'paused'), 'unsure');
    assert.equal(whereAfterFailedPivot(null, null), 'unsure');
  });

  void it('running on both would break libvirt protocol: unsure, so it ends in the rollback and its checks', () => {
    assert.equal(whereAfterFailedPivot('running', 'running'), 'unsure');
  });

  void it('the rule recorded runs keep (replay): one look, the source answering without the VM', () => {
    assert.equal(movedDespiteFailureV1('paused', 'running'), false);
    assert.equal(movedDespiteFailureV1(undefined, 'running'), false);
    assert.equal(movedDespiteFailureV1(null, 'running'), true);
    assert.equal(movedDespiteFailureV1(null, 'paused'), true);
  });
});
