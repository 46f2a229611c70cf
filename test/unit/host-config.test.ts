import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadHostConfig } from '../../src/config/hosts.js';
import { InputError } from '../../src/errors.js';
import { vfsOfNetworkXml } from '../../src/vf/libvirt-network-provider.js';

async function hostsFile(text: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'vfm-hosts-')), 'hosts.yaml');
  await writeFile(file, text);
  return file;
}

void describe('hosts file', () => {
  void it('loads the testbed hosts, resolving stateDir against the file', async () => {
    const file = path.resolve(import.meta.dirname, '../../../testbed/hosts.yaml');
    const host = await loadHostConfig(file, 'hostB');
    assert.equal(host.libvirtUri, 'qemu+tcp://127.0.0.3/system');
    assert.deepEqual(host.vfs, { provider: 'emulated', count: 4 });
    assert.equal(host.stateDir, path.resolve(path.dirname(file), '../.cache/testbed/state/hostB'));
  });

  void it('names the known hosts when asked for one it does not have', async () => {
    const file = path.resolve(import.meta.dirname, '../../../testbed/hosts.yaml');
    await assert.rejects(loadHostConfig(file, 'hostC'), (e: Error) => e instanceof InputError && e.message.endsWith('has no host named "hostC" (it has: hostA, hostB)'));
  });

  void it('reports every problem, path first', async () => {
    const file = await hostsFile(`apiVersion: vfmigrate/v1
kind: Hosts
spec:
  hosts:
    - name: bad host
      libvirtUri: qemu+tcp://10.0.0.1/system
      migrationUri: qemu+tcp://10.0.0.1/system
      stateDir: /var/lib/vfmigrate
      vfs: { provider: pci-list, vfs: [{ pci: 3b:02.1 }] }
      network: { clearVfMac: yes }
      colour: blue
`);
    await assert.rejects(loadHostConfig(file, 'x'), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.problems, [
        'spec.hosts[0].name: expected a host name (letters, digits, . _ -)',
        'spec.hosts[0].vfs.vfs[0].pci: expected a PCI address such as 0000:3b:02.1',
        'spec.hosts[0].network.clearVfMac: expected boolean, received string',
        'spec.hosts[0].colour: unknown field "colour"',
      ]);
      return true;
    });
  });

  void it('refuses a libvirt URI that would run a program or redirect the connection, one line per field', async () => {
    const file = await hostsFile(`apiVersion: vfmigrate/v1
kind: Hosts
spec:
  hosts:
    - name: hostA
      libvirtUri: qemu+ext:///system?command=/tmp/prog
      migrationUri: qemu+ssh://hostA/system?netcat=/tmp/nc
      stateDir: /var/lib/vfmigrate
      vfs: { provider: emulated, count: 1 }
`);
    await assert.rejects(loadHostConfig(file, 'hostA'), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.problems, [
        'spec.hosts[0].libvirtUri: "qemu+ext:///system?command=/tmp/prog": the ext transport runs the program named in command= (as root); use qemu+ssh or qemu+tls',
        'spec.hosts[0].migrationUri: "qemu+ssh://hostA/system?netcat=/tmp/nc": the parameter netcat= is refused: it names the command run on the remote host',
      ]);
      return true;
    });
  });
});

void describe('libvirt hostdev network VFs', () => {
  void it('lists the VFs of an active hostdev network by PCI address, with the PF', () => {
    const xml = `<network><name>sriov-pool</name><forward mode='hostdev' managed='yes'><pf dev='ens1f0'/>
      <address type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x1'/>
      <address type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x2'/></forward></network>`;
    assert.deepEqual(vfsOfNetworkXml('sriov-pool', xml), [
      { id: '0000:3b:02.1', kind: 'pci', pciAddress: '0000:3b:02.1', network: 'sriov-pool', pf: 'ens1f0', vfIndex: 0 },
      { id: '0000:3b:02.2', kind: 'pci', pciAddress: '0000:3b:02.2', network: 'sriov-pool', pf: 'ens1f0', vfIndex: 1 },
    ]);
  });

  void it('refuses a network that is not a hostdev pool', () => {
    assert.throws(() => vfsOfNetworkXml('default', `<network><name>default</name><forward mode='nat'/></network>`), /not a hostdev network/);
  });
});
