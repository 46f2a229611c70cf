import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findPairs } from '../../src/domain/teaming.js';
import { InputError } from '../../src/errors.js';
import { modelFleetHosts } from '../../src/workers/model-fleet-hosts.js';

void describe('modelFleetHosts: a model fleet file as the host services its workers run', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-model-fleet-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('every host of the file, in order, with its own VMs and VFs', async () => {
    const file = path.join(dir, 'fleet.yaml');
    await writeFile(
      file,
      [
        'apiVersion: vfmigrate/v1',
        'kind: ModelFleet',
        'spec:',
        '  hosts:',
        '    - { name: hostA, vfs: 2, vms: [{ name: vm-1 }, { name: vm-2, memoryMiB: 4096 }] }',
        '    - { name: hostB, vfs: 3 }',
        '',
      ].join('\n'),
    );
    const { config, hosts } = await modelFleetHosts(file);
    assert.deepEqual(hosts.map((h) => h.name), ['hostA', 'hostB']);
    assert.equal(config.spec.hosts.length, 2);
    const [a, b] = hosts;
    assert.ok(a && b);
    assert.deepEqual((await a.hypervisor.listVms()).map((v) => v.name).sort(), ['vm-1', 'vm-2']);
    assert.deepEqual(await b.hypervisor.listVms(), []);
    assert.equal((await a.vfs.status()).total, 2);
    assert.equal((await b.vfs.status()).total, 3);
  });

  void it('a VM with `pairs: 2` has two teamed pairs, each holding a VF of its host', async () => {
    const file = path.join(dir, 'pairs.yaml');
    await writeFile(file, 'apiVersion: vfmigrate/v1\nkind: ModelFleet\nspec:\n  hosts:\n    - { name: hostA, vfs: 3, vms: [{ name: vm-2p, pairs: 2 }] }\n');
    const [a] = (await modelFleetHosts(file)).hosts;
    const vm = await a!.hypervisor.describeVm('vm-2p');
    assert.deepEqual(findPairs(vm, 'hostdev').map((p) => [p.standby.alias, p.primary?.alias]), [['ua-backup0', 'ua-primary0'], ['ua-backup1', 'ua-primary1']]);
    assert.equal((await a!.vfs.status()).free, 1);
  });

  void it('a VM without a VF and a labelled VM, as a model fleet file holds them', async () => {
    const file = path.join(dir, 'shapes.yaml');
    await writeFile(
      file,
      [
        'apiVersion: vfmigrate/v1',
        'kind: ModelFleet',
        'spec:',
        '  hosts:',
        '    - { name: hostA, vfs: 1, vms: [{ name: plain, vf: false }, { name: gold, labels: { tier: gold } }] }',
        '',
      ].join('\n'),
    );
    const [a] = (await modelFleetHosts(file)).hosts;
    assert.ok(a);
    assert.deepEqual((await a.hypervisor.describeVm('plain')).interfaces.map((i) => [i.type, i.teaming]), [['bridge', null]]);
    assert.deepEqual((await a.hypervisor.describeVm('gold')).labels, { tier: 'gold' });
    assert.deepEqual((await a.hypervisor.vfHolders()).map((h) => h.vm), ['gold']);
  });

  void it('a file that is not a model fleet is refused as input, naming the file', async () => {
    const file = path.join(dir, 'not-a-fleet.yaml');
    await writeFile(file, 'apiVersion: vfmigrate/v1\nkind: Hosts\nspec: {}\n');
    await assert.rejects(modelFleetHosts(file), (err: unknown) => err instanceof InputError && err.message.includes(file));
  });
});
