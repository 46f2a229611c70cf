import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DomainXmlError, parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import type { NetInterface } from '../../src/domain/description.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** A minimal domain around the given <devices> content. */
function domain(devices: string, opts: { machine?: string; memory?: string } = {}): string {
  const memory = opts.memory ?? "<memory unit='KiB'>262144</memory>";
  return `<domain type='qemu'><name>t</name>${memory}
    <os><type arch='x86_64' machine='${opts.machine ?? 'pc-q35-7.2'}'>hvm</type></os>
    <devices>${devices}</devices></domain>`;
}

function onlyInterface(devices: string, machine?: string): NetInterface {
  const nics = parseDomainXml(domain(devices, { machine })).interfaces;
  assert.equal(nics.length, 1);
  return nics[0] as NetInterface;
}

function parseError(xml: string): DomainXmlError {
  try {
    parseDomainXml(xml);
  } catch (err) {
    assert.ok(err instanceof DomainXmlError, `expected DomainXmlError, got ${String(err)}`);
    return err;
  }
  assert.fail('parseDomainXml accepted the document');
}

void describe('parseDomainXml on the hostdev-teamed fixture', () => {
  const d = parseDomainXml(fixture('valid-hostdev.xml'));

  void it('reads name, memory and machine', () => {
    assert.equal(d.name, 'web-01');
    assert.equal(d.memoryMiB, 8192);
    assert.equal(d.machine, 'pc-q35-7.2');
  });

  void it('reads the standby and the VF', () => {
    assert.deepEqual(d.interfaces, [
      {
        alias: 'ua-backup0',
        type: 'bridge',
        model: 'virtio',
        mac: '52:54:00:6d:90:02',
        link: 'down',
        teaming: { type: 'persistent' },
        hostPciAddress: null,
        network: null,
        guestSlot: { busController: 'pcie-root-port', bus: 1 },
      },
      {
        alias: 'ua-sriov0',
        type: 'hostdev',
        model: null,
        mac: '52:54:00:6d:90:02',
        link: 'up',
        teaming: { type: 'transient', persistent: 'ua-backup0' },
        hostPciAddress: '0000:3b:02.1',
        network: null,
        guestSlot: { busController: 'pcie-root-port', bus: 7 },
      },
    ]);
  });

  void it('has no bare hostdevs and knows which root ports are taken', () => {
    assert.deepEqual(d.hostdevs, []);
    assert.deepEqual(
      d.pcieRootPorts.map((p) => p.index),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.deepEqual(
      d.pcieRootPorts.filter((p) => p.free).map((p) => p.index),
      [8, 9, 10],
    );
  });
});

void describe('parseDomainXml on the testbed fixture', () => {
  const d = parseDomainXml(fixture('valid-testbed.xml'));

  void it('reads the emulated primary as a plain e1000e with the standby MAC', () => {
    assert.equal(d.name, 'vfm-guest');
    assert.equal(d.memoryMiB, 256);
    const [standby, primary] = d.interfaces;
    assert.deepEqual(standby?.teaming, { type: 'persistent' });
    assert.equal(standby?.type, 'user');
    assert.deepEqual(primary, {
      alias: 'ua-primary0',
      type: 'user',
      model: 'e1000e',
      mac: '52:54:00:12:34:56',
      link: 'up',
      teaming: null,
      hostPciAddress: null,
      network: null,
      guestSlot: { busController: 'pcie-root-port', bus: 2 },
    });
    assert.deepEqual(
      d.pcieRootPorts.filter((p) => p.free).map((p) => p.index),
      [3, 4, 5],
    );
  });
});

void describe('parseDomainXml device details', () => {
  void it('reads a PCI <hostdev> outside interfaces, with its guest slot', () => {
    const d = parseDomainXml(fixture('vf-without-teaming-hostdev.xml'));
    assert.deepEqual(d.hostdevs, [
      { alias: 'hostdev0', hostPciAddress: '0000:3b:02.3', guestSlot: { busController: 'pcie-root-port', bus: 8 } },
    ]);
    assert.equal(d.pcieRootPorts.find((p) => p.index === 8)?.free, false);
  });

  void it('ignores non-PCI hostdevs', () => {
    const xml = domain(`<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source></hostdev>`);
    assert.deepEqual(parseDomainXml(xml).hostdevs, []);
  });

  void it('puts a device on bus 0 of q35 on pcie-root and frees the port it left', () => {
    const d = parseDomainXml(fixture('no-hotplug-slot.xml'));
    assert.deepEqual(d.interfaces[1]?.guestSlot, { busController: 'pcie-root', bus: 0 });
    assert.equal(d.pcieRootPorts.find((p) => p.index === 7)?.free, true);
  });

  void it('infers the root bus from the machine when the XML lists no root controller', () => {
    const nic = "<interface type='user'><model type='virtio'/><address type='pci' bus='0x00' slot='0x03'/></interface>";
    assert.deepEqual(onlyInterface(nic, 'pc-q35-7.2').guestSlot, { busController: 'pcie-root', bus: 0 });
    assert.deepEqual(onlyInterface(nic, 'pc-i440fx-7.2').guestSlot, { busController: 'pci-root', bus: 0 });
  });

  void it('resolves buses behind bridges and unknown controllers, in hex or decimal', () => {
    const d = parseDomainXml(
      domain(`
        <controller type='pci' index='0' model='pcie-root'/>
        <controller type='pci' index='3' model='pcie-to-pci-bridge'/>
        <controller type='pci' index='4' model='pci-bridge'/>
        <interface type='user'><address type='pci' bus='0x03' slot='0x01'/></interface>
        <interface type='user'><address type='pci' bus='4' slot='0x01'/></interface>
        <interface type='user'><address type='pci' bus='0x09' slot='0x00'/></interface>
        <interface type='user'/>`),
    );
    assert.deepEqual(
      d.interfaces.map((n) => n.guestSlot),
      [{ busController: 'other', bus: 3 }, { busController: 'pci-bridge', bus: 4 }, { busController: 'other', bus: 9 }, null],
    );
  });

  void it('lower-cases the MAC, defaults the link to up and reads the network name', () => {
    const nic = onlyInterface("<interface type='network'><mac address='52:54:00:AB:CD:EF'/><source network='vf-pool'/></interface>");
    assert.equal(nic.mac, '52:54:00:ab:cd:ef');
    assert.equal(nic.link, 'up');
    assert.equal(nic.network, 'vf-pool');
    assert.equal(nic.model, null);
    assert.equal(nic.alias, null);
  });

  void it('reads an interface without type as user, as libvirt does', () => {
    assert.equal(onlyInterface("<interface><model type='virtio'/></interface>").type, 'user');
  });

  void it('keeps a transient teaming without persistent= as persistent null', () => {
    const nic = onlyInterface("<interface type='hostdev'><teaming type='transient'/></interface>");
    assert.deepEqual(nic.teaming, { type: 'transient', persistent: null });
  });

  void it('pads host PCI addresses written in decimal or with parts missing', () => {
    const nic = onlyInterface(
      "<interface type='hostdev'><source><address type='pci' bus='5' slot='0x1f' function='7'/></source></interface>",
    );
    assert.equal(nic.hostPciAddress, '0000:05:1f.7');
  });

  void it('ignores interfaces that are not direct children of <devices>', () => {
    const xml = `<domain><name>t</name><memory>1024</memory>
      <metadata><my:app xmlns:my='urn:x'><interface type='hostdev'/></my:app></metadata>
      <devices/></domain>`;
    assert.deepEqual(parseDomainXml(xml).interfaces, []);
  });

  void it('numbers root ports without index after the highest explicit one', () => {
    const d = parseDomainXml(
      domain(`<controller type='pci' index='0' model='pcie-root'/>
        <controller type='pci' index='2' model='pcie-root-port'/>
        <controller type='pci' model='pcie-root-port'/>
        <interface type='user'><address type='pci' bus='0x02' slot='0x00'/></interface>`),
    );
    assert.deepEqual(d.pcieRootPorts, [
      { index: 2, free: false },
      { index: 3, free: true },
    ]);
  });
});

void describe('parseDomainXml memory units', () => {
  const cases: [string, number][] = [
    ["<memory unit='KiB'>262144</memory>", 256],
    ['<memory>524288</memory>', 512],
    ["<memory unit='GiB'>2</memory>", 2048],
    ["<memory unit='G'>1</memory>", 1024],
    ["<memory unit='MiB'>300</memory>", 300],
    ["<memory unit='MB'>1048576</memory>", 1000000],
    ["<memory unit='bytes'>1048576</memory>", 1],
    ["<currentMemory unit='MiB'>128</currentMemory>", 128],
  ];
  for (const [memory, mib] of cases) {
    void it(`${memory} is ${mib} MiB`, () => {
      assert.equal(parseDomainXml(domain('', { memory })).memoryMiB, mib);
    });
  }

  void it('prefers <memory> over <currentMemory>', () => {
    const memory = "<memory unit='MiB'>1024</memory><currentMemory unit='MiB'>512</currentMemory>";
    assert.equal(parseDomainXml(domain('', { memory })).memoryMiB, 1024);
  });
});

void describe('parseDomainXml errors', () => {
  void it('reports malformed XML with line and column, not a parser stack', () => {
    const err = parseError("<domain>\n  <name>x</name>\n  <devices>\n    <interface type='user'>\n  </devices>\n</domain>");
    assert.equal(err.message, 'not well-formed XML at line 4, column 28: Opening and ending tag mismatch: "interface" != "devices"');
    assert.equal(err.line, 4);
    assert.equal(err.column, 28);
  });

  void it('reports an unclosed document', () => {
    const err = parseError('<domain><name>x</name>');
    assert.equal(err.message, 'not well-formed XML at line 1, column 15: unclosed xml tag(s): domain');
  });

  void it('rejects an unquoted attribute, which xmldom would only warn about', () => {
    const err = parseError('<domain>\n<name a=1>x</name></domain>');
    assert.match(err.message, /^not well-formed XML at line 2, column \d+: attribute "1" missed quot/);
  });

  void it('reports an empty document without a position', () => {
    const err = parseError('');
    assert.equal(err.message, 'not well-formed XML: missing root element');
    assert.equal(err.line, null);
  });

  void it('rejects a document that is not a domain', () => {
    const err = parseError("<network><name>vf-pool</name><forward mode='hostdev'/></network>");
    assert.equal(err.message, 'not a libvirt domain: the root element is <network>, expected <domain>');
  });

  void it('rejects a domain without name or memory', () => {
    assert.equal(parseError('<domain><memory>1</memory></domain>').message, 'domain XML has no <name>');
    assert.equal(parseError('<domain><name>x</name></domain>').message, "domain 'x' has no <memory> or <currentMemory>");
  });

  void it('rejects an unknown memory unit and a non-numeric amount', () => {
    assert.equal(
      parseError(domain('', { memory: "<memory unit='KX'>1</memory>" })).message,
      "<memory> has an unknown unit 'KX' (line 1)",
    );
    assert.equal(
      parseError(domain('', { memory: '<memory>lots</memory>' })).message,
      "<memory> value 'lots' is not a number (line 1)",
    );
  });

  void it('rejects an unknown teaming type, naming the interface', () => {
    const err = parseError(domain("<interface type='user'>\n<alias name='ua-x'/><teaming type='spare'/></interface>"));
    assert.equal(err.message, "interface ua-x: <teaming type='spare'> must have type 'persistent' or 'transient' (line 4)");
  });

  void it('rejects a non-numeric guest bus', () => {
    const err = parseError(domain("<interface type='user'><address type='pci' bus='zero'/></interface>"));
    assert.equal(err.message, "guest PCI bus 'zero' is not a number (line 3)");
  });
});

void describe('parseDomainXml host devices as libvirt reads them', () => {
  void it('reads a PCI <hostdev> with <teaming> as a primary interface of form hostdev', () => {
    const d = parseDomainXml(fixture('valid-hostdev-teaming.xml'));
    assert.deepEqual(d.hostdevs, []);
    assert.deepEqual(d.interfaces[1], {
      alias: 'ua-sriov0',
      type: 'hostdev',
      model: null,
      mac: null,
      link: 'up',
      teaming: { type: 'transient', persistent: 'ua-backup0' },
      hostPciAddress: '0000:3b:02.1',
      network: null,
      guestSlot: { busController: 'pcie-root-port', bus: 7 },
      form: 'hostdev',
    });
  });

  void it('reads a <hostdev> without mode as subsystem, as libvirt does', () => {
    const d = parseDomainXml(domain("<hostdev type='pci'><source><address bus='0x3b' slot='0x02' function='0x4'/></source></hostdev>"));
    assert.deepEqual(d.hostdevs, [{ alias: null, hostPciAddress: '0000:3b:02.4', guestSlot: null }]);
  });

  void it('keeps every other hostdev with what it passes through', () => {
    const d = parseDomainXml(
      domain(`<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source><alias name='hostdev1'/></hostdev>
        <hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='1'/></source></hostdev>
        <hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='iqn.2014-08.com.example:t1/1'><host name='example.com'/></source></hostdev>
        <hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5001405df3e54061'/></hostdev>
        <hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>
        <hostdev mode='capabilities' type='misc'><source><char>/dev/input/event3</char></source></hostdev>`),
    );
    assert.deepEqual(
      d.otherHostdevs?.map((h) => [h.alias, h.mode, h.type, h.source]),
      [
        ['hostdev1', 'subsystem', 'usb', null],
        [null, 'subsystem', 'scsi', 'scsi_host0 0:0:1'],
        [null, 'subsystem', 'scsi', 'iqn.2014-08.com.example:t1/1'],
        [null, 'subsystem', 'scsi_host', 'naa.5001405df3e54061'],
        [null, 'subsystem', 'mdev', 'c2177883-f1bb-47f0-914d-32a22e3a8804'],
        [null, 'capabilities', 'misc', '/dev/input/event3'],
      ],
    );
    assert.deepEqual(d.hostdevs, []);
    assert.deepEqual(d.interfaces, []);
  });

  void it('names a teamed hostdev in a teaming error', () => {
    const err = parseError(domain("<hostdev mode='subsystem' type='pci'><source><address bus='0x3b' slot='0x02' function='0x1'/></source><teaming type='spare'/></hostdev>"));
    assert.equal(err.message, "hostdev 0000:3b:02.1: <teaming type='spare'> must have type 'persistent' or 'transient' (line 3)");
  });
});

void describe('parseDomainXml buses that cannot hot-plug', () => {
  void it('lists controllers with hotplug=off and the models that never hot-plug, index-less root ports numbered as pcieRootPorts', () => {
    const d = parseDomainXml(
      domain(`<controller type='pci' index='0' model='pcie-root'/>
        <controller type='pci' index='1' model='pcie-root-port'/>
        <controller type='pci' index='2' model='pcie-root-port'><target chassis='2' port='0x11' hotplug='off'/></controller>
        <controller type='pci' index='3' model='dmi-to-pci-bridge'/>
        <controller type='pci' index='4' model='pcie-switch-upstream-port'/>
        <controller type='pci' index='5' model='pcie-switch-downstream-port'><target hotplug='off'/></controller>
        <controller type='pci' index='6' model='pcie-switch-downstream-port'><target hotplug='on'/></controller>
        <controller type='pci' index='7' model='pcie-expander-bus'/>
        <controller type='pci' index='8' model='pci-bridge'/>`),
    );
    assert.deepEqual(d.busesWithoutHotplug, [2, 3, 4, 5, 7]);
    const indexless = parseDomainXml(
      domain(`<controller type='pci' index='0' model='pcie-root'/>
        <controller type='pci' index='4' model='pcie-root-port'/>
        <controller type='pci' model='pcie-root-port'><target hotplug='off'/></controller>`),
    );
    assert.deepEqual(indexless.busesWithoutHotplug, [5]);
    assert.deepEqual(indexless.pcieRootPorts.map((p) => p.index), [4, 5]);
  });

  void it("lists i440fx's pci-root with hotplug=off, but never q35's pcie-root (GuestSlot names it)", () => {
    const off = "<controller type='pci' index='0' model='pci-root'><target hotplug='off'/></controller>";
    assert.deepEqual(parseDomainXml(domain(off, { machine: 'pc-i440fx-7.2' })).busesWithoutHotplug, [0]);
    assert.deepEqual(parseDomainXml(domain("<controller type='pci' index='0' model='pcie-root'/>")).busesWithoutHotplug, []);
  });
});

void describe('parseDomainXml PCI addresses as libvirt reads them (base 0)', () => {
  function hostAddress(parts: string): string | null {
    return onlyInterface(`<interface type='hostdev'><source><address type='pci' ${parts}/></source></interface>`).hostPciAddress;
  }

  void it('reads hex, octal and decimal parts', () => {
    assert.equal(hostAddress("domain='0x0000' bus='0x3B' slot='0X02' function='0x1'"), '0000:3b:02.1');
    assert.equal(hostAddress("bus='073' slot='010' function='07'"), '0000:3b:08.7');
    assert.equal(hostAddress("bus='59' slot='0' function='1'"), '0000:3b:00.1');
    assert.equal(onlyInterface("<interface type='user'><address type='pci' bus='010' slot='0x00'/></interface>").guestSlot?.bus, 8);
  });

  void it('refuses what strtoul or PCI would not take, naming it', () => {
    const err = (parts: string): string => parseError(domain(`<interface type='hostdev'><source><address type='pci' ${parts}/></source></interface>`)).message;
    assert.equal(err("bus='08'"), "host PCI bus '08' is not a number (line 3)");
    assert.equal(err("bus='-1'"), "host PCI bus '-1' is not a number (line 3)");
    assert.equal(err("bus=''"), "host PCI bus '' is not a number (line 3)");
    assert.equal(err("bus='0x100'"), "host PCI bus '0x100' is over the 255 PCI allows (line 3)");
    assert.equal(err("slot='0x20'"), "host PCI slot '0x20' is over the 31 PCI allows (line 3)");
    assert.equal(err("function='8'"), "host PCI function '8' is over the 7 PCI allows (line 3)");
    assert.equal(err("domain='0x10000'"), "host PCI domain '0x10000' is over the 65535 PCI allows (line 3)");
    const guest = parseError(domain("<interface type='user'><address type='pci' bus='0x1ff'/></interface>"));
    assert.equal(guest.message, "guest PCI bus '0x1ff' is over the 255 PCI allows (line 3)");
  });

  void it('ignores addresses that are not PCI: unassigned, drive, usb, ccw', () => {
    const d = parseDomainXml(
      domain(`<hostdev mode='subsystem' type='pci'><source><address bus='0x90' slot='0x01' function='0x1'/></source><address type='unassigned'/></hostdev>
        <interface type='user'><address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/></interface>`),
    );
    assert.deepEqual(d.hostdevs, [{ alias: null, hostPciAddress: '0000:90:01.1', guestSlot: null }]);
    assert.equal(d.interfaces[0]?.guestSlot, null);
  });
});

void describe('parseDomainXml on what real domains carry besides devices', () => {
  void it('reads through comments, namespaced metadata, unknown elements and devices without address', () => {
    const d = parseDomainXml(`<?xml version='1.0'?>
      <!-- written by hand -->
      <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
        <name>odd</name><memory unit='MiB'>512</memory>
        <metadata>
          <app:vm xmlns:app='urn:example:app'><app:interface type='hostdev'/><hostdev type='scsi'/></app:vm>
        </metadata>
        <os><type machine='q35'>hvm</type></os>
        <devices>
          <!-- the standby -->
          <interface type='bridge'><model type='virtio'/><teaming type='persistent'/><future-thing x='1'><nested/></future-thing><alias name='ua-backup0'/></interface>
          <hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0x3b' slot='2' function='1'/></source><teaming type='transient' persistent='ua-backup0'/></hostdev>
          <vendor-device/>
        </devices>
        <qemu:commandline><qemu:arg value='-s'/></qemu:commandline>
      </domain>`);
    assert.deepEqual(d.interfaces.map((n) => [n.alias, n.type, n.form ?? 'interface', n.hostPciAddress, n.guestSlot]), [
      ['ua-backup0', 'bridge', 'interface', null, null],
      [null, 'hostdev', 'hostdev', '0000:3b:02.1', null],
    ]);
    assert.deepEqual(d.otherHostdevs, []);
  });
});
