import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { followMigration, migrationReport, queryProgress } from '../../src/client/migration-result.js';
import { progressChanges } from '../../src/cli/progress-lines.js';
import type { MigrationProgress } from '../../src/workflows/migration-types.js';
import { ModelHostNetwork } from '../../src/network/model-host-network.js';
import { DestinationHost, MigrationPhase, SourceHost, VmName } from '../../src/temporal/search-attributes.js';
import { opTrail } from '../support/assertions.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const mutating = ['setLinkState', 'detachInterface', 'attachPrimary', 'migrate'];

void describe('a migration on the real Temporal server (model hypervisors)', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('runs the default plan in order and leaves the VM on the destination with a VF and the standby down', async () => {
    const netA = new ModelHostNetwork('hostA');
    const env = await new ModelEnv(temporal, [
      { name: 'hostA', vfs: 2, vms: [{ name: 'vm-1' }], network: netA },
      { name: 'hostB', vfs: 2 },
    ]).start();
    try {
      const run = await env.migrate('vm-1', 'hostA', 'hostB');
      const report = await migrationReport(run.handle);

      assert.equal(report.outcome, 'migrated');
      assert.equal(report.message, 'vm-1 migrated hostA → hostB');
      assert.equal(env.fleet.whereIs('vm-1'), 'hostB');
      const vm = env.fleet.vm('vm-1');
      const primary = vm?.interfaces.find((i) => i.type === 'hostdev');
      const reserved = env.fleet.vfAddresses('hostB')[0];
      assert.equal(primary?.hostPciAddress, reserved, "the destination's own VF, not the source's PCI address");
      assert.equal(vm?.interfaces.find((i) => i.alias === 'ua-backup0')?.link, 'down');
      assert.deepEqual(opTrail(env, 'vm-1', mutating), [
        'hostA:setLinkState(up)',
        'hostA:detachInterface',
        'hostA:migrate',
        'hostB:attachPrimary',
        'hostB:setLinkState(down)',
      ]);
      assert.deepEqual(env.fleet.gaps('vm-1'), [], 'standby up before unplug: the guest always had a link');
      assert.equal(await env.services.get('hostA')?.vfs.bookingOf('vm-1'), null, 'source VF released');
      assert.equal((await env.services.get('hostB')?.vfs.bookingOf('vm-1'))?.booking.state, 'attached');
      const mac = vm?.interfaces[0]?.mac;
      // clear-vf-mac and add-fdb-entry run side by side; the FDB entry goes once the VM has left.
      assert.deepEqual(netA.log.slice(0, 2).sort(), [`addFdbEntry ${mac}`, `setVfMac hostA-pf0 vf 0 mac 00:00:00:00:00:00`]);
      assert.deepEqual(netA.log.slice(2), [`removeFdbEntry ${mac}`]);
      assert.ok(report.steps.every((s) => s.state === 'completed'), JSON.stringify(report.steps.map((s) => [s.id, s.state])));
    } finally {
      await env.shutdown();
    }
  });

  void it('followMigration shows every step to its end, the last ones included', async () => {
    const env = await new ModelEnv(temporal, [
      { name: 'hostA', vfs: 1, vms: [{ name: 'vm-f' }] },
      { name: 'hostB', vfs: 1 },
    ]).start();
    try {
      const run = await env.migrate('vm-f', 'hostA', 'hostB');
      let prev: MigrationProgress | null = null;
      const lines: string[] = [];
      // Polling far slower than the run: only the final call can show the last steps.
      const report = await followMigration(run.handle, (p) => {
        lines.push(...progressChanges(prev, p));
        prev = p;
      }, 60_000);
      assert.equal(report.outcome, 'migrated');
      assert.equal(prev, report, 'the last progress handed out is the report');
      for (const id of ['attach-vf', 'standby-down']) {
        assert.ok(lines.some((l) => l.includes(`✓ ${id} `)), `${id} shown completed:\n${lines.join('\n')}`);
      }
    } finally {
      await env.shutdown();
    }
  });

  void it('detach-first leaves the guest without a link between unplug and standby-up (the model sees the gap)', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-2' }] }, { name: 'hostB', vfs: 1 }], {
      latencyMs: { setLinkState: 30 },
    }).start();
    try {
      const report = await migrationReport((await env.migrate('vm-2', 'hostA', 'hostB', { plan: 'detach-first' })).handle);
      assert.equal(report.outcome, 'migrated');
      assert.deepEqual(opTrail(env, 'vm-2', ['setLinkState', 'detachInterface']).slice(0, 2), ['hostA:detachInterface', 'hostA:setLinkState(up)']);
      const gaps = env.fleet.gaps('vm-2');
      assert.equal(gaps.length, 1);
      assert.ok(gaps[0]! >= 25, `gap ${gaps[0]} ms should cover the standby-up latency`);
    } finally {
      await env.shutdown();
    }
  });

  void it('shows itself in the Temporal UI: search attributes, memo, summaries, current details, progress with bytes', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-3', memoryMiB: 1024 }] }, { name: 'hostB', vfs: 1 }], {
      migrationMs: 2000,
      progressTicks: 20,
    }).start();
    try {
      const run = await env.migrate('vm-3', 'hostA', 'hostB');
      const during = await waitFor('migration bytes in the progress query', async () => {
        const p = await queryProgress(run.handle);
        return p.migration && p.migration.dataProcessedBytes > 0 ? p : undefined;
      });
      assert.equal(during.phase, 'migrate');
      assert.equal(during.migration?.dataTotalBytes, 1024 * 1048576);
      assert.equal(during.steps.find((s) => s.id === 'migrate')?.state, 'running');
      assert.equal(during.steps.find((s) => s.id === 'detach-vf')?.state, 'completed');
      assert.equal(typeof during.steps.find((s) => s.id === 'detach-vf')?.durationMs, 'number');
      const running = await run.handle.describe();
      assert.equal(running.typedSearchAttributes.get(MigrationPhase), 'Migrating', 'the search attribute holds the coarse phase');
      const metadata = await run.handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.match(metadata.currentDetails ?? '', /Phase: \*\*migrate\*\*/);
      assert.match(metadata.currentDetails ?? '', /Migration: \d+% \(\d+ of 1024 MiB/);

      await migrationReport(run.handle);
      const done = await run.handle.describe();
      assert.equal(done.typedSearchAttributes.get(VmName), 'vm-3');
      assert.equal(done.typedSearchAttributes.get(SourceHost), 'hostA');
      assert.equal(done.typedSearchAttributes.get(DestinationHost), 'hostB');
      assert.equal(done.typedSearchAttributes.get(MigrationPhase), 'Completed');
      assert.equal(await done.staticSummary(), 'vm-3: hostA → hostB, plan sriov-live-migration v3');
      assert.match(String(done.memo?.planHash), /^[0-9a-f]{64}$/);
      const history = await run.handle.fetchHistory();
      const summaries = (history.events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => e.userMetadata?.summary?.data)
        .map((d) => (d ? (JSON.parse(Buffer.from(d).toString()) as string) : null));
      assert.ok(summaries.includes('detach-vf: detachVf on hostA'), summaries.join(' | '));
      assert.ok(summaries.includes('attach-vf: attachVf on hostB'));
    } finally {
      await env.shutdown();
    }
  });
});
