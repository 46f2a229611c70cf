import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { loadModelFleetState, persistModelFleet } from '../../src/hypervisor/model-state-file.js';
import { defaultPrimaryAlias } from '../../src/domain/primary-spec.js';
import { modelFleetHosts, modelStatePaths } from '../../src/workers/model-fleet-hosts.js';
import { readFaults } from '../../src/workers/model-fault-file.js';

/** A fleet as `worker --model` builds it from its file: hosts, then the VMs the file names. */
function fleetFromConfig(): ModelFleet {
  const fleet = new ModelFleet();
  fleet.addHost('hostA', { vfs: 2 });
  fleet.addHost('hostB', { vfs: 2 });
  fleet.addVm('hostA', { name: 'vm1' });
  return fleet;
}

void describe('a model fleet kept in a state file', () => {
  let dir = '';
  before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'vfm-model-state-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  void it('a restarted worker finds the VMs where the last one left them, not where its file put them', async () => {
    const file = path.join(dir, 'state', 'model-state.json');
    const first = fleetFromConfig();
    persistModelFleet(first, file);
    const a = first.hypervisor('hostA');
    await a.setLinkState('vm1', 'ua-backup0', 'up');
    await a.detachInterface('vm1', defaultPrimaryAlias, { deadlineMs: 1000 });
    const signal = new AbortController().signal;
    await a.migrate('vm1', { host: 'hostB', uri: 'test:///default' }, {}, { onProgress: () => undefined, signal });

    const second = fleetFromConfig();
    persistModelFleet(second, file);
    assert.equal(second.whereIs('vm1'), 'hostB');
    const vm = second.vm('vm1');
    assert.equal(vm?.interfaces.find((i) => i.alias === 'ua-backup0')?.link, 'up');
    assert.ok(!vm?.interfaces.some((i) => i.type === 'hostdev'), 'the detached VF stays detached');
    assert.deepEqual(await second.hypervisor('hostB').vfHolders(), []);
    // Written by rename: no temporary file is left beside it.
    assert.deepEqual(await readdir(path.dirname(file)), ['model-state.json']);
  });

  void it('a state file that does not read, or names a host the fleet lacks, is refused with one line saying what to do', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{"apiVersion":"vfmigrate/v1"');
    assert.throws(() => loadModelFleetState(fleetFromConfig(), bad), /^Error: model state .*bad\.json: cannot read it .*; delete it to start the fleet afresh$/);
    const stranger = path.join(dir, 'stranger.json');
    await writeFile(stranger, JSON.stringify({ apiVersion: 'vfmigrate/v1', kind: 'ModelFleetState', hosts: { hostZ: { vms: [] } } }));
    assert.throws(() => loadModelFleetState(fleetFromConfig(), stranger), /hosts hostZ are not in the fleet; delete the state/);
    assert.match(await readFile(stranger, 'utf8'), /hostZ/, 'a refused file is left as it was');
  });

  void it('worker --model with a stateDir: the bookings and the domains of a restarted fleet are those the last one left', async () => {
    const fleetFile = path.join(dir, 'fleet.yaml');
    await writeFile(fleetFile, 'apiVersion: vfmigrate/v1\nkind: ModelFleet\nspec:\n  stateDir: fleet-state\n  hosts:\n    - { name: a, vfs: 2, vms: [{ name: vm1 }] }\n    - { name: b, vfs: 2 }\n');
    const first = await modelFleetHosts(fleetFile);
    assert.ok(first.activityInterceptors, 'a fleet with a state directory reads its fault file');
    const b = first.hosts[1]!;
    await b.vfs.open();
    const vf = await b.vfs.reserve({ vm: 'vm1', owner: 'migrate/vm1', memoryMiB: 1024, freeMemoryMiB: () => Promise.resolve(65536) });
    await b.vfs.close();
    await first.hosts[0]!.hypervisor.setLinkState('vm1', 'ua-backup0', 'up');

    const second = await modelFleetHosts(fleetFile);
    assert.equal((await second.hosts[1]!.vfs.bookingOf('vm1'))?.vf?.id, vf.id);
    assert.equal((await second.hosts[0]!.hypervisor.describeVm('vm1')).interfaces.find((i) => i.alias === 'ua-backup0')?.link, 'up');
    const stateDir = path.join(dir, 'fleet-state');
    assert.deepEqual((await readdir(stateDir)).sort(), [path.basename(modelStatePaths.ledger(stateDir, 'b')), 'b.vf-ledger.json.lock', 'model-state.json'].sort());
    // No fault file: no faults.
    assert.deepEqual(await readFaults(path.join(stateDir, 'faults.json')), []);
  });

  void it('a fault file that is not one is refused, naming it', async () => {
    const file = path.join(dir, 'faults.json');
    await writeFile(file, JSON.stringify({ faults: [{ step: 'migrate', point: 'during', action: 'fail' }] }));
    await assert.rejects(readFaults(file), /faults\.json: not a fault file/);
  });
});
