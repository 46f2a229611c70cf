/**
 * Evacuation at fleet scale on the MODEL hypervisors and the real local Temporal dev server.
 *  1. A seeded fleet of 200 VMs over 20 hosts; one host is drained under the default policy limits with
 *     random per-VM migration durations, three times (fresh workers each, after a warm-up drain). Prints
 *     makespan / the lower bound the limits allow (and the median of the three), and the orchestration
 *     overhead per migration (child run time minus the model's migration time).
 *  2. One host holding 1000 VMs drained (continue-as-new exercised) by separate worker processes
 *     (`vfmigrate worker --control` and `vfmigrate worker --model FILE`): wall time, migrations per
 *     second, and the peak RSS of each worker process.
 *   npm run bench:evacuation          (BENCH_SKIP_LARGE=1 runs part 1 only)
 */
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { evacuateHost } from '../src/client/evacuate-host.js';
import { evacuationReport } from '../src/client/evacuation-result.js';
import { requireWorkers } from '../src/client/worker-check.js';
import { loadTemporalDevConfig } from '../src/config/temporal-dev.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { controlQueue, hostQueue } from '../src/temporal/names.js';
import { ModelEnv } from '../test/support/model-env.js';
import { policyFile } from '../test/support/policies.js';
import { testTemporal } from '../test/support/temporal.js';
import { waitFor } from '../test/support/wait.js';
import { median } from './stats.js';

const config = await loadTemporalDevConfig();
const server = await startDevServer(config, { headless: true, inMemory: true, freePorts: true, logFile: '/dev/null' });
process.env.VFMIGRATE_TEST_TEMPORAL_ADDRESS = server.address;
process.env.VFMIGRATE_TEST_TEMPORAL_NAMESPACE = server.namespace;
const temporal = await testTemporal();

/** mulberry32: a seeded generator, so every run drains the same fleet. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One drain of the seeded fleet, after a warm-up evacuation on the same workers; returns makespan / bound. */
async function makespanRun(repetition: number): Promise<number> {
  const rand = random(42);
  const hosts = Array.from({ length: 20 }, (_, h) => ({
    name: `host${String(h).padStart(2, '0')}`,
    vfs: 16,
    vms: Array.from({ length: 10 }, (_, i) => ({ name: `vm-${h}-${i}`, memoryMiB: 1024 * (1 + Math.floor(rand() * 8)) })),
  }));
  const durations = new Map(hosts.flatMap((h) => h.vms.map((v) => [v.name, Math.round(2000 + rand() * 6000)] as const)));
  // Two hosts outside the fleet take the warm-up drain, so the measured one starts on warm workers
  // (first workflow task of a type, connections) the way every drain after the first does.
  const warm = [
    { name: 'warm-a', vfs: 1, vms: [{ name: 'warm-vm', memoryMiB: 1024 }] },
    { name: 'warm-b', vfs: 1, vms: [] },
  ];
  const env = await new ModelEnv(temporal, [...hosts, ...warm], { migrationMsFor: (vm) => durations.get(vm) ?? 0, progressTicks: 4 }).start();
  try {
    await evacuationReport((await env.evacuate('warm-a', { policyFile: await policyFile({ destinations: { include: ['warm-b'], exclude: [] } }, 'warm-up') })).handle);
    const fleetOnly = await policyFile({ destinations: { include: [], exclude: warm.map((w) => w.name) } }, 'default-limits');
    const drained = hosts[0]!;
    const t0 = performance.now();
    const report = await evacuationReport((await env.evacuate(drained.name, { policyFile: fleetOnly })).handle);
    const makespan = performance.now() - t0;
    const d = drained.vms.map((v) => durations.get(v.name)!);
    const parallel = 2; // default policy: min(maxParallel 4, maxOutgoingPerSource 2)
    const bound = Math.max(d.reduce((a, b) => a + b, 0) / parallel, Math.max(...d));
    const overheads = report.vms.map((v) => (v.durationMs ?? 0) - durations.get(v.vm)!);
    if (repetition === 1) {
      console.log(`1. 200 VMs on 20 hosts (seed 42), drain ${drained.name} (${d.length} VMs, migrations ${Math.min(...d)}-${Math.max(...d)} ms), default policy limits: ${report.message}`);
    }
    console.log(
      `   run ${repetition}: makespan ${(makespan / 1000).toFixed(2)} s, lower bound ${(bound / 1000).toFixed(2)} s, ratio ${(makespan / bound).toFixed(3)}; ` +
        `overhead per migration median ${Math.round(median(overheads))} ms, max ${Math.round(Math.max(...overheads))} ms`,
    );
    return makespan / bound;
  } finally {
    await env.shutdown();
  }
}

async function makespanRuns(): Promise<void> {
  const ratios: number[] = [];
  for (let i = 1; i <= 3; i++) ratios.push(await makespanRun(i));
  console.log(`   median ratio of 3 runs: ${median(ratios).toFixed(3)} (goal <= 1.10)`);
}

function peakRssMiB(pid: number | undefined): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1] ?? 0) / 1024);
}

async function largeRun(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vfm-bench-'));
  const fleetFile = path.join(dir, 'fleet.yaml');
  const destinations = Array.from({ length: 10 }, (_, i) => ({ name: `dst${i}`, vfs: 120, memoryMiB: 1_000_000, vms: [] }));
  const source = { name: 'big', vfs: 1000, memoryMiB: 2_000_000, vms: Array.from({ length: 1000 }, (_, i) => ({ name: `vm-${String(i).padStart(4, '0')}`, memoryMiB: 1024 })) };
  await writeFile(fleetFile, stringify({ apiVersion: 'vfmigrate/v1', kind: 'ModelFleet', spec: { migrationTime: '1ms', hosts: [source, ...destinations] } }));
  const env = { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, VFMIGRATE_QUEUE_PREFIX: 'large' };
  const bin = path.resolve(import.meta.dirname, '../../bin/vfmigrate.js');
  const spawn = (args: string[]): ResultPromise => execa(process.execPath, [bin, 'worker', ...args], { env, stdout: 'ignore', stderr: 'ignore', reject: false });
  const control = spawn(['--control']);
  const hostsProc = spawn(['--model', fleetFile]);
  try {
    await waitFor('large-fleet workers polling', async () => {
      await requireWorkers(temporal.client, server.namespace, [
        { queue: controlQueue('large'), kind: 'workflow', hint: '' },
        ...['big', 'dst0', 'dst9'].map((h) => ({ queue: hostQueue('large', h), kind: 'activity' as const, hint: '' })),
      ]);
      return true;
    }, 60_000);
    const policy = await policyFile({ maxParallel: 8, maxOutgoingPerSource: 8, maxIncomingPerDestination: 2 }, 'large');
    const t0 = performance.now();
    const evac = await evacuateHost(temporal.client, { host: 'big', policyFile: policy, knownHosts: ['big', ...destinations.map((d) => d.name)], namespace: server.namespace, queuePrefix: 'large' });
    const report = await evacuationReport(evac.handle);
    const wall = (performance.now() - t0) / 1000;
    console.log(`2. drain 1 host holding 1000 VMs into 10 hosts (8 at a time, model migrations of 1 ms): ${report.message}`);
    console.log(`   wall ${wall.toFixed(1)} s, ${(report.counts.migrated / wall).toFixed(1)} migrations/s, ${report.runs} evacuation runs (continue-as-new)`);
    console.log(`   peak RSS: control worker ${(await peakRssMiB(control.pid)).toFixed(0)} MiB, model-fleet host workers ${(await peakRssMiB(hostsProc.pid)).toFixed(0)} MiB`);
  } finally {
    control.kill('SIGTERM');
    hostsProc.kill('SIGTERM');
    await Promise.all([control, hostsProc]);
  }
}

if (!process.env.BENCH_SKIP_SMALL) await makespanRuns();
if (!process.env.BENCH_SKIP_LARGE) await largeRun();
await temporal.close();
await server.stop();
