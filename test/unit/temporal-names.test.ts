import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compensationActivityId,
  evacuationWorkflowId,
  evacuationWorkflowType,
  migrationWorkflowId,
  migrationWorkflowType,
  repairScanWorkflowType,
  repairWorkflowId,
  repairWorkflowType,
} from '../../src/temporal/names.js';
import * as workflows from '../../src/workflows/index.js';
import { evacuationProgressQuery, migrationProgressQuery, migrationProgressSignal, pauseUpdate, repairProgressQuery, resumeUpdate } from '../../src/workflows/definitions.js';

/**
 * The wire names are a contract with every client (docs/api.md: the Temporal CLI and other SDKs send them
 * by name) and with recorded histories: a rename must fail here, not in production.
 */
void describe('message and id names clients depend on', () => {
  void it('queries, signals and updates keep their names', () => {
    assert.deepEqual(
      [migrationProgressQuery, migrationProgressSignal, evacuationProgressQuery, pauseUpdate, resumeUpdate].map((d) => [d.type, d.name]),
      [
        ['query', 'progress'],
        ['signal', 'migrationProgress'],
        ['query', 'progress'],
        ['update', 'pause'],
        ['update', 'resume'],
      ],
    );
  });

  void it('clients start the workflows by the names the worker registers them under', () => {
    assert.deepEqual(Object.keys(workflows).sort(), [evacuationWorkflowType, migrationWorkflowType, repairWorkflowType, repairScanWorkflowType].sort());
    assert.equal(workflows.migrateVm.name, migrationWorkflowType);
    assert.equal(workflows.evacuateHost.name, evacuationWorkflowType);
    assert.equal(workflows.repairVm.name, repairWorkflowType);
    assert.equal(workflows.findVmsToRepair.name, repairScanWorkflowType);
  });

  void it('one migration per VM, one evacuation per host, one compensation per step: ids derived from the name alone', () => {
    assert.equal(migrationWorkflowId('vm-7'), 'migrate/vm-7');
    assert.equal(evacuationWorkflowId('hostA'), 'evacuate/hostA');
    assert.equal(compensationActivityId('detach-vf'), 'detach-vf/compensate');
  });

  void it("a repair: one per VM, under an id of its own, answering the same `progress` query as the others", () => {
    assert.equal(repairWorkflowId('vm-7'), 'repair/vm-7');
    assert.deepEqual([repairProgressQuery.type, repairProgressQuery.name], ['query', 'progress']);
  });
});
