import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evacuationReport, followEvacuation, queryEvacuation } from '../../src/client/evacuation-result.js';
import type { EvacuationProgress } from '../../src/evacuation/evacuation-types.js';
import { migrationReport } from '../../src/client/migration-result.js';
import { InvalidOperationError } from '../../src/hypervisor/errors.js';
import { EvacuatedHost, EvacuationState } from '../../src/temporal/search-attributes.js';
import { pauseUpdate, resumeUpdate } from '../../src/workflows/definitions.js';
import { ModelEnv, type ModelHostSpec } from '../support/model-env.js';
import { policyFile } from '../support/policies.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const vms = (prefix: string, n: number, memoryMiB = 2048) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i + 1}`, memoryMiB }));

function failDetach(env: ModelEnv, vm: string): void {
  env.fleet.injectFault({ host: env.fleet.whereIs(vm)!, op: 'detachInterface', mode: 'fail', vm, error: (h) => new InvalidOperationError(`injected: ${vm} refuses to unplug`, h) });
}

/** Each VF of a host is held by at most one VM, and no host holds more VMs with VFs than it has VFs. */
function assertNoDoubleAllocation(env: ModelEnv, hosts: string[]): void {
  for (const host of hosts) {
    const held = [...env.fleet.state(host).vms.values()].flatMap((v) => v.interfaces.filter((i) => i.type === 'hostdev').map((i) => i.hostPciAddress));
    assert.equal(new Set(held).size, held.length, `${host}: a VF held twice: ${held.join(', ')}`);
    assert.ok(held.length <= env.fleet.vfAddresses(host).length);
  }
}

void describe('evacuating a host (real Temporal, model hypervisors)', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  const withEnv = (hosts: ModelHostSpec[], options: ConstructorParameters<typeof ModelEnv>[2], body: (env: ModelEnv) => Promise<void>): Promise<void> => ModelEnv.using(temporal, hosts, options, body);

  void it('drains a host within the limits: every VM migrated once, never more than 2 out or 2 into one host', () =>
    withEnv(
      [{ name: 'hostA', vfs: 6, vms: vms('a', 6) }, { name: 'hostB', vfs: 4 }, { name: 'hostC', vfs: 4 }],
      // Long enough for two migrations started together to overlap even when their earlier steps drift apart
      // (on the PostgreSQL cluster, 300 ms did not: "both outgoing slots were used" failed).
      { migrationMs: 1500 },
      async (env) => {
        const evac = await env.evacuate('hostA');
        const report = await evacuationReport(evac.handle);
        assert.equal(report.outcome, 'completed', report.message);
        assert.equal(report.counts.migrated, 6);
        assert.equal(env.fleet.state('hostA').vms.size, 0, 'hostA is empty');
        for (const v of vms('a', 6)) assert.equal(env.fleet.jobsStarted.get(v.name), 1);
        assert.ok((env.fleet.peak.out.get('hostA') ?? 0) <= 2, `peak out ${env.fleet.peak.out.get('hostA')}`);
        assert.equal(env.fleet.peak.out.get('hostA'), 2, 'both outgoing slots were used');
        for (const h of ['hostB', 'hostC']) assert.ok((env.fleet.peak.in.get(h) ?? 0) <= 2);
        assertNoDoubleAllocation(env, ['hostB', 'hostC']);
        assert.deepEqual(report.vms.map((v) => v.vm), ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6'], 'smallest-memory-first, then by name');
        assert.ok(report.vms.every((v) => v.state === 'migrated' && v.destination && typeof v.durationMs === 'number'));
        const described = await evac.handle.describe();
        assert.equal(described.typedSearchAttributes.get(EvacuatedHost), 'hostA');
        assert.equal(described.typedSearchAttributes.get(EvacuationState), 'completed');
        assert.match((await described.staticSummary()) ?? '', /^evacuate hostA: policy default \(2 at a time, plan sriov-live-migration v3\)$/);
      },
    ));

  void it('followEvacuation hands out the final report, every VM in its end state', () =>
    withEnv([{ name: 'hostA', vfs: 2, vms: vms('f', 2) }, { name: 'hostB', vfs: 2 }], { migrationMs: 100 }, async (env) => {
      const evac = await env.evacuate('hostA');
      let last: EvacuationProgress | null = null;
      // Polling far slower than the drain: only the final call can show the VMs migrated.
      const report = await followEvacuation(evac.handle, (p) => (last = p), 60_000);
      assert.equal(report.outcome, 'completed', report.message);
      assert.equal(last, report, 'the last progress handed out is the report');
      assert.deepEqual(report.vms.map((v) => v.state), ['migrated', 'migrated']);
    }));

  void it('places around a full destination, and reports what fits nowhere as unplaceable', () =>
    withEnv(
      [{ name: 'hostA', vfs: 5, vms: vms('f', 5) }, { name: 'hostB', vfs: 1 }, { name: 'hostC', vfs: 3 }],
      {},
      async (env) => {
        const report = await evacuationReport((await env.evacuate('hostA')).handle);
        assert.equal(report.outcome, 'incomplete');
        assert.equal(report.counts.migrated, 4);
        assert.equal(report.counts.unplaceable, 1);
        assert.equal(report.vms.filter((v) => v.destination === 'hostB' && v.state === 'migrated').length, 1);
        assert.equal(report.vms.filter((v) => v.destination === 'hostC' && v.state === 'migrated').length, 3);
        assert.match(report.vms.find((v) => v.state === 'unplaceable')?.message ?? '', /no destination has a free VF/);
        assertNoDoubleAllocation(env, ['hostB', 'hostC']);
      },
    ));

  void it('a VM that does not fit waits while an in-flight migration may free room, then takes it', () =>
    withEnv([{ name: 'hostA', vfs: 3, vms: vms('w', 3) }, { name: 'hostB', vfs: 2 }], { migrationMs: 300 }, async (env) => {
      failDetach(env, 'w-1');
      const report = await evacuationReport((await env.evacuate('hostA', { policyFile: await policyFile({ order: 'name' }) })).handle);
      assert.equal(report.counts.failed, 1);
      assert.equal(report.counts.migrated, 2, 'w-3 got the VF w-1 released');
      assert.equal(report.counts.unplaceable, 0);
      assert.equal(env.fleet.whereIs('w-1'), 'hostA', 'the failed one was compensated in place');
    }));

  void it('two evacuations into the same destinations never double-book a VF or exceed 2 incoming per host', () =>
    withEnv(
      [
        { name: 'hostA', vfs: 4, vms: vms('x', 4) },
        { name: 'hostB', vfs: 4, vms: vms('y', 4) },
        { name: 'hostC', vfs: 4 },
        { name: 'hostD', vfs: 4 },
      ],
      { migrationMs: 400 },
      async (env) => {
        const policy = await policyFile({ destinations: { include: ['hostC', 'hostD'], exclude: [] }, maxOutgoingPerSource: 4, maxParallel: 4 });
        const [a, b] = await Promise.all([env.evacuate('hostA', { policyFile: policy }), env.evacuate('hostB', { policyFile: policy })]);
        const [ra, rb] = await Promise.all([evacuationReport(a.handle), evacuationReport(b.handle)]);
        assert.equal(ra.outcome, 'completed', ra.message);
        assert.equal(rb.outcome, 'completed', rb.message);
        assertNoDoubleAllocation(env, ['hostC', 'hostD']);
        assert.equal(env.fleet.state('hostC').vms.size + env.fleet.state('hostD').vms.size, 8);
        for (const h of ['hostC', 'hostD']) assert.ok((env.fleet.peak.in.get(h) ?? 0) <= 2, `${h} peak incoming ${env.fleet.peak.in.get(h)}`);
      },
    ));

  for (const onFailure of ['continue', 'pause', 'stop'] as const) {
    void it(`a failed migration under onFailure: ${onFailure}`, () =>
      withEnv([{ name: 'hostA', vfs: 4, vms: vms(`o${onFailure[0]}`, 4) }, { name: 'hostB', vfs: 4 }], { migrationMs: 300 }, async (env) => {
        const p = `o${onFailure[0]}`;
        failDetach(env, `${p}-1`);
        const policy = await policyFile({ onFailure, order: 'name', maxOutgoingPerSource: 1 });
        const evac = await env.evacuate('hostA', { policyFile: policy });
        if (onFailure === 'pause') {
          const paused = await waitFor('paused after the failure', async () => {
            const p = await queryEvacuation(evac.handle);
            return p.state === 'paused' && p.counts.migrating === 0 ? p : undefined;
          });
          assert.equal(paused.counts.failed, 1);
          assert.equal(paused.counts.pending + paused.counts.waiting, 3, 'nothing new started while paused');
          await new Promise((r) => setTimeout(r, 700));
          assert.equal((await queryEvacuation(evac.handle)).counts.migrated, 0);
          const resumed = await evac.handle.executeUpdate(resumeUpdate);
          assert.equal(resumed.state, 'running');
        }
        const report = await evacuationReport(evac.handle);
        assert.equal(report.counts.failed, 1);
        if (onFailure === 'stop') {
          assert.equal(report.outcome, 'stopped');
          assert.equal(report.counts.migrated, 0);
          assert.equal(report.counts.pending + report.counts.waiting, 3, 'no migration started after the failure');
        } else {
          assert.equal(report.outcome, 'incomplete');
          assert.equal(report.counts.migrated, 3);
        }
      }));
  }

  void it('pause stops new migrations (in-flight ones finish), resume goes on', () =>
    withEnv([{ name: 'hostA', vfs: 4, vms: vms('p', 4) }, { name: 'hostB', vfs: 4 }], { migrationMs: 800 }, async (env) => {
      const evac = await env.evacuate('hostA', { policyFile: await policyFile({ maxOutgoingPerSource: 1 }) });
      await waitFor('one migrating', async () => (await queryEvacuation(evac.handle)).counts.migrating === 1);
      const atPause = await evac.handle.executeUpdate(pauseUpdate);
      assert.equal(atPause.state, 'paused');
      await waitFor('in-flight finished', async () => (await queryEvacuation(evac.handle)).counts.migrating === 0);
      await new Promise((r) => setTimeout(r, 1000));
      const paused = await queryEvacuation(evac.handle);
      assert.equal(paused.counts.migrated, 1, 'exactly the in-flight one finished');
      assert.equal(paused.counts.migrating, 0);
      assert.equal((await evac.handle.describe()).typedSearchAttributes.get(EvacuationState), 'paused');
      await evac.handle.executeUpdate(resumeUpdate);
      const report = await evacuationReport(evac.handle);
      assert.equal(report.outcome, 'completed');
      assert.equal(report.counts.migrated, 4);
    }));

  void it('cancel stops new migrations; the ones in flight finish, they are never killed', () =>
    withEnv([{ name: 'hostA', vfs: 6, vms: vms('c', 6) }, { name: 'hostB', vfs: 6 }], { migrationMs: 1500, progressTicks: 15 }, async (env) => {
      const evac = await env.evacuate('hostA');
      await waitFor('two migrating', async () => (await queryEvacuation(evac.handle)).counts.migrating === 2);
      const inFlight = (await queryEvacuation(evac.handle)).vms.filter((v) => v.state === 'migrating').map((v) => v.vm);
      await evac.handle.cancel();
      const report = await evacuationReport(evac.handle);
      assert.equal(report.outcome, 'cancelled');
      for (const vm of inFlight) {
        assert.equal(report.vms.find((v) => v.vm === vm)?.state, 'migrated', `${vm} finished its migration`);
        assert.equal((await temporal.client.workflow.getHandle(`migrate/${vm}`).describe()).status.name, 'COMPLETED');
      }
      assert.equal(report.counts.migrated, 2);
      assert.equal(report.counts.pending + report.counts.waiting, 4);
      assert.equal((await evac.handle.describe()).status.name, 'CANCELLED');
    }));

  void it('survives its worker being killed and restarted mid-way: each VM migrated exactly once', () =>
    withEnv([{ name: 'hostA', vfs: 6, vms: vms('k', 6) }, { name: 'hostB', vfs: 6 }], { migrationMs: 500 }, async (env) => {
      const evac = await env.evacuate('hostA');
      await waitFor('two migrated', async () => (await queryEvacuation(evac.handle)).counts.migrated >= 2);
      await env.stopControl();
      await new Promise((r) => setTimeout(r, 1000));
      await env.startControl();
      const report = await evacuationReport(evac.handle);
      assert.equal(report.outcome, 'completed', report.message);
      assert.equal(report.counts.migrated, 6);
      for (const v of vms('k', 6)) assert.equal(env.fleet.jobsStarted.get(v.name), 1, `${v.name} migrated once`);
      assert.equal(env.fleet.state('hostA').vms.size, 0);
    }));

  void it('skips a VM that is already being migrated by hand, and reports it', () =>
    withEnv([{ name: 'hostA', vfs: 3, vms: vms('h', 3) }, { name: 'hostB', vfs: 3 }, { name: 'hostC', vfs: 3 }], { migrationMs: 1500, progressTicks: 15 }, async (env) => {
      const manual = await env.migrate('h-1', 'hostA', 'hostC');
      await waitFor('manual migration running', () => env.fleet.jobsStarted.get('h-1') === 1);
      const report = await evacuationReport((await env.evacuate('hostA', { policyFile: await policyFile({ destinations: { include: ['hostB'], exclude: [] } }) })).handle);
      const h1 = report.vms.find((v) => v.vm === 'h-1');
      assert.equal(h1?.state, 'skipped');
      assert.match(h1?.message ?? '', /already being migrated by another run \(migrate\/h-1\); not migrated twice/);
      assert.equal(report.counts.migrated, 2);
      assert.equal((await migrationReport(manual.handle)).outcome, 'migrated');
      assert.equal(env.fleet.whereIs('h-1'), 'hostC');
      assert.equal(env.fleet.jobsStarted.get('h-1'), 1);
      assert.equal(await env.services.get('hostB')?.vfs.bookingOf('h-1'), null, 'the evacuation released what it booked for h-1');
    }));

  void it('continues as new to keep the history bounded, carrying its state', () =>
    withEnv([{ name: 'hostA', vfs: 10, vms: vms('n', 10) }, { name: 'hostB', vfs: 10 }], {}, async (env) => {
      const evac = await env.evacuate('hostA', { historyLimit: 60 });
      const report = await evacuationReport(evac.handle);
      assert.equal(report.outcome, 'completed', report.message);
      assert.equal(report.counts.migrated, 10);
      assert.ok(report.runs >= 3, `ran in ${report.runs} runs`);
      for (const v of vms('n', 10)) assert.equal(env.fleet.jobsStarted.get(v.name), 1);
    }));

  void it('reports a destination whose worker does not answer, and uses the others', () =>
    withEnv([{ name: 'hostA', vfs: 2, vms: vms('u', 2) }, { name: 'hostB', vfs: 2 }, { name: 'hostZ', vfs: 2 }], {}, async (env) => {
      await env.stopHost('hostZ');
      const report = await evacuationReport((await env.evacuate('hostA')).handle);
      assert.equal(report.outcome, 'completed');
      assert.deepEqual(report.unavailable.map((u) => u.host), ['hostZ']);
      assert.match(report.unavailable[0]?.reason ?? '', /no answer from its worker within 10s/);
      assert.ok(report.vms.every((v) => v.destination === 'hostB'));
    }));
});
