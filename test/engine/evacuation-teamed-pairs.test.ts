import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evacuationReport } from '../../src/client/evacuation-result.js';
import { migrationReport } from '../../src/client/migration-result.js';
import { InvalidOperationError } from '../../src/hypervisor/errors.js';
import { opTrail } from '../support/assertions.js';
import { ModelEnv, type ModelHostSpec } from '../support/model-env.js';
import { policyFile } from '../support/policies.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

/** The VFs each VM holds on `host`, by VM. */
function vfsHeld(env: ModelEnv, host: string): Record<string, number> {
  return Object.fromEntries([...env.fleet.state(host).vms.values()].map((v) => [v.name, v.interfaces.filter((i) => i.type === 'hostdev').length]));
}

/** An evacuation books a VF per teamed pair: a VM with two pairs is placed only where two are free (issue 10, section 2). */
void describe('evacuating VMs with several teamed pairs (real Temporal, model hypervisors)', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  const withEnv = (hosts: ModelHostSpec[], body: (env: ModelEnv) => Promise<void>): Promise<void> => ModelEnv.using(temporal, hosts, { migrationMs: 200 }, body);

  void it('a two-pair VM goes where two VFs are free, one-pair VMs fill the rest: the host drains completely', () =>
    withEnv(
      [
        {
          name: 'hostA',
          vfs: 4,
          vms: [
            // Smallest first, so it is placed first; `pack` offers it hostB (one free VF) before hostC.
            { name: 'two-1', memoryMiB: 1024, pairs: 2 },
            { name: 'one-1', memoryMiB: 2048 },
            { name: 'one-2', memoryMiB: 3072 },
          ],
        },
        { name: 'hostB', vfs: 1 },
        { name: 'hostC', vfs: 3 },
      ],
      async (env) => {
        const report = await evacuationReport((await env.evacuate('hostA', { policyFile: await policyFile({ placement: 'pack' }) })).handle);
        assert.equal(report.outcome, 'completed', report.message);
        assert.equal(env.fleet.state('hostA').vms.size, 0, 'hostA is empty');
        const two = report.vms.find((v) => v.vm === 'two-1');
        assert.deepEqual([two?.state, two?.destination, two?.pairs], ['migrated', 'hostC', 2]);
        assert.deepEqual(report.vms.filter((v) => v.vm !== 'two-1').map((v) => [v.vm, v.state, v.pairs]), [
          ['one-1', 'migrated', 1],
          ['one-2', 'migrated', 1],
        ]);
        for (const vm of ['two-1', 'one-1', 'one-2']) assert.equal(env.fleet.jobsStarted.get(vm), 1, `${vm} migrated once`);
        assert.equal((await migrationReport(temporal.client.workflow.getHandle('migrate/two-1'))).pairs?.length, 2);
        // Every destination VF held by exactly one pair, none left over and none booked twice.
        const held = { ...vfsHeld(env, 'hostB'), ...vfsHeld(env, 'hostC') };
        assert.deepEqual(held, { 'two-1': 2, 'one-1': 1, 'one-2': 1 });
        assert.deepEqual(Object.keys(vfsHeld(env, 'hostB')).length, 1);
        for (const host of ['hostB', 'hostC']) {
          const status = await env.services.get(host)!.vfs.status();
          assert.deepEqual([status.free, status.incoming], [0, 0], `${host}: every VF attached, nothing on its way`);
        }
      },
    ));

  void it('a two-pair VM where no destination has two free VFs is unplaceable, saying so, and never touched', () =>
    withEnv(
      [
        { name: 'hostA', vfs: 3, vms: [{ name: 'two-2', memoryMiB: 1024, pairs: 2 }, { name: 'one-3', memoryMiB: 2048 }] },
        { name: 'hostB', vfs: 1 },
        { name: 'hostC', vfs: 1 },
      ],
      async (env) => {
        const report = await evacuationReport((await env.evacuate('hostA')).handle);
        assert.equal(report.outcome, 'incomplete');
        const two = report.vms.find((v) => v.vm === 'two-2');
        assert.deepEqual([two?.state, two?.message], ['unplaceable', 'no destination has 2 free VFs (one per teamed pair) and enough memory for it']);
        assert.equal(report.vms.find((v) => v.vm === 'one-3')?.state, 'migrated');
        assert.equal(env.fleet.whereIs('two-2'), 'hostA');
        assert.equal(vfsHeld(env, 'hostA')['two-2'], 2, 'both its VFs still plugged');
        assert.equal(env.fleet.jobsStarted.get('two-2'), undefined, 'no migration started');
        assert.deepEqual(opTrail(env, 'two-2', ['setLinkState', 'detachInterface', 'attachPrimary', 'migrate']), [], 'nothing done to it');
        for (const host of ['hostB', 'hostC']) assert.equal(await env.services.get(host)!.vfs.bookingOf('two-2'), null, `${host}: nothing booked for it`);
        await assert.rejects(temporal.client.workflow.getHandle('migrate/two-2').describe(), /not found/i, 'no child run');
      },
    ));

  void it('a claim that finds fewer free VFs than pairs (booked by someone else meanwhile) tries the next host', () =>
    withEnv(
      [
        { name: 'hostA', vfs: 2, vms: [{ name: 'two-3', memoryMiB: 1024, pairs: 2 }] },
        { name: 'hostB', vfs: 3 },
        { name: 'hostC', vfs: 2 },
      ],
      async (env) => {
        // hostB answers 3 free VFs to the capacity question, then 2 of them are booked by another run.
        const b = env.services.get('hostB')!.vfs;
        const original = b.status.bind(b);
        let stolen = false;
        b.status = async () => {
          const status = await original();
          if (!stolen) {
            stolen = true;
            await b.reserveVfs({ vm: 'someone-else', owner: 'other-run', memoryMiB: 1, freeMemoryMiB: () => Promise.resolve(1 << 20) }, 2);
          }
          return status;
        };
        const report = await evacuationReport((await env.evacuate('hostA')).handle);
        assert.equal(report.outcome, 'completed', report.message);
        assert.equal(report.vms[0]?.destination, 'hostC');
        assert.ok(stolen);
        assert.equal(vfsHeld(env, 'hostC')['two-3'], 2);
      },
    ));

  void it('a two-pair VM that fails gives both VFs back: the one-pair VMs behind it take them', () =>
    withEnv(
      [
        { name: 'hostA', vfs: 4, vms: [{ name: 'two-4', memoryMiB: 1024, pairs: 2 }, { name: 'one-4', memoryMiB: 2048 }, { name: 'one-5', memoryMiB: 3072 }] },
        { name: 'hostB', vfs: 2 },
      ],
      async (env) => {
        env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', mode: 'fail', vm: 'two-4', error: (h) => new InvalidOperationError('injected: two-4 refuses to unplug', h) });
        const report = await evacuationReport((await env.evacuate('hostA', { policyFile: await policyFile({ maxOutgoingPerSource: 1 }) })).handle);
        assert.deepEqual(
          report.vms.map((v) => [v.vm, v.state, v.destination]),
          [
            ['two-4', 'failed', 'hostB'],
            ['one-4', 'migrated', 'hostB'],
            ['one-5', 'migrated', 'hostB'],
          ],
        );
        assert.equal(env.fleet.whereIs('two-4'), 'hostA');
        assert.equal(vfsHeld(env, 'hostA')['two-4'], 2, 'compensated in place with both VFs');
        const b = env.services.get('hostB')!.vfs;
        assert.equal(await b.bookingOf('two-4'), null, 'nothing left booked for it');
        assert.deepEqual([(await b.status()).free, (await b.status()).incoming], [0, 0]);
      },
    ));
});
