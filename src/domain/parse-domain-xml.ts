import { GUEST_AGENT_CHANNEL, type DomainDescription, type GuestAgentChannel, type GuestSlot, type HostdevDevice, type NetInterface, type OtherHostdev, type Teaming } from './description.js';
import { DomainXmlError } from './domain-xml-error.js';
import { readLabels } from './vm-labels.js';
import { readXml, type XmlElement as Element } from './xml-reader.js';

export { DomainXmlError };

/**
 * The largest live domain XML read: libvirt's remote protocol carries at most 4 MiB in one string
 * (REMOTE_STRING_MAX), so a bigger "live" document did not come from libvirtd and is refused before any parsing.
 */
export const LIVE_DOMAIN_XML_MAX_BYTES = 4 * 1024 * 1024;

/** The largest domain XML file `vfmigrate lint` reads: room for hand-made test domains far beyond libvirt's. */
export const DOMAIN_XML_FILE_MAX_BYTES = 64 * 1024 * 1024;

export function parseDomainXml(xml: string, maxBytes = LIVE_DOMAIN_XML_MAX_BYTES): DomainDescription {
  return describeDomain(readDomainXml(xml, maxBytes));
}

/** The `<domain>` element of a document of at most `maxBytes` (UTF-8). */
export function readDomainXml(xml: string, maxBytes = LIVE_DOMAIN_XML_MAX_BYTES): Element {
  // UTF-8 takes one to three bytes per UTF-16 unit: the bytes are counted only when the length cannot settle it.
  if (xml.length > maxBytes || (xml.length * 3 > maxBytes && Buffer.byteLength(xml, 'utf8') > maxBytes)) {
    throw new DomainXmlError(
      `domain XML of ${Buffer.byteLength(xml, 'utf8')} bytes is over the limit of ${maxBytes} (${maxBytes / 2 ** 20} MiB); refused unread: no libvirt domain is that large, check where it came from`,
    );
  }
  const root = readXml(xml);
  if (root.name !== 'domain') {
    throw new DomainXmlError(`not a libvirt domain: the root element is <${root.name}>, expected <domain>`);
  }
  return root;
}

/** What vfmigrate needs from a `<domain>` element, reading each element of it a bounded number of times. */
export function describeDomain(root: Element): DomainDescription {
  const name = requiredText(root, 'name');
  const devices = child(root, 'devices');
  const machine = machineOf(root);
  const pciBuses = pciBusModels(devices, machine);
  const hostdevs = children(devices, 'hostdev');
  const pciHostdevs = hostdevs.filter(isPciHostdev);
  return {
    name,
    virtType: attr(root, 'type'),
    memoryMiB: memoryMiB(root, name),
    machine,
    interfaces: [
      ...children(devices, 'interface').map((el) => parseInterface(el, pciBuses)),
      ...pciHostdevs.filter(hasTeaming).map((el) => parseTeamedHostdev(el, pciBuses)),
    ],
    hostdevs: pciHostdevs.filter((el) => !hasTeaming(el)).map((el) => parseHostdev(el, pciBuses)),
    pcieRootPorts: pcieRootPorts(devices),
    otherHostdevs: hostdevs.filter((el) => !isPciHostdev(el)).map(parseOtherHostdev),
    busesWithoutHotplug: busesWithoutHotplug(devices),
    guestAgent: guestAgentChannel(devices),
    labels: readLabels(child(root, 'metadata')),
  };
}

/**
 * The qemu guest agent's virtio channel: libvirt's live XML says whether the agent in the guest is
 * connected (`state`); XML without it (a definition, an older libvirt) cannot tell, so the agent is asked.
 */
function guestAgentChannel(devices: Element | null): GuestAgentChannel | null {
  const target = children(devices, 'channel')
    .map((el) => child(el, 'target'))
    .find((t) => attr(t, 'type') === 'virtio' && attr(t, 'name') === GUEST_AGENT_CHANNEL);
  if (!target) return null;
  const state = attr(target, 'state');
  return state === 'connected' || state === 'disconnected' ? state : 'unknown';
}

// ---- small tree helpers: only direct children, so XML inside <metadata> can never be mistaken for devices ---

function children(parent: Element | null, name: string): Element[] {
  return parent === null ? [] : parent.children.filter((el) => el.name === name);
}

/** The first child of that name; stops there, so asking for `<address>` of every device stays linear. */
function child(parent: Element | null, name: string): Element | null {
  return parent?.children.find((el) => el.name === name) ?? null;
}

function attr(el: Element | null, name: string): string | null {
  return el?.attributes.get(name) ?? null;
}

function lineOf(el: Element): string {
  return ` (line ${el.line})`;
}

function requiredText(root: Element, name: string): string {
  const text = child(root, name)?.text.trim() ?? '';
  if (text === '') throw new DomainXmlError(`domain XML has no <${name}>`);
  return text;
}

/** Hex (`0x3b`) or decimal (`59`), as the parts of libvirt's domain XML other than PCI addresses are read. */
function parseNumber(text: string, what: string, el: Element): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) throw new DomainXmlError(`${what} '${text}' is not a number${lineOf(el)}`);
  return value;
}

/**
 * A part of a PCI `<address>`, read as libvirt reads it (strtoul with base 0): `0x3b` hex, `073` octal, `59`
 * decimal; `08` is no number at all. libvirt refuses parts beyond what PCI can address, and so do we.
 */
function pciAddressPart(text: string, what: string, max: number, el: Element): number {
  const value = /^0x[0-9a-f]+$/i.test(text)
    ? parseInt(text.slice(2), 16)
    : /^0[0-7]*$/.test(text)
      ? parseInt(text, 8)
      : /^[1-9]\d*$/.test(text)
        ? Number(text)
        : NaN;
  if (Number.isNaN(value)) throw new DomainXmlError(`${what} '${text}' is not a number${lineOf(el)}`);
  if (value > max) throw new DomainXmlError(`${what} '${text}' is over the ${max} PCI allows${lineOf(el)}`);
  return value;
}

// ---- domain-level fields -----------------------------------------------------------------------

/** `''` when the XML names no machine (hand-written XML; libvirt fills it in at define time). */
function machineOf(root: Element): string {
  return attr(child(child(root, 'os'), 'type'), 'machine') ?? '';
}

function memoryMiB(root: Element, name: string): number {
  const el = child(root, 'memory') ?? child(root, 'currentMemory');
  if (el === null) throw new DomainXmlError(`domain '${name}' has no <memory> or <currentMemory>`);
  const amount = parseNumber(el.text.trim(), `<${el.name}> value`, el);
  return (amount * unitBytes(attr(el, 'unit'), el)) / (1024 * 1024);
}

/** The units libvirt accepts (virScaleInteger): `k`/`KiB` are 1024, `KB` is 1000, no unit means KiB. */
function unitBytes(unit: string | null, el: Element): number {
  if (unit === null || unit === '') return 1024;
  if (/^(b|bytes?)$/i.test(unit)) return 1;
  const match = /^([kmgtpe])(ib|b)?$/i.exec(unit);
  if (match === null) {
    throw new DomainXmlError(`<${el.name}> has an unknown unit '${unit}'${lineOf(el)}`);
  }
  const base = match[2]?.toLowerCase() === 'b' ? 1000 : 1024;
  const power = 'kmgtpe'.indexOf((match[1] ?? 'k').toLowerCase()) + 1;
  return base ** power;
}

// ---- PCI topology ------------------------------------------------------------------------------

type BusController = GuestSlot['busController'];

const BUS_CONTROLLERS: Record<string, BusController> = {
  'pcie-root': 'pcie-root',
  'pcie-root-port': 'pcie-root-port',
  'pci-root': 'pci-root',
  'pci-bridge': 'pci-bridge',
};

function pciControllers(devices: Element | null): Element[] {
  return children(devices, 'controller').filter((el) => attr(el, 'type') === 'pci');
}

/** Guest bus number → the model of the controller that provides it. */
function pciBusModels(devices: Element | null, machine: string): Map<number, BusController> {
  const models = new Map<number, BusController>();
  for (const el of pciControllers(devices)) {
    const index = attr(el, 'index');
    if (index === null) continue;
    models.set(parseNumber(index, 'controller index', el), BUS_CONTROLLERS[attr(el, 'model') ?? ''] ?? 'other');
  }
  // Hand-written XML may omit the root controller; libvirt adds it implicitly as bus 0.
  if (!models.has(0)) models.set(0, machine.includes('q35') ? 'pcie-root' : 'pci-root');
  return models;
}

/** The device's own `<address type='pci'>` (a direct child; `<source><address>` is the host side). */
function guestBus(device: Element): number | null {
  const address = child(device, 'address');
  if (address === null || attr(address, 'type') !== 'pci') return null;
  // libvirt reads a missing bus as 0.
  return pciAddressPart(attr(address, 'bus') ?? '0', 'guest PCI bus', 0xff, address);
}

function guestSlot(device: Element, buses: Map<number, BusController>): GuestSlot | null {
  const bus = guestBus(device);
  if (bus === null) return null;
  return { busController: buses.get(bus) ?? 'other', bus };
}

function pcieRootPorts(devices: Element | null): { index: number; free: boolean }[] {
  const used = new Set<number>();
  for (const el of devices?.children ?? []) {
    const bus = guestBus(el);
    if (bus !== null) used.add(bus);
  }
  const ports = pciControllers(devices).filter((el) => attr(el, 'model') === 'pcie-root-port');
  return withIndexes(ports).map((index) => ({ index, free: !used.has(index) }));
}

/** Models whose slots libvirt never hot-plugs on (domain_addr.c gives them no VIR_PCI_CONNECT_HOTPLUGGABLE). */
const NO_HOTPLUG_MODELS = new Set(['dmi-to-pci-bridge', 'pcie-expander-bus', 'pcie-switch-upstream-port']);

function busesWithoutHotplug(devices: Element | null): number[] {
  const controllers = pciControllers(devices);
  const ports = controllers.filter((el) => attr(el, 'model') === 'pcie-root-port');
  const portIndexes = withIndexes(ports);
  const indexOf = (el: Element): number | null => {
    const port = ports.indexOf(el);
    if (port >= 0) return portIndexes[port] ?? null;
    const index = attr(el, 'index');
    return index === null ? null : parseNumber(index, 'controller index', el);
  };
  return controllers
    .filter((el) => attr(child(el, 'target'), 'hotplug') === 'off' || NO_HOTPLUG_MODELS.has(attr(el, 'model') ?? ''))
    .map(indexOf)
    .filter((index): index is number => index !== null);
}

/** libvirt numbers controllers written without `index` after the highest explicit one. */
function withIndexes(ports: Element[]): number[] {
  const explicit = ports.map((el) => {
    const index = attr(el, 'index');
    return index === null ? null : parseNumber(index, 'controller index', el);
  });
  // A fold, not Math.max(...): spreading tens of thousands of ports as arguments overflows the stack.
  let next = explicit.reduce<number>((max, i) => (i !== null && i > max ? i : max), 0) + 1;
  return explicit.map((i) => i ?? next++);
}

/** `<address domain bus slot function>` → `0000:3b:02.1`; missing parts are 0, as in libvirt. */
function hostPciAddress(device: Element): string | null {
  const address = child(child(device, 'source'), 'address');
  if (address === null) return null;
  const part = (name: string, width: number, max: number): string =>
    pciAddressPart(attr(address, name) ?? '0', `host PCI ${name}`, max, address).toString(16).padStart(width, '0');
  return `${part('domain', 4, 0xffff)}:${part('bus', 2, 0xff)}:${part('slot', 2, 0x1f)}.${part('function', 1, 7)}`;
}

// ---- devices -----------------------------------------------------------------------------------

function parseInterface(el: Element, buses: Map<number, BusController>): NetInterface {
  // libvirt reads an interface without type as type='user'.
  const type = attr(el, 'type') ?? 'user';
  const alias = attr(child(el, 'alias'), 'name');
  return {
    alias,
    type,
    model: attr(child(el, 'model'), 'type'),
    mac: attr(child(el, 'mac'), 'address')?.toLowerCase() ?? null,
    link: attr(child(el, 'link'), 'state') === 'down' ? 'down' : 'up',
    teaming: parseTeaming(child(el, 'teaming'), `interface ${alias ?? type}`),
    hostPciAddress: type === 'hostdev' ? hostPciAddress(el) : null,
    network: type === 'network' ? attr(child(el, 'source'), 'network') : null,
    guestSlot: guestSlot(el, buses),
  };
}

/** `owner` names the device in an error: `interface ua-sriov0`, `hostdev 0000:3b:02.1`. */
function parseTeaming(el: Element | null, owner: string): Teaming | null {
  if (el === null) return null;
  const type = attr(el, 'type');
  if (type === 'persistent') return { type: 'persistent' };
  if (type === 'transient') return { type: 'transient', persistent: attr(el, 'persistent') };
  throw new DomainXmlError(
    `${owner}: <teaming type='${type ?? ''}'> must have type 'persistent' or 'transient'${lineOf(el)}`,
  );
}

/** libvirt reads a `<hostdev>` without mode as mode='subsystem'. */
function isPciHostdev(el: Element): boolean {
  return (attr(el, 'mode') ?? 'subsystem') === 'subsystem' && attr(el, 'type') === 'pci';
}

function hasTeaming(el: Element): boolean {
  return child(el, 'teaming') !== null;
}

/** A PCI `<hostdev>` with `<teaming>` is a NIC to libvirt (it must be one): read as the interface it stands for. */
function parseTeamedHostdev(el: Element, buses: Map<number, BusController>): NetInterface {
  const alias = attr(child(el, 'alias'), 'name');
  const hostPci = hostPciAddress(el);
  return {
    alias,
    type: 'hostdev',
    model: null,
    mac: null,
    link: 'up',
    teaming: parseTeaming(child(el, 'teaming'), `hostdev ${alias ?? hostPci ?? ''}`),
    hostPciAddress: hostPci,
    network: null,
    guestSlot: guestSlot(el, buses),
    form: 'hostdev',
  };
}

function parseOtherHostdev(el: Element): OtherHostdev {
  return { alias: attr(child(el, 'alias'), 'name'), mode: attr(el, 'mode') ?? 'subsystem', type: attr(el, 'type') ?? '', source: hostdevSource(el) };
}

/** The `<source>` in a few words: `<address uuid>` (mdev), adapter and unit or iSCSI name (scsi), wwpn, a path. */
function hostdevSource(el: Element): string | null {
  const source = child(el, 'source');
  if (source === null) return null;
  const address = child(source, 'address');
  const adapter = attr(child(source, 'adapter'), 'name');
  const unit = address === null ? null : ['bus', 'target', 'unit'].map((part) => attr(address, part) ?? '0').join(':');
  const path = (child(source, 'block') ?? child(source, 'char') ?? child(source, 'interface'))?.text.trim();
  return attr(address, 'uuid') ?? (adapter !== null ? `${adapter} ${unit ?? ''}`.trim() : null) ?? attr(source, 'name') ?? attr(source, 'wwpn') ?? (path || null);
}

function parseHostdev(el: Element, buses: Map<number, BusController>): HostdevDevice {
  return {
    alias: attr(child(el, 'alias'), 'name'),
    hostPciAddress: hostPciAddress(el),
    guestSlot: guestSlot(el, buses),
  };
}
