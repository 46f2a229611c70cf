/**
 * The `<interface>` XML vfmigrate hands to libvirt: an existing interface with a new `<link state>` (for
 * `virsh update-device`, which needs the full element including its alias: `domif-setlink` addresses by
 * MAC and would hit the wrong half of the teamed pair), and the primary to hot-plug.
 */
import { DOMImplementation, DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import type { PrimarySpec } from './primary-spec.js';
import { DomainXmlError } from './domain-xml-error.js';
import { readDomainXml } from './parse-domain-xml.js';
import type { XmlElement } from './xml-reader.js';
import type { PrimaryMode } from './teaming.js';

/** The full `<interface>` element with that alias in a domain's XML, or null when there is none. */
export function interfaceXml(domainXml: string, alias: string): string | null {
  const el = interfaceElement(domainXml, alias);
  return el === null ? null : serialize(el);
}

/** The full `<interface>` element of `alias` with `<link state>` set; throws when the alias is absent. */
export function interfaceXmlWithLink(domainXml: string, alias: string, state: 'up' | 'down'): string {
  const el = interfaceElement(domainXml, alias);
  if (el === null) throw new DomainXmlError(`the domain has no <interface> with alias '${alias}'`);
  const link = childElements(el).find((c) => c.nodeName === 'link') ?? add(el, 'link', {});
  link.setAttribute('state', state);
  return serialize(el);
}

/**
 * The primary to attach. `hostdev`: the VF (a PCI address, or a VF from a libvirt hostdev network) teamed
 * transiently with the standby. `emulated` (the testbed): an e1000e on the standby's own backend
 * (`standbyXml`, the standby's `<interface>`), same MAC, no teaming element: QEMU accepts transient
 * teaming only on hostdev interfaces, and the guest pairs the two by MAC.
 */
export function primaryInterfaceXml(spec: PrimarySpec, mode: PrimaryMode, standbyXml?: string | null): string {
  return mode === 'hostdev' ? vfInterfaceXml(spec) : emulatedInterfaceXml(spec, standbyXml ?? null);
}

function vfInterfaceXml(spec: PrimarySpec): string {
  if (spec.vf.kind === 'emulated') {
    throw new DomainXmlError(`VF ${spec.vf.id} is emulated: it can only be attached in emulated primary mode`);
  }
  if (spec.form === 'hostdev') return vfHostdevXml(spec);
  const doc = newInterface(spec.vf.kind === 'network' ? 'network' : 'hostdev');
  const root = doc.documentElement!;
  if (spec.vf.kind === 'pci') root.setAttribute('managed', 'yes');
  add(root, 'mac', { address: spec.mac });
  const source = add(root, 'source', spec.vf.kind === 'network' ? { network: required(spec.vf.network, 'network', spec) } : {});
  if (spec.vf.kind === 'pci') add(source, 'address', pciAddressAttributes(required(spec.vf.pciAddress, 'pciAddress', spec)));
  add(root, 'teaming', { type: 'transient', persistent: spec.standbyAlias });
  add(root, 'alias', { name: spec.alias });
  return serialize(root);
}

/**
 * The VF as the plain PCI `<hostdev>` it was on the source, teamed by `<teaming>` (libvirt 7.1+): the
 * shape of libvirt's own net-virtio-teaming-hostdev test domain. No `<mac>`: a `<hostdev>` has none.
 */
function vfHostdevXml(spec: PrimarySpec): string {
  if (spec.vf.kind !== 'pci') {
    throw new DomainXmlError(
      `VF ${spec.vf.id} comes from libvirt network ${spec.vf.network ?? '?'}, but ${spec.alias} is a plain <hostdev>, which takes a PCI address only; list this host's VFs by PCI address`,
    );
  }
  const doc = new DOMImplementation().createDocument(null, 'hostdev');
  const root = doc.documentElement!;
  for (const [key, value] of Object.entries({ mode: 'subsystem', type: 'pci', managed: 'yes' })) root.setAttribute(key, value);
  const { type: _pci, ...address } = pciAddressAttributes(required(spec.vf.pciAddress, 'pciAddress', spec));
  add(add(root, 'source', {}), 'address', address);
  add(root, 'teaming', { type: 'transient', persistent: spec.standbyAlias });
  add(root, 'alias', { name: spec.alias });
  return serialize(root);
}

function emulatedInterfaceXml(spec: PrimarySpec, standbyXml: string | null): string {
  if (standbyXml === null) throw new DomainXmlError(`no standby interface '${spec.standbyAlias}' to model the emulated primary on`);
  const standby = parseStrict(standbyXml, 'interface');
  const doc = newInterface(standby.getAttribute('type') ?? 'user');
  const root = doc.documentElement!;
  add(root, 'mac', { address: spec.mac });
  const source = childElements(standby).find((c) => c.nodeName === 'source');
  if (source) {
    const copy = doc.importNode(source, true);
    // A port id belongs to the standby's own network port; the new NIC gets its own.
    copy.removeAttribute('portid');
    root.appendChild(copy);
  }
  add(root, 'model', { type: 'e1000e' });
  add(root, 'alias', { name: spec.alias });
  add(root, 'rom', { enabled: 'no' });
  return serialize(root);
}

/** `0000:3b:02.1` → libvirt's `<address type='pci' domain bus slot function>`. */
export function pciAddressAttributes(address: string): Record<string, string> {
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(address);
  if (!m) throw new DomainXmlError(`'${address}' is not a PCI address (expected DDDD:BB:SS.F, e.g. 0000:3b:02.1)`);
  const [domain = '', bus = '', slot = '', fn = ''] = m.slice(1);
  const hex = (v: string, width: number) => `0x${v.toLowerCase().padStart(width, '0')}`;
  return { type: 'pci', domain: hex(domain, 4), bus: hex(bus, 2), slot: hex(slot, 2), function: hex(fn, 1) };
}

function required<T>(value: T | undefined, field: string, spec: PrimarySpec): T {
  if (value === undefined) throw new DomainXmlError(`VF ${spec.vf.id} (kind ${spec.vf.kind}) has no ${field}`);
  return value;
}

// ---- DOM helpers ---------------------------------------------------------------------------------

function parseStrict(xml: string, rootName: string): Element {
  const problems: string[] = [];
  const parser = new DOMParser({
    // Any report, even a warning, stops the parse: libvirt's libxml2 would reject what xmldom tolerates.
    onError: (_level, message) => {
      problems.push(message);
      throw new Error(message);
    },
  });
  let root: Element | null = null;
  try {
    root = parser.parseFromString(xml, 'text/xml').documentElement;
  } catch (err) {
    throw new DomainXmlError(`not well-formed XML: ${problems[0] ?? String(err)}`);
  }
  if (root?.nodeName !== rootName) throw new DomainXmlError(`expected a <${rootName}> document, got <${root?.nodeName ?? 'nothing'}>`);
  return root;
}

/** By sibling links: each read of xmldom's `children` rebuilds the whole list, so indexing it in a loop is quadratic. */
function childElements(parent: Element): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE) found.push(node as Element);
  }
  return found;
}

/**
 * The `<interface>` of `alias` as a DOM of its own. The domain is read by the linear reader; only the
 * interface's own markup, cut from the document where the reader found it, is handed to xmldom, which
 * rewrites it faithfully without building a DOM of the whole domain.
 */
function interfaceElement(domainXml: string, alias: string): Element | null {
  const found = findInterface(readDomainXml(domainXml), alias);
  return found === null ? null : parseStrict(domainXml.slice(found.start, found.end), 'interface');
}

/** Direct children of `<devices>` only, so an interface inside `<metadata>` is never picked. */
function findInterface(domain: XmlElement, alias: string): XmlElement | null {
  const devices = domain.children.find((c) => c.name === 'devices');
  const aliasOf = (nic: XmlElement) => nic.children.find((c) => c.name === 'alias')?.attributes.get('name');
  return devices?.children.find((c) => c.name === 'interface' && aliasOf(c) === alias) ?? null;
}

function newInterface(type: string): Document {
  const doc = new DOMImplementation().createDocument(null, 'interface');
  doc.documentElement!.setAttribute('type', type);
  return doc;
}

function add(parent: Element, name: string, attributes: Record<string, string>): Element {
  const el = parent.ownerDocument!.createElement(name);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  parent.appendChild(el);
  return el;
}

function serialize(el: Element): string {
  return new XMLSerializer().serializeToString(el);
}
