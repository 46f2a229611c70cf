import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { evacuateHost } from '../../src/client/evacuate-host.js';
import { evacuationReport } from '../../src/client/evacuation-result.js';
import { queryProgress } from '../../src/client/migration-result.js';
import { startMigration, type StartedMigration } from '../../src/client/start-migration.js';
import { InputError } from '../../src/errors.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const checkout = path.resolve(import.meta.dirname, '../../..');
const rulesFile = path.join(checkout, 'deploy/prometheus/vfmigrate-alerts.yml');
const job = 'vfmigrate-model-fleet';
const plan = 'sriov-live-migration';

/**
 * What an operator's Prometheus sees: `vfmigrate worker --control --model FLEET --metrics ADDR` as its own
 * process (the runtime, and so the exporter, is one per process), scraped every second by a real
 * Prometheus (Debian's) that also evaluates the shipped alert rules, while migrations, a cancel and an
 * evacuation run on the real Temporal dev server. Every assertion is a query to Prometheus's HTTP API.
 */
void describe('Prometheus scrapes the workers during real runs', () => {
  let temporal: TestTemporal;
  let dir: string;
  let prefix: string;
  let worker: ResultPromise<{ reject: false; forceKillAfterDelay: false }> | null = null;
  let prometheus: ResultPromise<{ reject: false }> | null = null;
  let prometheusUrl = '';
  let metricsAddress = '';
  let workerOutput = '';

  before(async () => {
    await execa('prometheus', ['--version']).catch((err: unknown) => assert.fail(`this test runs Debian's prometheus (apt-get install prometheus; scripts/setup.sh does): ${String(err)}`));
    temporal = await testTemporal();
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-metrics-'));
    prefix = `mx${Date.now()}`;
    const fleet = path.join(dir, 'fleet.yaml');
    // One VF on mx-b: full once mx-vm1 arrives (the pool alert). mx-e's migration is cancelled mid-way.
    await writeFile(
      fleet,
      [
        'apiVersion: vfmigrate/v1',
        'kind: ModelFleet',
        'spec:',
        '  migrationTime: 4s',
        '  hosts:',
        '    - { name: mx-a, vfs: 1, vms: [{ name: mx-vm1 }] }',
        '    - { name: mx-b, vfs: 1 }',
        '    - { name: mx-c, vfs: 1, vms: [{ name: mx-vm2 }] }',
        '    - { name: mx-d, vfs: 2 }',
        '    - { name: mx-e, vfs: 1, vms: [{ name: mx-vm3 }] }',
        '    - { name: mx-f, vfs: 1 }',
        '',
      ].join('\n'),
    );
    metricsAddress = `127.0.0.1:${await freePort('127.0.0.1')}`;
    worker = execa(process.execPath, [path.join(checkout, 'bin/vfmigrate.js'), 'worker', '--control', '--model', fleet, '--metrics', metricsAddress], {
      cwd: dir,
      reject: false,
      forceKillAfterDelay: false,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, VFMIGRATE_QUEUE_PREFIX: prefix },
    });
    worker.stdout.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    await waitFor('the worker polling', () => workerOutput.includes('workers polling') || (worker?.exitCode !== null && worker?.exitCode !== undefined ? assert.fail(workerOutput) : false), 120_000);
    assert.match(workerOutput, new RegExp(`metrics: http://${metricsAddress.replace(/\./g, '\\.')}/metrics`));

    const config = path.join(dir, 'prometheus.yml');
    await writeFile(
      config,
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [rulesFile],
        scrape_configs: [{ job_name: job, static_configs: [{ targets: [metricsAddress] }] }],
      }),
    );
    const port = await freePort('127.0.0.1');
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = execa('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      reject: false,
      cwd: dir,
    });
    await waitFor('Prometheus ready', async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, 60_000);
  });

  after(async () => {
    prometheus?.kill('SIGTERM');
    await prometheus;
    worker?.kill('SIGTERM');
    await worker;
    await rm(dir, { recursive: true, force: true });
    await temporal.close();
  });

  interface Sample {
    metric: Record<string, string>;
    value: [number, string];
  }

  async function query(expr: string): Promise<Sample[]> {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: Sample[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  }

  /** The single value `expr` has in Prometheus, or undefined while it has none. */
  async function valueOf(expr: string): Promise<number | undefined> {
    const result = await query(expr);
    assert.ok(result.length <= 1, `${expr} has ${result.length} series: ${JSON.stringify(result)}`);
    return result[0] ? Number(result[0].value[1]) : undefined;
  }

  /** Scrapes come every second: poll until Prometheus holds `expected` (the last value seen is in the error). */
  async function expectValue(expr: string, expected: number | ((v: number) => boolean), timeoutMs = 30_000): Promise<number> {
    let last: number | undefined;
    const ok = (v: number) => (typeof expected === 'number' ? v === expected : expected(v));
    try {
      return await waitFor(expr, async () => {
        last = await valueOf(expr);
        return last !== undefined && ok(last) ? last : undefined;
      }, timeoutMs);
    } catch {
      assert.fail(`Prometheus: ${expr} = ${last ?? '(no series)'}, expected ${typeof expected === 'number' ? expected : expected.toString()}`);
    }
  }

  function migrate(vm: string, from: string, to: string): Promise<StartedMigration> {
    return waitFor(`the migration of ${vm} started`, () =>
      startMigration(temporal.client, { vm, from, to, namespace: temporal.namespace, queuePrefix: prefix }).catch((err: unknown) => {
        // "workers polling" is printed as polling starts; the server sees the pollers a moment later.
        if (err instanceof InputError && err.message.includes('no worker is polling')) return undefined;
        throw err;
      }),
    );
  }

  const ours = `job="${job}"`;

  void it("serves the SDK's own metrics: the host workers' pollers and the target up", async () => {
    await expectValue(`up{${ours}}`, 1);
    for (const host of ['mx-a', 'mx-f']) {
      await expectValue(`sum(temporal_num_pollers{${ours}, poller_type="activity_task", task_queue="${prefix}-host-${host}"})`, (v) => v > 0);
    }
  });

  void it('a completed migration, a cancelled one and an evacuation, as Prometheus sees them', async () => {
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-a", state="attached"}`, 1);
    const [completed, cancelled] = await Promise.all([migrate('mx-vm1', 'mx-a', 'mx-b'), migrate('mx-vm3', 'mx-e', 'mx-f')]);
    await waitFor('the migrate step of mx-vm3 running on mx-e', async () => (await queryProgress(cancelled.handle)).migration !== null, 60_000);
    await cancelled.handle.cancel();
    await completed.handle.result();
    await assert.rejects(cancelled.handle.result());

    // mx-d is the only candidate, so where every VF ends is known.
    const evacuation = await evacuateHost(temporal.client, { host: 'mx-c', knownHosts: ['mx-c', 'mx-d'], namespace: temporal.namespace, queuePrefix: prefix });
    const report = await evacuationReport(evacuation.handle);
    assert.equal(report.outcome, 'completed', report.message);

    // Recorded by the workflows, on the control worker's queue, with the SDK's workflow labels.
    const [outcome] = await waitFor('the completed migrations counted', async () => {
      const r = await query(`vfmigrate_migrations_total{${ours}, outcome="Completed", plan="${plan}"}`);
      return r.length === 1 && r[0]!.value[1] === '2' ? r : undefined;
    });
    // The SDK's workflow meter adds its own labels, in its own spelling.
    assert.equal(outcome!.metric.workflowType, 'migrateVm');
    assert.equal(outcome!.metric.taskQueue, `${prefix}-control`);
    await expectValue(`vfmigrate_migrations_total{${ours}, outcome="Cancelled", plan="${plan}"}`, 1);
    await expectValue(`sum(vfmigrate_migrations_total{${ours}})`, 3);
    await expectValue(`vfmigrate_migration_duration_seconds_count{${ours}, outcome="Completed", plan="${plan}"}`, 2);
    await expectValue(`vfmigrate_migration_downtime_seconds_count{${ours}, plan="${plan}"}`, 2);
    // Seconds, not milliseconds: the model's migration takes 4 s.
    await expectValue(`vfmigrate_step_duration_seconds_count{${ours}, step="migrate", plan="${plan}", result="completed"}`, 2);
    await expectValue(`vfmigrate_step_duration_seconds_sum{${ours}, step="migrate", plan="${plan}", result="completed"} / 2`, (v) => v >= 3 && v < 600);
    await expectValue(`vfmigrate_step_duration_seconds_count{${ours}, step="migrate", plan="${plan}", result="cancelled"}`, 1);

    // Recorded by the source's host worker when the cancel aborted the job.
    const [abort] = await waitFor('the abort counted', async () => {
      const r = await query(`vfmigrate_convergence_actions_total{${ours}, action="abort"}`);
      return r.length === 1 ? r : undefined;
    });
    assert.deepEqual([abort!.metric.host, abort!.metric.activityType, abort!.value[1]], ['mx-e', 'migrate', '1']);

    // The pools after all that: mx-vm1 on mx-b (its only VF), mx-f's reservation given back, mx-vm2 on mx-d.
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-a", state="free"}`, 1);
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-b", state="attached"}`, 1);
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-b", state="free"}`, 0);
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-f", state="free"}`, 1);
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-f", state="reserved"}`, 0);
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-c", state="free"}`, 1);
    await expectValue(`vfmigrate_vf_pool_vfs{${ours}, host="mx-d", state="free"}`, 1);
    await expectValue(`sum(vfmigrate_vf_pool_vfs{${ours}, state="attached"})`, 3);

    // The evacuation: its migration was seen in flight (4 s, scraped every second), and it ended.
    await expectValue(`vfmigrate_evacuations_total{${ours}, outcome="completed"}`, 1);
    await expectValue(`max_over_time(vfmigrate_evacuation_vms_in_flight{${ours}, host="mx-c"}[10m])`, 1);
    await expectValue(`max_over_time(vfmigrate_evacuation_vms_left{${ours}, host="mx-c"}[10m])`, 1);
    await expectValue(`vfmigrate_evacuation_vms_left{${ours}, host="mx-c"}`, 0);
    await expectValue(`vfmigrate_evacuation_vms_failed{${ours}, host="mx-c"}`, 0);
  });

  void it('evaluates every shipped alert rule without error; the hosts with no VF left are pending as VfmigrateVfPoolExhausted', async () => {
    interface Rule {
      name: string;
      health: string;
      lastError?: string;
    }
    const rules = await waitFor('every rule evaluated', async () => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: Rule[] }[] } };
      const all = body.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health !== 'unknown') ? all : undefined;
    });
    assert.deepEqual(
      rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`),
      [],
    );
    assert.ok(rules.some((r) => r.name === 'VfmigrateVfPoolExhausted'));
    // mx-b holds mx-vm1 and mx-e kept mx-vm3, each on its only VF; mx-a and mx-c were full until their VM left.
    const expected = ['mx-b pending', 'mx-e pending'];
    let seen: string[] = [];
    await waitFor(`the pool alert pending for ${expected.join(', ')} only`, async () => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
      seen = body.data.alerts.filter((a) => a.labels.alertname === 'VfmigrateVfPoolExhausted').map((a) => `${a.labels.host} ${a.state}`).sort();
      return seen.join() === expected.join();
    }).catch(() => assert.deepEqual(seen, expected));
    assert.deepEqual(await query('ALERTS{alertname=~"VfmigrateWorkerDown|VfmigrateWorkerNotPolling|VfmigrateMigrationNeedsAttention|VfmigrateMigrationDegraded"}'), []);
  });
});
