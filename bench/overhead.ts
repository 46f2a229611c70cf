/**
 * Orchestration overhead of the default plan: 50 sequential and 50 concurrent migrations on the MODEL
 * hypervisors with zero-latency operations, against the real local Temporal dev server (in memory).
 * Every millisecond measured is Temporal + vfmigrate, since the model does no work. For scale, the same
 * server's floor: a workflow running as many sequential no-op activities as the plan has rounds.
 *   npm run bench:overhead   (goal: median <= 150 ms per migration)
 */
import { loadTemporalDevConfig } from '../src/config/temporal-dev.js';
import { migrationReport } from '../src/client/migration-result.js';
import { activityRegistry } from '../src/activities/registry.js';
import { loadPlan } from '../src/plan/load.js';
import { defaultPlanName } from '../src/plan/plan-ref.js';
import { flattenSteps } from '../src/plan/resolved.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { ModelEnv } from '../test/support/model-env.js';
import { testTemporal } from '../test/support/temporal.js';
import { measureFloor, planRounds as roundsOf } from './floor.js';
import { fmt, median, percentile } from './stats.js';
import { printTimeline } from './timeline.js';

const count = Number(process.env.BENCH_COUNT ?? 50);
const config = await loadTemporalDevConfig();
const server = await startDevServer(config, { headless: true, inMemory: true, freePorts: true, logFile: '/dev/null' });
process.env.VFMIGRATE_TEST_TEMPORAL_ADDRESS = server.address;
process.env.VFMIGRATE_TEST_TEMPORAL_NAMESPACE = server.namespace;
const temporal = await testTemporal();

// Loaded once, as a program starting many migrations would: the figures are per-migration orchestration.
const plan = await loadPlan(defaultPlanName, activityRegistry).then((p) => {
  if (!p.ok) throw new Error(p.problems.join('\n'));
  return p;
});

async function timed(env: ModelEnv, vm: string): Promise<number> {
  const t0 = performance.now();
  const run = await env.migrate(vm, 'hostA', 'hostB', { checkWorkers: false, plan });
  const report = await migrationReport(run.handle);
  if (report.outcome !== 'migrated') throw new Error(`${vm}: ${report.message}`);
  return performance.now() - t0;
}

async function round(label: string, concurrent: boolean): Promise<number> {
  const vms = Array.from({ length: count }, (_, i) => ({ name: `${label}-${i}`, memoryMiB: 1024 }));
  const env = await new ModelEnv(temporal, [
    { name: 'hostA', vfs: count, vms },
    { name: 'hostB', vfs: count },
  ]).start();
  try {
    await timed(env, vms[0]!.name); // warm-up: bundle caches, first workflow task, connections
    const rest = vms.slice(1).map((v) => v.name);
    const t0 = performance.now();
    const times = concurrent ? await Promise.all(rest.map((vm) => timed(env, vm))) : await sequential(env, rest);
    const wall = (performance.now() - t0) / 1000;
    if (process.env.BENCH_TIMELINE) await printTimeline(temporal.client, `migrate/${rest[rest.length - 1]}`);
    console.log(
      `${label.padEnd(10)} n=${times.length}  median ${fmt(median(times))}  p95 ${fmt(percentile(times, 95))}  max ${fmt(Math.max(...times))}  ` +
        `${(times.length / wall).toFixed(1)} migrations/s`,
    );
    return median(times);
  } finally {
    await env.shutdown();
  }
}

async function sequential(env: ModelEnv, vms: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const vm of vms) times.push(await timed(env, vm));
  return times;
}

const planRounds = roundsOf(plan.resolved);

async function floorRound(): Promise<number> {
  const times = (await measureFloor(temporal.nativeConnection, temporal.client, server.namespace, planRounds, count)).clientMs;
  console.log(`floor      n=${times.length}  median ${fmt(median(times))}  p95 ${fmt(percentile(times, 95))}  (${planRounds} sequential no-op activities, nothing else)`);
  return median(times);
}

console.log(`default plan (${flattenSteps(plan.resolved.steps).length} activities in ${planRounds} sequential rounds), model hypervisors with zero latency, dev server ${server.address}`);
const sequentialMedian = await round('sequential', false);
await round('concurrent', true);
const floorMedian = await floorRound();
console.log(`sequential median / floor: ${(sequentialMedian / floorMedian).toFixed(2)}`);
await temporal.close();
await server.stop();
