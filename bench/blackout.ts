/**
 * What a tenant sees: live migrations of a real guest between the two testbed hosts, the default plan and
 * the detach-first plan interleaved (side by side, same guest, same moment), with the guest's own 10 ms
 * network probe. Prints per plan the blackout (longest gap, lost probes, split by cause), libvirt's
 * downtime, per-phase timings, and orchestration overhead = run duration − time inside libvirt operations.
 *   npm run bench:blackout            (root; BENCH_RUNS=N migrations per plan, default 4)
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { loadTemporalDevConfig } from '../src/config/temporal-dev.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { measureMigration, type MeasuredMigration } from '../src/testbed/measured-migration.js';
import { guestHost, removeGuest, startGuest, testbedStatus, testbedUp, testbedDown, waitForProbeReady, type TestbedHost } from '../src/testbed/testbed.js';
import { startTestbedWorkers } from '../src/testbed/testbed-workers.js';
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
await removeGuest(VM);
await startGuest(VM, { host: 'hostA' });
await waitForProbeReady(VM, 120_000);

const results = new Map<string, MeasuredMigration[]>(plans.map((p) => [p, []]));
let at: TestbedHost = (await guestHost(VM)) ?? 'hostA';
for (let i = 0; i < runs; i++) {
  for (const plan of plans) {
    const to: TestbedHost = at === 'hostA' ? 'hostB' : 'hostA';
    workers.calls.length = 0;
    const m = await measureMigration(client, { vm: VM, from: at, to, plan, namespace: server.namespace, queuePrefix: 'bench' }, workers.calls);
    if (m.report.outcome !== 'migrated') throw new Error(`${plan}: ${m.report.message}`);
    results.get(plan)!.push(m);
    console.log(
      `${plan.padEnd(21)} ${at}→${to}  gap ${m.guest.overall.maxGapMs} ms (failover ${m.guest.failover?.maxGapMs ?? '?'}, VF back ${m.guest.vfReturn?.maxGapMs ?? '?'}), ` +
        `lost ${m.guest.overall.lost}, downtime ${m.report.downtimeMs} ms, total ${m.phases.totalMs} ms, overhead ${Math.round(m.overheadMs)} ms`,
    );
    at = to;
  }
}

const stat = (xs: (number | null | undefined)[]): string => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? `${Math.round(median(v))} / ${Math.round(Math.max(...v))}` : 'n/a';
};
console.log(`\n${runs} migrations per plan, TCG guest (256 MiB), loopback hosts; figures are median / max`);
console.log('plan                  | blackout ms | failover gap ms | VF-back gap ms | lost probes | libvirt downtime ms | detach ms | migrate ms | attach ms | total ms | overhead ms | overhead %');
for (const [plan, ms] of results) {
  const cols = [
    stat(ms.map((m) => m.guest.overall.maxGapMs)),
    stat(ms.map((m) => m.guest.failover?.maxGapMs)),
    stat(ms.map((m) => m.guest.vfReturn?.maxGapMs)),
    stat(ms.map((m) => m.guest.overall.lost)),
    stat(ms.map((m) => m.report.downtimeMs)),
    stat(ms.map((m) => m.phases.detachMs)),
    stat(ms.map((m) => m.phases.migrateMs)),
    stat(ms.map((m) => m.phases.attachMs)),
    stat(ms.map((m) => m.phases.totalMs)),
    stat(ms.map((m) => m.overheadMs)),
    stat(ms.map((m) => (100 * m.overheadMs) / m.phases.totalMs)),
  ];
  console.log(`${plan.padEnd(21)} | ${cols.join(' | ')}`);
}
const failover = (p: string) => median(results.get(p)!.map((m) => m.guest.failover?.maxGapMs ?? NaN));
console.log(`\nfailover gap, default / detach-first (median): ${(failover('sriov-live-migration') / failover('detach-first')).toFixed(2)}`);

await workers.stop();
await native.close();
await removeGuest(VM);
if (startedTestbed) await testbedDown();
await server.stop();
