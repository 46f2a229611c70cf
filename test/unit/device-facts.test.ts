import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nicByAlias, primaryIn, sameBacking, vfHoldersOf } from '../../src/domain/device-facts.js';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);

void describe('vfHoldersOf', () => {
  void it('books the PCI address of a teamed VF', () => {
    const d = parseDomainXml(readFileSync(new URL('valid-hostdev.xml', FIXTURES), 'utf8'));
    assert.deepEqual(vfHoldersOf(d, 'hostdev'), [{ vm: 'web-01', pciAddress: '0000:3b:02.1' }]);
  });

  void it('books the emulated primary without an address', () => {
    const d = parseDomainXml(readFileSync(new URL('valid-testbed.xml', FIXTURES), 'utf8'));
    assert.deepEqual(vfHoldersOf(d, 'emulated'), [{ vm: 'vfm-guest', pciAddress: null }]);
    assert.deepEqual(vfHoldersOf({ ...d, interfaces: d.interfaces.filter((n) => n.model === 'virtio') }, 'emulated'), []);
  });

  void it('books a VF passed through without teaming', () => {
    const d = parseDomainXml(readFileSync(new URL('vf-without-teaming.xml', FIXTURES), 'utf8'));
    assert.ok(vfHoldersOf(d, 'hostdev').some((h) => h.pciAddress !== null));
  });
});

void describe('the primary in place', () => {
  const d = parseDomainXml(readFileSync(new URL('valid-hostdev.xml', FIXTURES), 'utf8'));
  const vf = { kind: 'pci' as const, pciAddress: '0000:3B:02.1' };

  void it('finds an interface by alias, and nothing for an alias the domain does not have', () => {
    assert.equal(nicByAlias(d, 'ua-sriov0')?.type, 'hostdev');
    assert.equal(nicByAlias(d, 'ua-nosuch'), null);
  });

  void it('is the one with its alias, or a non-virtio NIC with its MAC under another alias; never the standby', () => {
    assert.equal(primaryIn(d, { alias: 'ua-sriov0', mac: '00:00:00:00:00:01', vf })?.alias, 'ua-sriov0');
    assert.equal(primaryIn(d, { alias: 'ua-primary0', mac: '52:54:00:6D:90:02', vf })?.alias, 'ua-sriov0');
    const standbyOnly = { ...d, interfaces: d.interfaces.filter((n) => n.model === 'virtio') };
    assert.equal(primaryIn(standbyOnly, { alias: 'ua-primary0', mac: '52:54:00:6d:90:02', vf }), null);
    // A transitional virtio-net standby is a standby too, not a primary under another alias.
    const transitional = { ...standbyOnly, interfaces: standbyOnly.interfaces.map((n) => ({ ...n, model: 'virtio-transitional' })) };
    assert.equal(primaryIn(transitional, { alias: 'ua-primary0', mac: '52:54:00:6d:90:02', vf }), null);
  });

  void it('is backed by the VF asked for: the same PCI address (any case) or hostdev network; emulated, by anything but a VF', () => {
    const nic = nicByAlias(d, 'ua-sriov0')!;
    const wanted = (v: { kind: 'pci' | 'network' | 'emulated'; pciAddress?: string; network?: string }) => ({ alias: 'ua-sriov0', mac: '52:54:00:6d:90:02', vf: v });
    assert.equal(sameBacking(nic, wanted(vf), 'hostdev'), true);
    assert.equal(sameBacking(nic, wanted({ kind: 'pci', pciAddress: '0000:3b:02.2' }), 'hostdev'), false);
    assert.equal(sameBacking(nic, wanted({ kind: 'network', network: 'vfpool' }), 'hostdev'), false);
    assert.equal(sameBacking({ ...nic, type: 'network', network: 'vfpool', hostPciAddress: null }, wanted({ kind: 'network', network: 'vfpool' }), 'hostdev'), true);
    assert.equal(sameBacking(nic, wanted({ kind: 'emulated' }), 'emulated'), false);
    assert.equal(sameBacking({ ...nic, type: 'user' }, wanted({ kind: 'emulated' }), 'emulated'), true);
  });
});
