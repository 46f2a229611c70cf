import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { interfaceXml, interfaceXmlWithLink, pciAddressAttributes, primaryInterfaceXml } from '../../src/domain/interface-xml.js';
import { DomainXmlError, parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { findTeamingPair } from '../../src/domain/teaming.js';
import type { NetInterface } from '../../src/domain/description.js';
import type { PrimarySpec } from '../../src/domain/primary-spec.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);
const testbed = readFileSync(new URL('valid-testbed.xml', FIXTURES), 'utf8');
const hostdev = readFileSync(new URL('valid-hostdev.xml', FIXTURES), 'utf8');

/** Reads one `<interface>` back through the project's own domain parser. */
function asNic(xml: string): NetInterface {
  const d = parseDomainXml(`<domain><name>t</name><memory>1024</memory><devices>${xml}</devices></domain>`);
  assert.equal(d.interfaces.length, 1);
  return d.interfaces[0]!;
}

function root(xml: string): Element {
  return new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
}

function childNames(xml: string): string[] {
  const el = root(xml);
  return Array.from({ length: el.children.length }, (_, i) => el.children.item(i)!.nodeName);
}

const spec = (vf: PrimarySpec['vf']): PrimarySpec => ({ alias: 'ua-sriov0', mac: '52:54:00:6d:90:02', standbyAlias: 'ua-backup0', vf });

void describe('interfaceXmlWithLink', () => {
  void it('returns the full standby element with its link up (testbed guest)', () => {
    const xml = interfaceXmlWithLink(testbed, 'ua-backup0', 'up');
    const nic = asNic(xml);
    assert.deepEqual(
      { alias: nic.alias, type: nic.type, model: nic.model, mac: nic.mac, link: nic.link, teaming: nic.teaming, bus: nic.guestSlot?.bus },
      { alias: 'ua-backup0', type: 'user', model: 'virtio', mac: '52:54:00:12:34:56', link: 'up', teaming: { type: 'persistent' }, bus: 1 },
    );
    assert.deepEqual(childNames(xml), ['mac', 'model', 'teaming', 'link', 'rom', 'alias', 'address']);
  });

  void it('keeps the source and target of a bridged standby and sets the link down', () => {
    const xml = interfaceXmlWithLink(interfaceXmlWithLinkUp(hostdev), 'ua-backup0', 'down');
    const el = root(xml);
    assert.equal(el.getElementsByTagName('source').item(0)?.getAttribute('bridge'), 'br0');
    assert.equal(el.getElementsByTagName('target').item(0)?.getAttribute('dev'), 'vnet12');
    assert.equal(el.getElementsByTagName('link').length, 1);
    assert.equal(asNic(xml).link, 'down');
  });

  void it('adds a <link> element to an interface that has none', () => {
    const xml = interfaceXmlWithLink(testbed, 'ua-primary0', 'down');
    assert.equal(asNic(xml).link, 'down');
    assert.equal(asNic(xml).model, 'e1000e');
  });

  void it('addresses the interface by alias, never by the MAC the pair shares', () => {
    assert.equal(asNic(interfaceXmlWithLink(hostdev, 'ua-sriov0', 'down')).type, 'hostdev');
    assert.equal(asNic(interfaceXmlWithLink(hostdev, 'ua-backup0', 'up')).type, 'bridge');
  });

  void it('ignores interfaces outside <devices> and rejects a missing alias', () => {
    const xml = `<domain><name>m</name><metadata><x><interface type='user'><alias name='ua-meta'/></interface></x></metadata><devices/></domain>`;
    assert.throws(() => interfaceXmlWithLink(xml, 'ua-meta', 'up'), DomainXmlError);
    assert.throws(() => interfaceXmlWithLink(testbed, 'ua-nothere', 'up'), /no <interface> with alias 'ua-nothere'/);
    assert.equal(interfaceXml(xml, 'ua-meta'), null);
  });

  void it('refuses XML that is not well-formed', () => {
    assert.throws(() => interfaceXmlWithLink('<domain><devices>', 'ua-backup0', 'up'), DomainXmlError);
  });
});

/** The domain with the `<interface>` of `alias` replaced by `replacement` (DOM, not text). */
function replaceInterface(domainXml: string, alias: string, replacement: string): string {
  const doc = new DOMParser().parseFromString(domainXml, 'text/xml');
  const nics = Array.from(doc.getElementsByTagName('interface'));
  const old = nics.find((n) => n.getElementsByTagName('alias').item(0)?.getAttribute('name') === alias)!;
  const fresh = doc.importNode(root(replacement), true);
  old.parentNode!.replaceChild(fresh, old);
  return new XMLSerializer().serializeToString(doc);
}

/** The hostdev fixture's standby is down; bring it up first so the test really flips it. */
function interfaceXmlWithLinkUp(domainXml: string): string {
  const upped = replaceInterface(domainXml, 'ua-backup0', interfaceXmlWithLink(domainXml, 'ua-backup0', 'up'));
  assert.equal(findTeamingPair(parseDomainXml(upped), 'hostdev')?.standby.link, 'up');
  return upped;
}

void describe('primaryInterfaceXml, hostdev mode', () => {
  void it('builds a managed PCI VF teamed transiently with the standby', () => {
    const xml = primaryInterfaceXml(spec({ id: 'vf-7', kind: 'pci', pciAddress: '0000:3b:02.1' }), 'hostdev');
    assert.equal(root(xml).getAttribute('managed'), 'yes');
    const nic = asNic(xml);
    assert.deepEqual(
      { type: nic.type, mac: nic.mac, pci: nic.hostPciAddress, teaming: nic.teaming, alias: nic.alias, model: nic.model },
      { type: 'hostdev', mac: '52:54:00:6d:90:02', pci: '0000:3b:02.1', teaming: { type: 'transient', persistent: 'ua-backup0' }, alias: 'ua-sriov0', model: null },
    );
    const address = root(xml).getElementsByTagName('address').item(0)!;
    assert.deepEqual(
      ['type', 'domain', 'bus', 'slot', 'function'].map((a) => address.getAttribute(a)),
      ['pci', '0x0000', '0x3b', '0x02', '0x1'],
    );
  });

  void it('pairs with the standby of the hostdev fixture once attached', () => {
    const primary = primaryInterfaceXml(spec({ id: 'vf-9', kind: 'pci', pciAddress: '0000:5e:10.3' }), 'hostdev');
    const withoutVf = replaceInterface(hostdev, 'ua-sriov0', primary);
    const pair = findTeamingPair(parseDomainXml(withoutVf), 'hostdev');
    assert.equal(pair?.primary?.hostPciAddress, '0000:5e:10.3');
    assert.equal(pair?.standby.alias, 'ua-backup0');
  });

  void it('builds a VF from a libvirt hostdev network', () => {
    const nic = asNic(primaryInterfaceXml(spec({ id: 'pool/3', kind: 'network', network: 'sriov-pool' }), 'hostdev'));
    assert.deepEqual({ type: nic.type, network: nic.network, teaming: nic.teaming }, { type: 'network', network: 'sriov-pool', teaming: { type: 'transient', persistent: 'ua-backup0' } });
  });

  void it('refuses VFs it cannot express', () => {
    assert.throws(() => primaryInterfaceXml(spec({ id: 'e0', kind: 'emulated' }), 'hostdev'), /emulated primary mode/);
    assert.throws(() => primaryInterfaceXml(spec({ id: 'p0', kind: 'pci' }), 'hostdev'), /has no pciAddress/);
    assert.throws(() => primaryInterfaceXml(spec({ id: 'n0', kind: 'network' }), 'hostdev'), /has no network/);
    assert.throws(() => pciAddressAttributes('3b:02.1'), /not a PCI address/);
  });
});

void describe('primaryInterfaceXml, emulated mode (the testbed)', () => {
  void it("builds an e1000e on the standby's backend with the same MAC and no teaming", () => {
    const standby = interfaceXml(testbed, 'ua-backup0');
    const xml = primaryInterfaceXml({ alias: 'ua-primary0', mac: '52:54:00:12:34:56', standbyAlias: 'ua-backup0', vf: { id: 'hostB/emulated-0', kind: 'emulated' } }, 'emulated', standby);
    assert.deepEqual(childNames(xml), ['mac', 'model', 'alias', 'rom']);
    const nic = asNic(xml);
    assert.deepEqual(
      { type: nic.type, model: nic.model, mac: nic.mac, alias: nic.alias, teaming: nic.teaming, link: nic.link },
      { type: 'user', model: 'e1000e', mac: '52:54:00:12:34:56', alias: 'ua-primary0', teaming: null, link: 'up' },
    );
    assert.equal(root(xml).getElementsByTagName('rom').item(0)?.getAttribute('enabled'), 'no');
  });

  void it('is found as the primary of the testbed guest', () => {
    const standby = interfaceXml(testbed, 'ua-backup0');
    const primary = primaryInterfaceXml({ alias: 'ua-primary1', mac: '52:54:00:12:34:56', standbyAlias: 'ua-backup0', vf: { id: 'e1', kind: 'emulated' } }, 'emulated', standby);
    const swapped = replaceInterface(testbed, 'ua-primary0', primary);
    assert.equal(findTeamingPair(parseDomainXml(swapped), 'emulated')?.primary?.alias, 'ua-primary1');
  });

  void it("copies a bridged standby's source but not its target, address or alias", () => {
    const xml = primaryInterfaceXml(spec({ id: 'e0', kind: 'emulated' }), 'emulated', interfaceXml(hostdev, 'ua-backup0'));
    const el = root(xml);
    assert.equal(el.getAttribute('type'), 'bridge');
    assert.equal(el.getElementsByTagName('source').item(0)?.getAttribute('bridge'), 'br0');
    assert.deepEqual(childNames(xml), ['mac', 'source', 'model', 'alias', 'rom']);
  });

  void it('needs the standby to model the primary on', () => {
    assert.throws(() => primaryInterfaceXml(spec({ id: 'e0', kind: 'emulated' }), 'emulated', null), /no standby interface 'ua-backup0'/);
  });
});

void describe('primaryInterfaceXml, the <hostdev> teaming form', () => {
  const spec: PrimarySpec = { alias: 'ua-sriov0', mac: '52:54:00:6d:90:02', vf: { id: 'vf', kind: 'pci', pciAddress: '0000:3B:02.1' }, standbyAlias: 'ua-backup0', form: 'hostdev' };

  void it('builds a managed PCI <hostdev> teamed transiently with the standby, without a MAC', () => {
    const xml = primaryInterfaceXml(spec, 'hostdev');
    assert.equal(root(xml).nodeName, 'hostdev');
    assert.deepEqual(childNames(xml), ['source', 'teaming', 'alias']);
    const nic = asNic(xml);
    assert.deepEqual(
      { form: nic.form, type: nic.type, mac: nic.mac, teaming: nic.teaming, hostPciAddress: nic.hostPciAddress, alias: nic.alias },
      { form: 'hostdev', type: 'hostdev', mac: null, teaming: { type: 'transient', persistent: 'ua-backup0' }, hostPciAddress: '0000:3b:02.1', alias: 'ua-sriov0' },
    );
  });

  void it('refuses a VF from a libvirt network: a <hostdev> takes a PCI address only', () => {
    assert.throws(
      () => primaryInterfaceXml({ ...spec, vf: { id: 'pool/0', kind: 'network', network: 'sriov-pool' } }, 'hostdev'),
      (err: unknown) => err instanceof DomainXmlError && /comes from libvirt network sriov-pool, but ua-sriov0 is a plain <hostdev>/.test(err.message),
    );
  });

  void it('an interface-form spec still builds an <interface> (the form is only what the source had)', () => {
    assert.equal(root(primaryInterfaceXml({ ...spec, form: 'interface' }, 'hostdev')).nodeName, 'interface');
  });
});
