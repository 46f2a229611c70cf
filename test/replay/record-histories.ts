/**
 * Records real workflow histories for the replay tests: `npm run build && node lib/test/replay/record-histories.js`.
 * Only fixtures that do not exist yet are recorded. Never re-record an existing fixture to make a replay
 * test pass: a replay failure means the interpreter change needs a `patched()` guard. When a patch lands,
 * add a scenario under a new name so both the old and the new code path stay covered.
 */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import { migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { controlQueue, migrationWorkflowId } from '../../src/temporal/names.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import { InvalidOperationError } from '../../src/hypervisor/errors.js';
import { ModelEnv } from '../support/model-env.js';
import { planWith, quickForward } from '../support/plans.js';
import { testTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const dir = path.resolve(import.meta.dirname, '../../../test/fixtures/histories');
const temporal = await testTemporal();
const hosts = [
  { name: 'hostA', vfs: 2, vms: [{ name: 'vm-h' }, { name: 'vm-p', vf: false }] },
  { name: 'hostB', vfs: 2 },
];

async function record(name: string, scenario: (env: ModelEnv) => Promise<{ workflowId: string }>, options = {}): Promise<void> {
  const file = path.join(dir, `${name}.json`);
  if (await access(file).then(() => true, () => false)) return;
  const env = await new ModelEnv(temporal, hosts, options).start();
  try {
    const { workflowId } = await scenario(env);
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    await writeFile(file, historyToJSON(history));
    console.log(`recorded ${name}: ${history.events?.length} events`);
  } finally {
    await env.shutdown();
  }
}

const migrated = async (env: ModelEnv): Promise<{ workflowId: string }> => {
  const run = await env.migrate('vm-h', 'hostA', 'hostB');
  await migrationReport(run.handle);
  return run;
};
await record('migrated', migrated);
// After patch "fewer-search-attribute-upserts".
await record('migrated-fewer-upserts', migrated);
// Plan v2 (parallel switch-back) and patches "skip-steps-a-host-cannot-do", "coarse-migration-phase-attribute".
await record('migrated-plan-v2', migrated);
await record('rolled-back-at-detach', async (env) => {
  env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', mode: 'fail', error: (h) => new InvalidOperationError('injected', h) });
  const run = await env.migrate('vm-h', 'hostA', 'hostB');
  await migrationReport(run.handle);
  return run;
});
await record(
  'cancelled-during-migrate',
  async (env) => {
    const run = await env.migrate('vm-h', 'hostA', 'hostB');
    await waitFor('migration under way', async () => ((await queryProgress(run.handle)).migration?.dataProcessedBytes ?? 0) > 0);
    await run.handle.cancel();
    await migrationReport(run.handle);
    return run;
  },
  { migrationMs: 3000, progressTicks: 30 },
);
await record('rolled-back-at-detach-plan-v2', async (env) => {
  env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', mode: 'fail', error: (h) => new InvalidOperationError('injected', h) });
  const run = await env.migrate('vm-h', 'hostA', 'hostB');
  await migrationReport(run.handle);
  return run;
});
await record('degraded', async (env) => {
  env.fleet.injectFault({ host: 'hostB', op: 'attachPrimary', mode: 'fail', times: Infinity });
  const run = await env.migrate('vm-h', 'hostA', 'hostB', { plan: planWith('sriov-live-migration', { 'attach-vf': quickForward }) });
  await migrationReport(run.handle);
  return run;
});
// Patch "resolve-and-check-plan-in-run": started by plan name, as the Temporal CLI or another SDK would.
await record('migrated-plan-by-name', async (env) => {
  const workflowId = migrationWorkflowId('vm-h');
  const handle = await temporal.client.workflow.start('migrateVm', {
    args: [{ vm: 'vm-h', source: 'hostA', destination: 'hostB', plan: 'sriov-live-migration', queuePrefix: env.queuePrefix }],
    taskQueue: controlQueue(env.queuePrefix),
    workflowId,
  });
  await migrationReport(handle as WorkflowHandle<typeof migrateVm>);
  return { workflowId };
});
// Patch "choose-plan-by-vm-shape": no plan named; the run asks the source for the VM's shape and chooses.
for (const [name, vm] of [['migrated-plain-plan-by-shape', 'vm-p'], ['migrated-teamed-plan-by-shape', 'vm-h']] as const) {
  await record(name, async (env) => {
    const run = await env.migrate(vm, 'hostA', 'hostB', { plan: undefined });
    await migrationReport(run.handle);
    return run;
  });
}
await temporal.close();
