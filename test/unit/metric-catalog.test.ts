import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { allMetrics, histogramBuckets } from '../../src/telemetry/metrics.js';

const operations = path.resolve(import.meta.dirname, '../../../docs/operations.md');

/** Labels the SDK's meter adds to every vfmigrate metric, and those Prometheus itself owns. */
const taken = ['namespace', 'taskQueue', 'workflowType', 'activityType', 'job', 'instance', 'le', 'quantile', 'service_name'];

/** The rows of docs/operations.md's metrics table: name, type and labels as written there. */
async function documented(): Promise<{ name: string; kind: string; labels: string[] }[]> {
  const text = await readFile(operations, 'utf8');
  const section = text.slice(text.indexOf('\n## Metrics\n'));
  assert.ok(section.length > 20, 'docs/operations.md has no "## Metrics" section');
  return [...section.matchAll(/^\| `(vfmigrate_[a-z_]+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => ({
    name: m[1]!,
    kind: m[2]!,
    labels: [...m[3]!.matchAll(/`([^`]+)`/g)].map((l) => l[1]!),
  }));
}

void describe("vfmigrate's metrics: one catalogue (src/telemetry/metrics.ts), named by Prometheus's conventions, documented", () => {
  void it('names: vfmigrate_ prefix, snake case, _total for counters only, base unit _seconds for histograms', () => {
    assert.ok(allMetrics.length >= 10);
    for (const m of allMetrics) {
      assert.match(m.name, /^vfmigrate_[a-z][a-z0-9_]*[a-z0-9]$/, m.name);
      assert.equal(m.name.endsWith('_total'), m.kind === 'counter', `${m.name}: _total is for counters, and every counter ends with it`);
      if (m.kind === 'histogram') assert.ok(m.name.endsWith('_seconds') && m.unit === 's', `${m.name}: a duration histogram in seconds`);
      assert.ok(m.help.length > 20, `${m.name} says what it counts`);
    }
    assert.equal(new Set(allMetrics.map((m) => m.name)).size, allMetrics.length, 'no name twice');
  });

  void it("labels: snake case, none the SDK's or Prometheus's own", () => {
    for (const m of allMetrics) {
      for (const label of m.labels) {
        assert.match(label, /^[a-z][a-z0-9_]*$/, `${m.name}: ${label}`);
        assert.ok(!taken.includes(label), `${m.name}: ${label} is added by the SDK or Prometheus`);
      }
    }
  });

  void it("histogram buckets for the exporter: every histogram's, rising", () => {
    const buckets = histogramBuckets();
    assert.deepEqual(Object.keys(buckets).sort(), allMetrics.filter((m) => m.kind === 'histogram').map((m) => m.name).sort());
    for (const [name, bounds] of Object.entries(buckets)) {
      assert.ok(bounds.length >= 5 && bounds.every((b, i) => b > 0 && (i === 0 || b > bounds[i - 1]!)), `${name}: ${bounds.join(', ')}`);
    }
  });

  void it('docs/operations.md lists every metric, with its type and labels, and no other', async () => {
    const rows = await documented();
    assert.deepEqual(
      rows.map((r) => `${r.name} ${r.kind} ${r.labels.join(',')}`).sort(),
      allMetrics.map((m) => `${m.name} ${m.kind} ${m.labels.join(',')}`).sort(),
    );
  });
});
