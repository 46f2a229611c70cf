/**
 * What a tenant sees: live migrations of a real guest between the two testbed hosts, the default plan and
 * the detach-first plan interleaved (same guest, same moment, both directions, after one uncounted
 * warm-up), with the guest's own 10 ms network probe. Prints per plan the blackout (longest gap, time
 * without network = failover gap + VF-back gap, lost probes), libvirt's downtime, per-phase timings,
 * start (the client's checks and start request), orchestration overhead = the workflow run's duration −
 * time inside libvirt operations during it, and the platform floor.
 *   npm run bench:blackout            (root; BENCH_RUNS=N migrations per plan, default 4)
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { loadTemporalDevConfig } from '../src/config/temporal-dev.js';
import { activityRegistry } from '../src/activities/registry.js';
import { loadPlan } from '../src/plan/load.js';
import { defaultPlanName } from '../src/plan/plan-ref.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { measureMigration, type MeasuredMigration } from '../src/testbed/measured-migration.js';
import { guestHost, removeGuest, startGuest, testbedStatus, testbedUp, testbedDown, waitForProbeReady, type TestbedHost } from '../src/testbed/testbed.js';
import { startTestbedWorkers } from '../src/testbed/testbed-workers.js';
import { measureFloor, planRounds as roundsOf } from './floor.js';
import { median } from './stats.js';

const runs = Number(process.env.BENCH_RUNS ?? 4);
const plans = ['sriov-live-migration', 'detach-first'];
const VM = 'bench-vm';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const config = await loadTemporalDevConfig();
const server = await startDevServer(config, { headless: true, inMemory: true, freePorts: true, logFile: '/dev/null' });
const status = await testbedStatus().catch(() => []);
const startedTestbed = !(status.length === 2 && status.every((h) => h.up));
if (startedTestbed) await testbedUp();
const native = await NativeConnection.connect({ address: server.address });
const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace });
const workers = await startTestbedWorkers(native, server.namespace, 'bench');
try {
  await removeGuest(VM);
  await startGuest(VM, { host: 'hostA' });
  await waitForProbeReady(VM, 120_000);

  const results = new Map<string, MeasuredMigration[]>(plans.map((p) => [p, []]));
  let at: TestbedHost = (await guestHost(VM)) ?? 'hostA';

  async function migrateOnce(plan: string): Promise<MeasuredMigration> {
    const to: TestbedHost = at === 'hostA' ? 'hostB' : 'hostA';
    workers.calls.length = 0;
    const m = await measureMigration(client, { vm: VM, from: at, to, plan, namespace: server.namespace, queuePrefix: 'bench' }, workers.calls);
    if (m.report.outcome !== 'migrated') throw new Error(`${plan}: ${m.report.message}`);
    console.log(
      `${plan.padEnd(21)} ${at}→${to}  gap ${m.guest.overall.maxGapMs} ms (failover ${m.guest.failover?.maxGapMs ?? '?'}, VF back ${m.guest.vfReturn?.maxGapMs ?? '?'}), ` +
        `lost ${m.guest.overall.lost}, downtime ${m.report.downtimeMs} ms, start ${m.startMs} ms, run ${m.phases.totalMs} ms, overhead ${Math.round(m.overheadMs)} ms`,
    );
    at = to;
    return m;
  }

  // Not counted: the first run of fresh workers pays one-off costs (first workflow task of its type, connections).
  console.log('warm-up:');
  await migrateOnce(plans[0]!);
  for (let i = 0; i < runs; i++) {
    // Every other round the other plan goes first, so each plan migrates in both directions equally often.
    for (const plan of i % 2 === 0 ? plans : [...plans].reverse()) results.get(plan)!.push(await migrateOnce(plan));
  }

  /**
   * The tenant's blackout over the whole migration: the failover gap plus the VF-back gap (disjoint
   * windows). The longest single gap alone hides the difference between the plans on the testbed, where
   * both plans' longest gap is the same emulated NIC's link-up.
   */
  function withoutNetworkMs(m: MeasuredMigration): number | null {
    if (!m.guest.failover || !m.guest.vfReturn) return null;
    return m.guest.failover.maxGapMs + m.guest.vfReturn.maxGapMs;
  }

  const stat = (xs: (number | null | undefined)[]): string => {
    const v = xs.filter((x): x is number => typeof x === 'number');
    return v.length ? `${Math.round(median(v))} / ${Math.round(Math.max(...v))}` : 'n/a';
  };
  console.log(`\n${runs} migrations per plan, TCG guest (256 MiB), loopback hosts; figures are median / max`);
  console.log('plan                  | longest gap ms | without network ms | failover gap ms | VF-back gap ms | lost probes | libvirt downtime ms | detach ms | migrate ms | attach ms | start ms | run ms | overhead ms | overhead %');
  for (const [plan, ms] of results) {
    const cols = [
      stat(ms.map((m) => m.guest.overall.maxGapMs)),
      stat(ms.map(withoutNetworkMs)),
      stat(ms.map((m) => m.guest.failover?.maxGapMs)),
      stat(ms.map((m) => m.guest.vfReturn?.maxGapMs)),
      stat(ms.map((m) => m.guest.overall.lost)),
      stat(ms.map((m) => m.report.downtimeMs)),
      stat(ms.map((m) => m.phases.detachMs)),
      stat(ms.map((m) => m.phases.migrateMs)),
      stat(ms.map((m) => m.phases.attachMs)),
      stat(ms.map((m) => m.startMs)),
      stat(ms.map((m) => m.phases.totalMs)),
      stat(ms.map((m) => m.overheadMs)),
      stat(ms.map((m) => (100 * m.overheadMs) / m.phases.totalMs)),
    ];
    console.log(`${plan.padEnd(21)} | ${cols.join(' | ')}`);
  }
  const failover = (p: string) => median(results.get(p)!.map((m) => m.guest.failover?.maxGapMs ?? NaN));
  const without = (p: string) => median(results.get(p)!.map((m) => withoutNetworkMs(m) ?? NaN));
  console.log(`\nfailover gap, default / detach-first (median): ${(failover('sriov-live-migration') / failover('detach-first')).toFixed(2)}`);
  console.log(`time without network, default / detach-first (median): ${(without('sriov-live-migration') / without('detach-first')).toFixed(2)}`);

  // What the overhead is measured against: the same server, under the same load (the guest still runs),
  // needs this long (the run alone, like the overhead) for the default plan's sequential rounds with
  // nothing of vfmigrate in them.
  const defaultPlan = await loadPlan(defaultPlanName, activityRegistry);
  if (!defaultPlan.ok) throw new Error(defaultPlan.problems.join('\n'));
  const planRounds = roundsOf(defaultPlan.resolved);
  const floorTimes = (await measureFloor(native, client, server.namespace, planRounds, 20)).runMs;
  const defaultTotal = median(results.get('sriov-live-migration')!.map((m) => m.phases.totalMs));
  const defaultOverhead = median(results.get('sriov-live-migration')!.map((m) => m.overheadMs));
  console.log(
    `platform floor, ${planRounds} sequential no-op activities under the same load: median ${Math.round(median(floorTimes))} ms = ` +
      `${((100 * median(floorTimes)) / defaultTotal).toFixed(1)} % of the default plan's median run; its overhead / floor: ${(defaultOverhead / median(floorTimes)).toFixed(2)}`,
  );
} finally {
  // Also after a failure: a guest left running keeps a core busy for whatever runs next.
  await workers.stop();
  await native.close();
  await removeGuest(VM);
  if (startedTestbed) await testbedDown();
  await server.stop();
}
