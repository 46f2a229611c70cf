import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { evacuationReport, queryEvacuation } from '../../src/client/evacuation-result.js';
import { migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { describeDeployment, promoteVersion, routeOnStartup } from '../../src/client/worker-deployment.js';
import { createControlWorker } from '../../src/workers/control-worker.js';
import { deploymentVersion } from '../../src/workers/deployment-version.js';
import { ModelEnv } from '../support/model-env.js';
import { policyFile } from '../support/policies.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

/** Who completed each workflow task of a run: the identity of the control worker that ran it. */
async function taskWorkers(handle: WorkflowHandle): Promise<{ identity: string; at: number }[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowTaskCompletedEventAttributes)
    .map((e) => ({ identity: e.workflowTaskCompletedEventAttributes?.identity ?? '', at: Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6) }));
}

async function versioningBehavior(handle: WorkflowHandle): Promise<string | undefined> {
  const behavior = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo?.behavior ?? 0;
  return proto.temporal.api.enums.v1.VersioningBehavior[behavior];
}

/**
 * Upgrading the control workers under Worker Deployment versioning (docs/operations.md "Upgrade"), on the
 * real dev server: version A runs, version B starts beside it and is promoted. The migration already under
 * way finishes on A's worker (pinned), a new one runs on B's, and the evacuation in flight moves to B.
 */
void describe('upgrading the control workers (Worker Deployment versioning, real Temporal)', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it("a control worker's version: the package's version and a hash of the workflow bundle, the same for the same code", async () => {
    const { version } = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };
    const ours = await deploymentVersion('vfmigrate');
    assert.equal(ours.deploymentName, 'vfmigrate');
    assert.match(ours.buildId, new RegExp(`^${version.replaceAll('.', '\\.')}-[0-9a-f]{12}$`));
    assert.deepEqual(await deploymentVersion('vfmigrate'), ours);
  });

  void it('pins a running migration to its version, starts new ones on the promoted one, and moves the evacuation', async () => {
    const env = new ModelEnv(
      temporal,
      [
        { name: 'hostA', vfs: 2, vms: [{ name: 'up-1' }, { name: 'up-2' }] },
        { name: 'hostB', vfs: 2 },
        { name: 'hostC', vfs: 3, vms: [1, 2, 3].map((i) => ({ name: `ue-${i}`, memoryMiB: 1024 * i })) },
        { name: 'hostD', vfs: 3 },
      ],
      // The two under way at the upgrade outlast starting and promoting B (seconds on a busy machine); the rest are quick.
      { migrationMsFor: (vm) => (vm === 'up-1' || vm === 'ue-1' ? 20_000 : 1500), progressTicks: 40 },
    );
    const deploymentName = `vfm-${env.queuePrefix}`;
    const versionA: WorkerDeploymentVersion = { deploymentName, buildId: '0.1.0-aaaaaaaaaaaa' };
    const versionB: WorkerDeploymentVersion = { deploymentName, buildId: '0.1.0-bbbbbbbbbbbb' };
    const control: { worker: Worker; done: Promise<void> }[] = [];
    const startControl = async (deployment: WorkerDeploymentVersion, identity: string): Promise<void> => {
      const worker = await createControlWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, queuePrefix: env.queuePrefix, deployment, identity });
      control.push({ worker, done: worker.run() });
    };
    try {
      for (const host of ['hostA', 'hostB', 'hostC', 'hostD']) await env.startHost(host);
      await startControl(versionA, 'control-A');
      assert.equal(await routeOnStartup(temporal.client, temporal.namespace, versionA), `deployment ${deploymentName}: version ${versionA.buildId} is current (the deployment's first)`);
      await env.pollersVisible(['hostA', 'hostB', 'hostC', 'hostD']);

      const first = await env.migrate('up-1', 'hostA', 'hostB');
      const evacuation = await env.evacuate('hostC', { policyFile: await policyFile({ maxOutgoingPerSource: 1, order: 'name', destinations: { include: ['hostD'], exclude: [] } }) });
      await waitFor('the first migration under way', async () => ((await queryProgress(first.handle)).migration?.dataProcessedBytes ?? 0) > 0);
      await waitFor('the evacuation migrating its first VM', async () => (await queryEvacuation(evacuation.handle)).counts.migrating === 1);

      await startControl(versionB, 'control-B');
      assert.equal(
        await routeOnStartup(temporal.client, temporal.namespace, versionB),
        `deployment ${deploymentName}: version ${versionB.buildId} is running beside current version ${versionA.buildId}; new runs stay on ${versionA.buildId} until \`vfmigrate deployment promote\``,
        'a new version waits for the operator',
      );
      assert.equal(await promoteVersion(temporal.client, temporal.namespace, versionB), versionA.buildId, 'A was current');
      const promotedAt = Date.now();
      const state = await describeDeployment(temporal.client, temporal.namespace, deploymentName);
      assert.equal(state?.current, versionB.buildId);
      assert.deepEqual(state.versions.map((v) => v.buildId).sort(), [versionA.buildId, versionB.buildId]);
      assert.equal(state.versions.find((v) => v.buildId === versionB.buildId)?.status, 'current');
      assert.ok(((await queryProgress(first.handle)).migration?.dataProcessedBytes ?? 0) > 0 && (await first.handle.describe()).status.name === 'RUNNING', 'the first migration is still running');

      const second = await env.migrate('up-2', 'hostA', 'hostB');
      const [r1, r2, evacuated] = await Promise.all([migrationReport(first.handle), migrationReport(second.handle), evacuationReport(evacuation.handle)]);
      assert.equal(r1.outcome, 'migrated', r1.message);
      assert.equal(r2.outcome, 'migrated', r2.message);
      assert.equal(evacuated.outcome, 'completed', evacuated.message);
      assert.equal(evacuated.counts.migrated, 3);

      const firstTasks = await taskWorkers(first.handle);
      assert.deepEqual([...new Set(firstTasks.map((t) => t.identity))], ['control-A'], 'the first migration ran on A only');
      assert.ok(firstTasks.some((t) => t.at > promotedAt), 'it still had steps to run after B became current');
      assert.equal(await versioningBehavior(first.handle), 'VERSIONING_BEHAVIOR_PINNED');
      assert.deepEqual([...new Set((await taskWorkers(second.handle)).map((t) => t.identity))], ['control-B'], 'the new migration ran on B only');

      const evacuationTasks = (await taskWorkers(evacuation.handle)).map((t) => t.identity.slice(-1)).join('');
      assert.match(evacuationTasks, /^A+B+$/, `the evacuation moved from A to B once, and stayed (${evacuationTasks})`);
      assert.equal(await versioningBehavior(evacuation.handle), 'VERSIONING_BEHAVIOR_AUTO_UPGRADE');
      const children = await Promise.all(['ue-1', 'ue-2', 'ue-3'].map(async (vm) => [...new Set((await taskWorkers(temporal.client.workflow.getHandle(`migrate/${vm}`))).map((t) => t.identity))]));
      assert.deepEqual(children[0], ['control-A'], 'the child under way at the upgrade finished on A');
      assert.deepEqual(children[2], ['control-B'], 'a child started after it runs on B');
      for (const c of children) assert.equal(c.length, 1, `a child migration never changes version: ${c.join(', ')}`);
    } finally {
      await env.shutdown();
      for (const c of control) c.worker.shutdown();
      await Promise.all(control.map((c) => c.done));
    }
  });
});
