import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DestinationHost, MigrationPhase, SourceHost, VmName } from '../../src/temporal/search-attributes.js';
import { migrationStartOptions } from '../../src/workflows/migration-start.js';
import type { RunRequest } from '../../src/workflows/migration-types.js';
import { shippedPlan } from '../support/plans.js';

const attributes = [
  { key: VmName, value: 'vm-7' },
  { key: SourceHost, value: 'hostA' },
  { key: DestinationHost, value: 'hostB' },
  { key: MigrationPhase, value: 'Starting' },
];

/**
 * The options below are the ones startMigration() and the evacuation's startChild assembled by hand
 * before they shared one builder: a child's start is a command in the evacuation's history, so any
 * difference here would change what a running evacuation issues.
 */
void describe('a migration run is started the same way by a client and by an evacuation', () => {
  void it('from a client: the VM\'s id, the control queue, FAIL on a running id, the plan file in the memo and details', async () => {
    const plan = await shippedPlan('sriov-live-migration');
    const request: RunRequest = { vm: 'vm-7', source: 'hostA', destination: 'hostB', plan: plan.resolved, queuePrefix: 'vfmigrate' };
    assert.deepEqual(migrationStartOptions(request, { planFile: plan.file }), {
      taskQueue: 'vfmigrate-control',
      workflowId: 'migrate/vm-7',
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [request],
      typedSearchAttributes: attributes,
      memo: { planName: 'sriov-live-migration', planVersion: 3, planHash: plan.resolved.hash, planFile: plan.file },
      staticSummary: 'vm-7: hostA → hostB, plan sriov-live-migration v3',
      staticDetails: `Plan **sriov-live-migration** v3 (sha256 ${plan.resolved.hash.slice(0, 12)}) from ${plan.file}`,
    });
  });

  void it('from an evacuation: abandoned with its parent, the evacuation in the memo and the summary, no static details', async () => {
    const plan = await shippedPlan('detach-first');
    const request: RunRequest = { vm: 'vm-7', source: 'hostA', destination: 'hostB', plan: plan.resolved, queuePrefix: 'lab' };
    assert.deepEqual(migrationStartOptions(request, { evacuation: 'evacuate/hostA' }), {
      workflowId: 'migrate/vm-7',
      taskQueue: 'lab-control',
      args: [request],
      parentClosePolicy: 'ABANDON',
      cancellationType: 'ABANDON',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: attributes,
      memo: { planName: 'detach-first', planVersion: 2, planHash: plan.resolved.hash, evacuation: 'evacuate/hostA' },
      staticSummary: 'vm-7: hostA → hostB, plan detach-first v2 (evacuation of hostA)',
    });
  });

  void it('hands the run the request itself', async () => {
    const plan = await shippedPlan('sriov-live-migration');
    const request: RunRequest = { vm: 'vm-8', source: 'hostB', destination: 'hostA', plan: plan.resolved, queuePrefix: 'vfmigrate' };
    assert.equal(migrationStartOptions(request, { planFile: plan.file }).args[0], request);
    assert.equal(migrationStartOptions(request, { evacuation: 'evacuate/hostB' }).args[0], request);
  });
});

void describe('a migration whose plan is chosen by the VM\'s shape', () => {
  void it('from a client naming no plan: no plan in the request, the memo says the run chooses, and so do the summary and details', () => {
    const request = { vm: 'vm-7', source: 'hostA', destination: 'hostB', queuePrefix: 'vfmigrate' };
    assert.deepEqual(migrationStartOptions(request, { planByShape: true }), {
      taskQueue: 'vfmigrate-control',
      workflowId: 'migrate/vm-7',
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [request],
      typedSearchAttributes: attributes,
      memo: { planByShape: true },
      staticSummary: "vm-7: hostA → hostB, plan chosen by the VM's shape",
      staticDetails:
        "No plan named: the run chooses one by the VM's shape on the source (no VF: plain-live-migration; teamed: sriov-live-migration); its details say which and why.",
    });
  });

  void it('from an evacuation that chose it: the reason in the memo and the static details', async () => {
    const plan = await shippedPlan('plain-live-migration');
    const request: RunRequest = { vm: 'vm-7', source: 'hostA', destination: 'hostB', plan: plan.resolved, queuePrefix: 'lab' };
    const options = migrationStartOptions(request, { evacuation: 'evacuate/hostA', planChoice: 'no VF -> plain-live-migration' });
    assert.deepEqual(options.memo, { planName: 'plain-live-migration', planVersion: 1, planHash: plan.resolved.hash, evacuation: 'evacuate/hostA', planChoice: 'no VF -> plain-live-migration' });
    assert.equal(options.staticDetails, 'Plan chosen by the evacuation: no VF -> plain-live-migration');
    assert.equal(options.staticSummary, 'vm-7: hostA → hostB, plan plain-live-migration v1 (evacuation of hostA)');
  });
});
