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
import { evacuationReport, queryEvacuation } from '../../src/client/evacuation-result.js';
import { migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { controlQueue, migrationWorkflowId } from '../../src/temporal/names.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import { InvalidOperationError } from '../../src/hypervisor/errors.js';
import { pauseUpdate, resumeUpdate } from '../../src/workflows/definitions.js';
import { ModelEnv, type ModelHostSpec } from '../support/model-env.js';
import { planWith, quickForward } from '../support/plans.js';
import { policyFile } from '../support/policies.js';
import { testTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const dir = path.resolve(import.meta.dirname, '../../../test/fixtures/histories');
const temporal = await testTemporal();
const hosts = [
  { name: 'hostA', vfs: 2, vms: [{ name: 'vm-h' }, { name: 'vm-p', vf: false }] },
  { name: 'hostB', vfs: 2 },
];

/** `runId` picks one run of a chain (a run that continued as new); without it, the latest run. */
type Recorded = { workflowId: string; runId?: string };

async function record(name: string, scenario: (env: ModelEnv) => Promise<Recorded>, options = {}, fleet: ModelHostSpec[] = hosts): Promise<void> {
  const file = path.join(dir, `${name}.json`);
  if (await access(file).then(() => true, () => false)) return;
  const env = await new ModelEnv(temporal, fleet, options).start();
  try {
    const { workflowId, runId } = await scenario(env);
    const history = await temporal.client.workflow.getHandle(workflowId, runId).fetchHistory();
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

// evacuateHost: a small fleet, one scenario per path through the run (drain, failed child, pause and
// resume, cancel, continue-as-new). The children's own histories are migrateVm's, covered above.
const evacuationFleet: ModelHostSpec[] = [
  { name: 'hostA', vfs: 4, vms: [1, 2, 3, 4].map((i) => ({ name: `e-${i}`, memoryMiB: 1024 * i })) },
  { name: 'hostB', vfs: 3 },
  { name: 'hostC', vfs: 3 },
];
const evacuation = (name: string, scenario: (env: ModelEnv) => Promise<Recorded>, options = {}): Promise<void> => record(name, scenario, options, evacuationFleet);
/** Waits for the end; an incomplete or cancelled evacuation ends in a failure, which is the history we want. */
const evacuated = async (run: { workflowId: string; handle: Parameters<typeof evacuationReport>[0] }): Promise<Recorded> => {
  await evacuationReport(run.handle).catch(() => undefined);
  return { workflowId: run.workflowId };
};

await evacuation('evacuation-completed', async (env) => evacuated(await env.evacuate('hostA')), { migrationMs: 200 });
await evacuation(
  'evacuation-failed-child',
  async (env) => {
    env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', mode: 'fail', vm: 'e-2', error: (h) => new InvalidOperationError('injected: e-2 refuses to unplug', h) });
    return evacuated(await env.evacuate('hostA', { policyFile: await policyFile({ order: 'name' }) }));
  },
  { migrationMs: 200 },
);
await evacuation(
  'evacuation-paused-resumed',
  async (env) => {
    const run = await env.evacuate('hostA', { policyFile: await policyFile({ maxOutgoingPerSource: 1 }) });
    await waitFor('one migrating', async () => (await queryEvacuation(run.handle)).counts.migrating === 1);
    await run.handle.executeUpdate(pauseUpdate);
    await waitFor('in-flight finished', async () => (await queryEvacuation(run.handle)).counts.migrating === 0);
    await run.handle.executeUpdate(resumeUpdate);
    return evacuated(run);
  },
  { migrationMs: 600 },
);
await evacuation(
  'evacuation-cancelled',
  async (env) => {
    const run = await env.evacuate('hostA');
    await waitFor('two migrating', async () => (await queryEvacuation(run.handle)).counts.migrating === 2);
    await run.handle.cancel();
    return evacuated(run);
  },
  { migrationMs: 1500, progressTicks: 15 },
);
// The first run of the chain: it ends by continuing as new, carrying its state.
await evacuation('evacuation-continued-as-new', async (env) => {
  const run = await env.evacuate('hostA', { historyLimit: 60 });
  const report = await evacuationReport(run.handle);
  if (report.runs < 2) throw new Error(`expected a continue-as-new, ran in ${report.runs} run(s)`);
  return { workflowId: run.workflowId, runId: run.runId };
});
await temporal.close();
