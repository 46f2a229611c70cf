/**
 * Generated domain XML with many network devices, for the scaling benchmark and the work-counting tests. Every
 * device kind the parser and the lint rules treat differently is in the mix, so each rule has work per device,
 * and bare PCI hostdevs too, spread over pcie-root-ports (one per four devices, so the controllers grow with
 * the devices).
 */

export interface LargeDomainShape {
  interfaces: number;
  hostdevs: number;
}

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, '0')}`;

function mac(i: number): string {
  const b = [(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff].map((x) => x.toString(16).padStart(2, '0'));
  return `52:54:00:${b.join(':')}`;
}

function guestAddress(i: number, ports: number): string {
  return `<address type='pci' domain='0x0000' bus='${hex((i % ports) + 1, 2)}' slot='0x00' function='0x0'/>`;
}

function hostAddress(i: number): string {
  return `<address type='pci' domain='0x0000' bus='${hex(0x3b + ((i >> 11) & 0x3f), 2)}' slot='${hex((i >> 3) & 0x1f, 2)}' function='${hex(i & 7, 1)}'/>`;
}

const STANDBY_MAC = '52:54:00:ff:ff:ff';

/**
 * The i-th of `count` interfaces. The one standby comes last, the worst place for any rule that looks it up
 * per device; before it, a cycle of plain virtio NICs, VFs teamed with it (one too many, some with their own
 * MAC), a VF without teaming, and VFs with broken teamings.
 */
function interfaceXml(i: number, count: number, ports: number): string {
  if (i === count - 1) {
    return `    <interface type='bridge'>
      <mac address='${STANDBY_MAC}'/>
      <source bridge='br0'/>
      <target dev='vnet${i}'/>
      <model type='virtio'/>
      <teaming type='persistent'/>
      <link state='down'/>
      <alias name='ua-backup0'/>
      ${guestAddress(i, ports)}
    </interface>\n`;
  }
  switch (i % 5) {
    case 0:
      return `    <interface type='bridge'>
      <mac address='${mac(i)}'/>
      <source bridge='br1'/>
      <model type='virtio'/>
      <alias name='ua-net${i}'/>
      ${guestAddress(i, ports)}
    </interface>\n`;
    case 1:
      return hostdevInterface(i, STANDBY_MAC, "<teaming type='transient' persistent='ua-backup0'/>", ports);
    case 2:
      return hostdevInterface(i, mac(i), '', ports);
    case 3:
      return hostdevInterface(i, mac(i), "<teaming type='transient'/>", ports);
    default:
      return hostdevInterface(i, mac(i), `<teaming type='transient' persistent='${i % 10 === 9 ? 'ua-backup0' : `ua-gone${i}`}'/>`, ports);
  }
}

function hostdevInterface(i: number, address: string, teaming: string, ports: number): string {
  return `    <interface type='hostdev' managed='yes'>
      <mac address='${address}'/>
      <driver name='vfio'/>
      <source>
        ${hostAddress(i)}
      </source>
      ${teaming}
      <alias name='ua-sriov${i}'/>
      ${guestAddress(i, ports)}
    </interface>\n`;
}

function hostdevXml(i: number, ports: number): string {
  return `    <hostdev mode='subsystem' type='pci' managed='yes'>
      <driver name='vfio'/>
      <source>
        ${hostAddress(i + 0x10000)}
      </source>
      <alias name='hostdev${i}'/>
      ${guestAddress(i, ports)}
    </hostdev>\n`;
}

function controllerXml(index: number): string {
  return `    <controller type='pci' index='${index}' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='${index}' port='${hex(index + 0x0f, 2)}'/>
      <alias name='pci.${index}'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='${hex(2 + (index >> 3), 2)}' function='${hex(index & 7, 1)}'/>
    </controller>\n`;
}

export function largeDomainXml(shape: LargeDomainShape): string {
  const parts: string[] = [
    `<domain type='kvm' id='7'>
  <name>big</name>
  <uuid>6f1c2a4e-9b1d-4f0e-8a3c-2d7e5b9c1a40</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>8388608</currentMemory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'>
      <alias name='pcie.0'/>
    </controller>\n`,
  ];
  const ports = Math.max(1, Math.ceil((shape.interfaces + shape.hostdevs) / 4));
  for (let index = 1; index <= ports; index++) parts.push(controllerXml(index));
  for (let i = 0; i < shape.interfaces; i++) parts.push(interfaceXml(i, shape.interfaces, ports));
  for (let i = 0; i < shape.hostdevs; i++) parts.push(hostdevXml(i, ports));
  parts.push('  </devices>\n</domain>\n');
  return parts.join('');
}

/** The shape whose XML is at least `bytes` long: interfaces and hostdevs in the ratio 3:1. */
export function shapeOfSize(bytes: number): LargeDomainShape {
  const perUnit = largeDomainXml({ interfaces: 300, hostdevs: 100 }).length - largeDomainXml({ interfaces: 0, hostdevs: 0 }).length;
  const units = Math.ceil(bytes / perUnit);
  return { interfaces: units * 300, hostdevs: units * 100 };
}
