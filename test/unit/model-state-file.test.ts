import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { loadModelFleetState, persistModelFleet } from '../../src/hypervisor/model-state-file.js';
import { defaultPrimaryAlias } from '../../src/domain/primary-spec.js';

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
});
