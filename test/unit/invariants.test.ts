import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { brokenInvariants } from '../../src/invariants/check-invariants.js';
import type { FleetSnapshot, HostSnapshot, RunSnapshot, VmSnapshot } from '../../src/invariants/fleet-snapshot.js';
import { hostsToRead } from '../../src/invariants/hosts-from-config.js';
import { readFleetSnapshot, readHostSnapshot } from '../../src/invariants/read-snapshot.js';
import { VirshHypervisor } from '../../src/hypervisor/virsh.js';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { FileLedger, MemoryLedger, type Booking } from '../../src/vf/ledger.js';

const vfA = '0000:40:10.0';
const vfB = '0000:41:10.0';
const vfB2 = '0000:41:10.1';

const healthy = (pci: string): VmSnapshot => ({ state: 'running', teams: [{ standby: 'ua-backup0', standbyLink: 'down', primaries: [{ alias: 'ua-primary0', pciAddress: pci }] }] });
const onStandby: VmSnapshot = { state: 'running', teams: [{ standby: 'ua-backup0', standbyLink: 'up', primaries: [] }] };
const booking = (vfId: string, vm: string, state: Booking['state'], owner = 'migrate/vm1'): Booking => ({ vfId, vm, state, memoryMiB: 0, owner, at: '2026-01-01T00:00:00Z' });

function host(name: string, vm: VmSnapshot | null, bookings: Booking[] = [], extra: Partial<HostSnapshot> = {}): HostSnapshot {
  const pci = vm?.teams.flatMap((t) => t.primaries.map((p) => p.pciAddress)).find(Boolean) ?? null;
  return {
    name,
    vm,
    holders: pci ? [{ vm: 'vm1', pciAddress: pci }] : [],
    domains: vm ? [{ name: 'vm1', state: vm.state }] : [],
    bookings,
    ...extra,
  };
}

const run = (outcome: RunSnapshot['outcome'], extra: Partial<RunSnapshot> = {}): RunSnapshot => ({
  workflowId: 'migrate/vm1',
  source: 'hostA',
  destination: 'hostB',
  open: false,
  outcome,
  location: outcome === 'migrated' || outcome === 'degraded' ? 'destination' : 'source',
  failedStep: null,
  message: '',
  ...extra,
});

const snapshot = (hosts: HostSnapshot[], runs: RunSnapshot[]): FleetSnapshot => ({ vm: 'vm1', hosts, runs });

void describe('the invariant checker', () => {
  void it('knows the VM\'s shape: a VM without a VF is healthy without a pair, one that had two pairs is not with one', () => {
    const plain: VmSnapshot = { state: 'running', teams: [] };
    assert.deepEqual(brokenInvariants({ ...snapshot([host('hostA', null), host('hostB', plain)], [run('migrated')]), pairs: 0 }), []);
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', null), host('hostB', plain)], [run('migrated')])), ["vm1 on hostB: no teaming pair, yet the run's outcome is migrated"]);
    assert.deepEqual(brokenInvariants({ ...snapshot([host('hostA', null), host('hostB', healthy(vfB), [booking(vfB, 'vm1', 'attached')])], [run('migrated')]), pairs: 2 }), [
      "vm1 on hostB: 1 teaming pairs where it had 2, yet the run's outcome is migrated",
    ]);
  });

  void it('holds for a migrated VM: on the destination, VF attached and booked, standby down, source clean', () => {
    const s = snapshot([host('hostA', null), host('hostB', healthy(vfB), [booking(vfB, 'vm1', 'attached')])], [run('migrated')]);
    assert.deepEqual(brokenInvariants(s), []);
  });

  void it('holds for a rolled-back VM back on its source, and for a degraded one the run names with its host and step', () => {
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', healthy(vfA), [booking(vfA, 'vm1', 'attached')]), host('hostB', null)], [run('rolled-back')])), []);
    const degraded = run('degraded', { failedStep: 'attach-vf', message: 'vm1 moved to hostB but is DEGRADED: step "attach-vf" (attachVf) failed after its retries' });
    // The VF booked on the destination stays with the VM that runs there: repair attaches it.
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', null), host('hostB', onStandby, [booking(vfB, 'vm1', 'reserved')])], [degraded])), []);
  });

  void it('a VM on both hosts, or on none', () => {
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', healthy(vfA)), host('hostB', healthy(vfB))], [run(null, { message: 'x' })])), ['vm1 runs on 2 hosts at once: hostA, hostB']);
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', { ...healthy(vfA), state: 'shutoff' }), host('hostB', null)], [run('rolled-back')])), [
      'vm1 runs on no host (defined on: hostA (shutoff))',
    ]);
  });

  void it('a VM on its standby while the run says it migrated, or says degraded without naming where and which step', () => {
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', null), host('hostB', onStandby)], [run('migrated')])), [
      "vm1 on hostB: no primary for standby ua-backup0, standby ua-backup0 up, yet the run's outcome is migrated",
    ]);
    const vague = run('degraded', { failedStep: 'attach-vf', message: 'the VM is degraded' });
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', null), host('hostB', onStandby)], [vague])), [
      'vm1 on hostB: no primary for standby ua-backup0, standby ua-backup0 up; the run says degraded but its message does not name the host (hostB) or the step: the VM is degraded',
    ]);
  });

  void it('an outcome or a report location that does not match where the VM runs', () => {
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', healthy(vfA)), host('hostB', null)], [run('migrated', { location: 'destination' })])), [
      "the run's outcome is migrated (VM on its destination) but vm1 runs on the source, hostA",
      'the report says vm1 is on the destination but it runs on the source, hostA',
    ]);
  });

  void it('a VF booked twice, held by two domains, or held by one VM while booked for another', () => {
    const twice = host('hostB', healthy(vfB), [booking(vfB, 'vm1', 'attached'), booking(vfB, 'vm2', 'reserved', 'migrate/vm2')], {
      holders: [{ vm: 'vm1', pciAddress: vfB }, { vm: 'vm3', pciAddress: vfB }],
      domains: [{ name: 'vm1', state: 'running' }, { name: 'vm2', state: 'running' }, { name: 'vm3', state: 'running' }],
    });
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', null), twice], [run('migrated')])), [
      `VF ${vfB} on hostB is booked 2 times (vm1, vm2)`,
      `VF ${vfB} on hostB is held by 2 domains (vm1, vm3)`,
    ]);
    const other = host('hostB', healthy(vfB), [booking(vfB, 'nb', 'attached', 'found-on-host')], { domains: [{ name: 'vm1', state: 'running' }, { name: 'nb', state: 'running' }] });
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', null), other], [run('migrated')])), [`VF ${vfB} on hostB is held by vm1 but booked for nb`]);
  });

  void it('a booking that belongs to no VM running there and to no open run; an open run keeps its own', () => {
    const leaked = host('hostB', null, [booking(vfB2, 'vm1', 'reserved')]);
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', healthy(vfA), [booking(vfA, 'vm1', 'attached')]), leaked], [run('rolled-back')])), [
      `VF ${vfB2} on hostB is booked (reserved) for vm1, which does not run there, by migrate/vm1, which is not an open run`,
    ]);
    const open = run(null, { open: true, location: null });
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', healthy(vfA), [booking(vfA, 'vm1', 'attached')]), leaked], [open])), []);
  });

  void it('while the run is open only the facts are judged: mid-migration on the standby is no broken invariant', () => {
    assert.deepEqual(brokenInvariants(snapshot([host('hostA', onStandby), host('hostB', null, [booking(vfB, 'vm1', 'reserved')])], [run(null, { open: true, location: null })])), []);
  });

  void it('reads a host through the Hypervisor port: the model VM as a healthy snapshot', async () => {
    const fleet = new ModelFleet();
    fleet.addHost('hostA', { vfs: 2 });
    fleet.addVm('hostA', { name: 'vm1' });
    const ledger = new MemoryLedger();
    await ledger.write([booking(vfA, 'vm1', 'attached')]);
    const read = await readHostSnapshot({ name: 'hostA', hypervisor: fleet.hypervisor('hostA'), ledger, primaryMode: 'hostdev' }, 'vm1');
    assert.deepEqual(read, host('hostA', healthy(vfA), [booking(vfA, 'vm1', 'attached')]));
    assert.equal((await readHostSnapshot({ name: 'hostA', hypervisor: fleet.hypervisor('hostA'), ledger, primaryMode: 'hostdev' }, 'nope')).vm, null);
  });

  void it('reads every host of a run side by side: a VM defined on two hosts shows in the fleet snapshot', async () => {
    const fleet = new ModelFleet();
    for (const h of ['hostA', 'hostB']) fleet.addHost(h, { vfs: 2 });
    fleet.addVm('hostA', { name: 'vm1' });
    fleet.addVm('hostB', { name: 'vm1' });
    const hosts = ['hostA', 'hostB'].map((h) => ({ name: h, hypervisor: fleet.hypervisor(h), ledger: new MemoryLedger(), primaryMode: 'hostdev' as const }));
    const read = await readFleetSnapshot('vm1', hosts, [run('migrated')]);
    assert.deepEqual(read.hosts.map((h) => h.name), ['hostA', 'hostB']);
    assert.deepEqual(brokenInvariants(read), ['vm1 runs on 2 hosts at once: hostA, hostB']);
  });

  void it('real hosts are read from the hosts file the workers run with: libvirt through virsh, the ledger in the state directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vfm-inv-hosts-'));
    const file = path.join(dir, 'hosts.yaml');
    await writeFile(
      file,
      [
        'apiVersion: vfmigrate/v1',
        'kind: Hosts',
        'spec:',
        '  hosts:',
        '    - { name: h1, libvirtUri: qemu+tcp://127.0.0.2/system, migrationUri: qemu+tcp://127.0.0.2/system, stateDir: s1, vfs: { provider: emulated, count: 2 } }',
        '    - { name: h2, libvirtUri: qemu+tcp://127.0.0.3/system, migrationUri: qemu+tcp://127.0.0.3/system, stateDir: s2, vfs: { provider: pci-list, vfs: [{ pci: "0000:41:10.0" }] } }',
        '',
      ].join('\n'),
    );
    const hosts = await hostsToRead(file, ['h1', 'h2']);
    assert.deepEqual(hosts.map((h) => [h.name, h.primaryMode]), [['h1', 'emulated'], ['h2', 'hostdev']]);
    assert.deepEqual(hosts.map((h) => (h.ledger as FileLedger).file), [path.join(dir, 's1', 'vf-ledger.json'), path.join(dir, 's2', 'vf-ledger.json')]);
    assert.ok(hosts.every((h) => h.hypervisor instanceof VirshHypervisor));
    await rm(dir, { recursive: true, force: true });
  });
});
