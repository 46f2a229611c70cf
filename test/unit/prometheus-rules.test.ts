import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { allMetrics } from '../../src/telemetry/metrics.js';

const rulesFile = path.resolve(import.meta.dirname, '../../../deploy/prometheus/vfmigrate-alerts.yml');

interface AlertRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The annotations Prometheus should render for `rule` on an alert with these labels and value. */
function rendered(rule: AlertRule, labels: Record<string, string>, value: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rule.annotations ?? {}).map(([k, text]) => [
      k,
      text.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '<no value>').replace(/\{\{\s*\$value\s*\}\}/g, String(value)),
    ]),
  );
}

const worker = { job: 'vfmigrate-host-workers', instance: 'hv1:9464' };
const control = { job: 'vfmigrate-control-workers', instance: 'ctl:9464' };
const series = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;

/**
 * For each alert: series as a worker would export them (minute by minute, `_` for no sample yet), when to
 * look, and which alerts (their labels beyond the rule's own, and value) must be firing then, and no other.
 */
const cases: { alert: string; why: string; input: { series: string; values: string }[]; at: string; firing: { labels: Record<string, string>; value: number }[] }[] = [
  {
    alert: 'VfmigrateMigrationNeedsAttention',
    why: "the first NeedsAttention of a worker's life: the series appears at 1",
    input: [{ series: series('vfmigrate_migrations_total', { ...control, outcome: 'NeedsAttention', plan: 'p1' }), values: '_x30 1x120' }],
    at: '40m',
    firing: [{ labels: { plan: 'p1' }, value: 1 }],
  },
  {
    alert: 'VfmigrateMigrationNeedsAttention',
    why: 'a later one (1 → 2) fires; an old one (an hour ago, no increase since) and Completed runs do not',
    input: [
      { series: series('vfmigrate_migrations_total', { ...control, outcome: 'NeedsAttention', plan: 'old' }), values: '1x150' },
      { series: series('vfmigrate_migrations_total', { ...control, outcome: 'NeedsAttention', plan: 'p2' }), values: '1x100 2x50' },
      { series: series('vfmigrate_migrations_total', { ...control, outcome: 'Completed', plan: 'p2' }), values: '1+1x150' },
    ],
    at: '120m',
    firing: [{ labels: { plan: 'p2' }, value: 1 }],
  },
  {
    alert: 'VfmigrateMigrationDegraded',
    why: 'a degraded run',
    input: [{ series: series('vfmigrate_migrations_total', { ...control, outcome: 'Degraded', plan: 'p1' }), values: '_x30 1x120' }],
    at: '40m',
    firing: [{ labels: { plan: 'p1' }, value: 1 }],
  },
  {
    alert: 'VfmigrateWorkerDown',
    why: 'a host worker not answering its scrapes for a minute and more',
    input: [
      { series: series('up', worker), values: '1 1 0 0 0 0' },
      { series: series('up', control), values: '1 1 1 1 1 1' },
      { series: series('up', { job: 'node', instance: 'hv1:9100' }), values: '0 0 0 0 0 0' },
    ],
    at: '5m',
    firing: [{ labels: worker, value: 0 }],
  },
  {
    alert: 'VfmigrateWorkerNotPolling',
    why: 'a worker that answers but has stopped polling its host queue',
    input: [
      { series: series('temporal_num_pollers', { ...worker, namespace: 'vfmigrate', poller_type: 'activity_task', task_queue: 'vfmigrate-host-hv1' }), values: '5 5 0 0 0 0' },
      { series: series('temporal_num_pollers', { ...control, namespace: 'vfmigrate', poller_type: 'workflow_task', task_queue: 'vfmigrate-control' }), values: '2 2 2 2 2 2' },
    ],
    at: '5m',
    firing: [{ labels: { ...worker, task_queue: 'vfmigrate-host-hv1' }, value: 0 }],
  },
  {
    alert: 'VfmigrateVfPoolExhausted',
    why: 'every VF of hv1 taken for 10 minutes; hv2 has none at all, hv3 has one free',
    input: [
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv1', state: 'free' }), values: '0x20' },
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv1', state: 'reserved' }), values: '1x20' },
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv1', state: 'attached' }), values: '3x20' },
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv2', state: 'free' }), values: '0x20' },
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv2', state: 'attached' }), values: '0x20' },
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv3', state: 'free' }), values: '1x20' },
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv3', state: 'attached' }), values: '3x20' },
    ],
    at: '15m',
    firing: [{ labels: { host: 'hv1' }, value: 0 }],
  },
  {
    alert: 'VfmigrateVfPoolExhausted',
    why: 'not before it has lasted 10 minutes',
    input: [
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv1', state: 'free' }), values: '0x20' },
      { series: series('vfmigrate_vf_pool_vfs', { ...worker, host: 'hv1', state: 'attached' }), values: '3x20' },
    ],
    at: '5m',
    firing: [],
  },
  {
    alert: 'VfmigrateVmsNeedRepair',
    why: 'hv1 reports two VMs to repair for 15 minutes and more; hv2 had one for 10 minutes (repaired since), hv3 none',
    input: [
      { series: series('vfmigrate_vms_needing_repair', { ...worker, host: 'hv1' }), values: '2x30' },
      { series: series('vfmigrate_vms_needing_repair', { ...worker, host: 'hv2' }), values: '0x10 1x10 0x10' },
      { series: series('vfmigrate_vms_needing_repair', { ...worker, host: 'hv3' }), values: '0x30' },
    ],
    at: '25m',
    firing: [{ labels: { host: 'hv1' }, value: 2 }],
  },
  {
    alert: 'VfmigrateVmsNeedRepair',
    why: 'not before it has lasted 15 minutes',
    input: [{ series: series('vfmigrate_vms_needing_repair', { ...worker, host: 'hv1' }), values: '0x10 1x20' }],
    at: '20m',
    firing: [],
  },
  {
    alert: 'VfmigrateEvacuationFailures',
    why: 'an evacuation with two failed VMs',
    input: [
      { series: series('vfmigrate_evacuation_vms_failed', { ...control, host: 'hv1', namespace: 'vfmigrate', taskQueue: 'vfmigrate-control', workflowType: 'evacuateHost' }), values: '0 0 2 2' },
      { series: series('vfmigrate_evacuation_vms_failed', { ...control, host: 'hv2', namespace: 'vfmigrate', taskQueue: 'vfmigrate-control', workflowType: 'evacuateHost' }), values: '0 0 0 0' },
    ],
    at: '3m',
    firing: [{ labels: { host: 'hv1' }, value: 2 }],
  },
];

void describe('the shipped alert rules (deploy/prometheus/vfmigrate-alerts.yml), by promtool', () => {
  let dir = '';
  let rules: AlertRule[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-rules-'));
    const doc = parse(await readFile(rulesFile, 'utf8')) as { groups: { rules: AlertRule[] }[] };
    rules = doc.groups.flatMap((g) => g.rules);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const promtool = (args: string[]) => execa('promtool', args, { reject: false, timeout: 60_000 }).catch((err: unknown) => assert.fail(`promtool (Debian package prometheus; scripts/setup.sh installs it) did not run: ${String(err)}`));

  void it('promtool check rules accepts the file, every rule of it', async () => {
    const r = await promtool(['check', 'rules', rulesFile]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  void it('every alert has a case below, and names only metrics that exist', () => {
    assert.deepEqual([...new Set(rules.map((r) => r.alert))].sort(), [...new Set(cases.map((c) => c.alert))].sort());
    const known = new Set(allMetrics.map((m) => m.name));
    for (const rule of rules) {
      for (const name of rule.expr.match(/\bvfmigrate_[a-z_]+/g) ?? []) assert.ok(known.has(name), `${rule.alert} queries ${name}, which src/telemetry/metrics.ts does not define`);
    }
  });

  void it('each alert fires on what it is for, with its annotations rendered, and not on what it is not for (promtool test rules)', async () => {
    const tests = cases.map((c) => {
      const rule = rules.find((r) => r.alert === c.alert)!;
      return {
        name: `${c.alert}: ${c.why}`,
        interval: '1m',
        input_series: c.input,
        alert_rule_test: [
          {
            eval_time: c.at,
            alertname: c.alert,
            exp_alerts: c.firing.map((f) => {
              const labels = { ...f.labels, ...rule.labels };
              return { exp_labels: labels, exp_annotations: rendered(rule, { ...labels, alertname: c.alert }, f.value) };
            }),
          },
        ],
      };
    });
    const file = path.join(dir, 'tests.yml');
    await writeFile(file, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
    const r = await promtool(['test', 'rules', file]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });
});
