import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import type { DomainDescription, NetInterface } from '../../src/domain/description.js';
import type { PrimaryMode } from '../../src/domain/teaming.js';
import { formatFinding, LINT_CODES, lintDomain, type Finding, type LintCode } from '../../src/lint/lint.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);

function load(name: string): DomainDescription {
  return parseDomainXml(readFileSync(new URL(name, FIXTURES), 'utf8'));
}

function codes(d: DomainDescription, mode: PrimaryMode): LintCode[] {
  return lintDomain(d, { primaryMode: mode }).map((f) => f.code);
}

function lines(d: DomainDescription, mode: PrimaryMode): string[] {
  return lintDomain(d, { primaryMode: mode }).map(formatFinding);
}

function byAlias(d: DomainDescription, alias: string): NetInterface {
  const found = d.interfaces.find((n) => n.alias === alias);
  assert.ok(found, `no interface ${alias}`);
  return found;
}

/** Marks every root port occupied, as if each had a device behind it. */
function fillPorts(d: DomainDescription): void {
  for (const port of d.pcieRootPorts) port.free = false;
}

const BROKEN: [LintCode, string][] = [
  ['no-standby', 'no-standby.xml'],
  ['standby-not-virtio', 'standby-not-virtio.xml'],
  ['standby-link-up', 'standby-link-up.xml'],
  ['transient-missing-persistent', 'transient-missing-persistent.xml'],
  ['persistent-target-missing', 'persistent-target-missing.xml'],
  ['alias-prefix', 'alias-prefix.xml'],
  ['mac-mismatch', 'mac-mismatch.xml'],
  ['multiple-primaries', 'multiple-primaries.xml'],
  ['vf-without-teaming', 'vf-without-teaming.xml'],
  ['vf-without-teaming', 'vf-without-teaming-hostdev.xml'],
  ['no-hotplug-slot', 'no-hotplug-slot.xml'],
  ['no-hotplug-slot', 'no-hotplug-slot-ports-full.xml'],
  ['no-hotplug-slot', 'no-hotplug-slot-hotplug-off.xml'],
  ['mac-mismatch', 'mac-mismatch-second-pair.xml'],
  ['transient-not-hostdev', 'transient-not-hostdev.xml'],
  ['unmigratable-device', 'unmigratable-device.xml'],
];

/** Findings that ask for nothing: the domain is fine as it is. */
const INFO: [LintCode, string][] = [['no-vf', 'no-vf.xml']];

void describe('lint codes', () => {
  void it('exports every code, each with a broken fixture', () => {
    assert.deepEqual(LINT_CODES, [
      'no-standby',
      'standby-not-virtio',
      'standby-link-up',
      'transient-missing-persistent',
      'persistent-target-missing',
      'alias-prefix',
      'mac-mismatch',
      'multiple-primaries',
      'vf-without-teaming',
      'no-hotplug-slot',
      'transient-not-hostdev',
      'unmigratable-device',
      'no-vf',
    ]);
    assert.deepEqual([...new Set([...BROKEN, ...INFO].map(([code]) => code))], [...LINT_CODES]);
  });
});

void describe('lintDomain on the fixtures', () => {
  for (const file of ['valid-hostdev.xml', 'valid-testbed.xml', 'valid-hostdev-teaming.xml', 'valid-two-pairs.xml']) {
    for (const mode of ['hostdev', 'emulated'] as const) {
      void it(`finds nothing in ${file} (${mode})`, () => {
        assert.deepEqual(lines(load(file), mode), []);
      });
    }
  }

  for (const [code, file] of [...BROKEN, ...INFO]) {
    void it(`${file} fires exactly ${code}`, () => {
      assert.deepEqual(codes(load(file), 'hostdev'), [code]);
    });
  }

  void it('gives every finding a severity of its code, a message and an XML fix', () => {
    for (const [code, file] of BROKEN) {
      const [f] = lintDomain(load(file), { primaryMode: 'hostdev' });
      assert.ok(f);
      assert.equal(f.severity, code === 'standby-link-up' ? 'warning' : 'error', code);
      assert.ok(f.message.length > 20, code);
      assert.match(f.fix, /<[a-z]+[ >/]/, `${code} fix names no XML element: ${f.fix}`);
    }
  });
});

void describe('formatted findings', () => {
  void it('formats as SEVERITY CODE SUBJECT: message (fix)', () => {
    const f: Finding = { severity: 'warning', code: 'standby-link-up', subject: 'ua-b', message: 'm', fix: 'x' };
    assert.equal(formatFinding(f), 'WARNING standby-link-up ua-b: m (x)');
  });

  void it('mac-mismatch names both MACs and the MAC to set', () => {
    assert.deepEqual(lines(load('mac-mismatch.xml'), 'hostdev'), [
      "ERROR mac-mismatch ua-sriov0: the primary's MAC 52:54:00:6d:90:03 differs from the standby's 52:54:00:6d:90:02: libvirt accepts it but net_failover never pairs them and the guest breaks silently (set <mac address='52:54:00:6d:90:02'/> on the primary)",
    ]);
  });

  void it('standby-link-up is a warning', () => {
    assert.deepEqual(lines(load('standby-link-up.xml'), 'hostdev'), [
      "WARNING standby-link-up ua-backup0: the standby's link is up, so traffic won't prefer the VF in normal operation (add <link state='down'/> to the standby; vfmigrate brings it up only while the VF is away)",
    ]);
  });

  void it('no-hotplug-slot points at the first free root port', () => {
    assert.deepEqual(lines(load('no-hotplug-slot.xml'), 'hostdev'), [
      "ERROR no-hotplug-slot ua-sriov0: the primary sits on pcie.0, the q35 root bus, which cannot hot-unplug it (move it behind pcie-root-port 7: <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>)",
    ]);
  });

  void it('vf-without-teaming names a bare <hostdev> by alias and host address', () => {
    assert.deepEqual(lines(load('vf-without-teaming-hostdev.xml'), 'hostdev'), [
      "ERROR vf-without-teaming hostdev0: PCI device 0000:3b:02.3 is passed through as a <hostdev> without <teaming>: libvirt refuses to migrate the domain (add <teaming type='transient' persistent='ua-backup0'/> to the <hostdev> (libvirt 7.1+), or replace it with <interface type='hostdev' managed='yes'> carrying it)",
    ]);
  });

  void it('persistent-target-missing suggests the standby alias', () => {
    assert.deepEqual(lines(load('persistent-target-missing.xml'), 'hostdev'), [
      "ERROR persistent-target-missing ua-sriov0: persistent='ua-backup1' names no interface alias, so the VF is teamed with nothing (use <teaming type='transient' persistent='ua-backup0'/>, naming the standby's alias)",
    ]);
  });

  void it('no-standby names the domain', () => {
    const [line] = lines(load('no-standby.xml'), 'hostdev');
    assert.match(line ?? '', /^ERROR no-standby web-01: no interface carries <teaming type='persistent'\/>/);
  });
});

void describe('lint rule details', () => {
  void it('reports a problem on a subject without alias by its MAC', () => {
    const d = load('mac-mismatch.xml');
    byAlias(d, 'ua-sriov0').alias = null;
    const [f] = lintDomain(d, { primaryMode: 'hostdev' }).filter((x) => x.code === 'mac-mismatch');
    assert.equal(f?.subject, '52:54:00:6d:90:03');
  });

  void it('flags a standby without MAC: libvirt would generate one that differs from the VF', () => {
    const d = load('valid-hostdev.xml');
    byAlias(d, 'ua-backup0').mac = null;
    assert.deepEqual(codes(d, 'hostdev'), ['mac-mismatch']);
  });

  void it('flags a standby without alias, which no persistent= can name', () => {
    const d = load('valid-testbed.xml');
    byAlias(d, 'ua-backup0').alias = null;
    const findings = lintDomain(d, { primaryMode: 'emulated' });
    assert.deepEqual(findings.map((f) => [f.code, f.subject]), [['alias-prefix', '52:54:00:12:34:56']]);
  });

  void it('reports both a pcie.0 primary and a full set of root ports', () => {
    const d = load('no-hotplug-slot.xml');
    fillPorts(d);
    const findings = lintDomain(d, { primaryMode: 'hostdev' });
    assert.deepEqual(findings.map((f) => f.code), ['no-hotplug-slot', 'no-hotplug-slot']);
    assert.match(findings[0]?.fix ?? '', /add <controller type='pci' model='pcie-root-port'\/>/);
  });

  void it('accepts a full set of root ports when unplugging the primary frees its own', () => {
    const d = load('valid-hostdev.xml');
    fillPorts(d);
    assert.deepEqual(codes(d, 'hostdev'), []);
  });

  void it('does not apply the q35 slot rules to i440fx', () => {
    const d = load('no-hotplug-slot.xml');
    d.machine = 'pc-i440fx-7.2';
    assert.deepEqual(codes(d, 'hostdev'), []);
  });

  void it('reports every teamed NIC with a bad alias', () => {
    const d = load('valid-hostdev.xml');
    byAlias(d, 'ua-sriov0').alias = 'hostdev0';
    assert.deepEqual(lines(d, 'hostdev'), [
      "ERROR alias-prefix hostdev0: alias 'hostdev0' lacks the ua- prefix: libvirt silently drops such aliases, leaving persistent= and detach-by-alias dangling (rename it <alias name='ua-hostdev0'/> and update any persistent= that names it)",
    ]);
  });

  void it('reports a persistent teaming on a hostdev interface as standby-not-virtio only', () => {
    const d = load('valid-hostdev.xml');
    const vf = byAlias(d, 'ua-sriov0');
    vf.teaming = { type: 'persistent' };
    vf.link = 'down';
    const findings = lintDomain(d, { primaryMode: 'hostdev' });
    assert.deepEqual(findings.map((f) => [f.code, f.subject]), [['standby-not-virtio', 'ua-sriov0']]);
    assert.match(findings[0]?.message ?? '', /type hostdev/);
  });
});

void describe('lintDomain in emulated mode', () => {
  void it('takes the e1000e stand-in for the VF: a standby without teaming is no-standby, never no-vf', () => {
    const d = load('valid-testbed.xml');
    byAlias(d, 'ua-backup0').teaming = null;
    assert.deepEqual(codes(d, 'emulated'), ['no-standby']);
    // Without the stand-in's MAC on a virtio NIC there is nothing standing in for a VF.
    byAlias(d, 'ua-primary0').mac = '52:54:00:00:00:99';
    assert.deepEqual(codes(d, 'emulated'), ['no-vf']);
  });

  void it('checks the e1000e stand-in for the ua- alias prefix, unlike hostdev mode', () => {
    const d = load('valid-testbed.xml');
    byAlias(d, 'ua-primary0').alias = 'primary0';
    assert.deepEqual(codes(d, 'emulated'), ['alias-prefix']);
    assert.deepEqual(codes(d, 'hostdev'), []);
  });

  void it('checks where the stand-in sits', () => {
    const d = load('valid-testbed.xml');
    byAlias(d, 'ua-primary0').guestSlot = { busController: 'pcie-root', bus: 0 };
    assert.deepEqual(codes(d, 'emulated'), ['no-hotplug-slot']);
  });

  void it('counts two stand-ins with the standby MAC as multiple primaries', () => {
    const d = load('valid-testbed.xml');
    d.interfaces.push({ ...byAlias(d, 'ua-primary0'), alias: 'ua-primary1', guestSlot: { busController: 'pcie-root-port', bus: 3 } });
    assert.deepEqual(lines(d, 'emulated'), [
      "ERROR multiple-primaries ua-backup0: 2 primaries (ua-primary0, ua-primary1) are teamed with one standby; net_failover takes only one (keep one primary per standby: remove the <interface> of ua-primary1, or give each its own virtio standby with <teaming type='persistent'/> and the same MAC)",
    ]);
  });

  void it('still reports the standby link and VFs without teaming', () => {
    const d = load('valid-testbed.xml');
    byAlias(d, 'ua-backup0').link = 'up';
    d.hostdevs.push({ alias: null, hostPciAddress: '0000:3b:02.4', guestSlot: null });
    assert.deepEqual(
      lintDomain(d, { primaryMode: 'emulated' }).map((f) => [f.code, f.subject]),
      [
        ['standby-link-up', 'ua-backup0'],
        ['vf-without-teaming', '0000:3b:02.4'],
      ],
    );
  });

  void it('still checks a transient teaming written on some interface', () => {
    const d = load('valid-testbed.xml');
    byAlias(d, 'ua-primary0').teaming = { type: 'transient', persistent: 'ua-nope' };
    assert.deepEqual(codes(d, 'emulated'), ['persistent-target-missing']);
  });
});

/** A fixture's XML with one edit, parsed: for cases that differ from a fixture by a line. */
function edited(name: string, from: string, to: string): DomainDescription {
  const xml = readFileSync(new URL(name, FIXTURES), 'utf8');
  assert.ok(xml.includes(from), `${name} has no ${from}`);
  return parseDomainXml(xml.replace(from, to));
}

/** valid-hostdev.xml with one more device under <devices>. */
function withDevice(xml: string): DomainDescription {
  return edited('valid-hostdev.xml', '    <serial ', `${xml}\n    <serial `);
}

const HOSTDEV_TEAMING = "<teaming type='transient' persistent='ua-backup0'/>";

void describe('lint as libvirt judges: the <hostdev> teaming form (libvirt 7.1+)', () => {
  void it('is a primary like <interface type=hostdev>: no vf-without-teaming, and findings name it', () => {
    assert.deepEqual(codes(load('valid-hostdev-teaming.xml'), 'hostdev'), []);
    const d = edited('valid-hostdev-teaming.xml', "<alias name='ua-sriov0'/>", "<alias name='hostdev0'/>");
    assert.deepEqual(lintDomain(d, { primaryMode: 'hostdev' }).map((f) => [f.code, f.subject]), [['alias-prefix', 'hostdev0']]);
  });

  void it('checks its persistent= like the interface form', () => {
    const d = edited('valid-hostdev-teaming.xml', HOSTDEV_TEAMING, "<teaming type='transient' persistent='ua-nothing'/>");
    assert.deepEqual(lines(d, 'hostdev'), [
      "ERROR persistent-target-missing ua-sriov0: persistent='ua-nothing' names no interface alias, so the VF is teamed with nothing (use <teaming type='transient' persistent='ua-backup0'/>, naming the standby's alias)",
    ]);
    const without = edited('valid-hostdev-teaming.xml', HOSTDEV_TEAMING, "<teaming type='transient'/>");
    assert.deepEqual(codes(without, 'hostdev'), ['transient-missing-persistent']);
  });

  void it('reports it on pcie.0 as no-hotplug-slot', () => {
    const d = edited(
      'valid-hostdev-teaming.xml',
      "<address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>",
      "<address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x0'/>",
    );
    assert.deepEqual(lintDomain(d, { primaryMode: 'hostdev' }).map((f) => [f.code, f.subject]), [['no-hotplug-slot', 'ua-sriov0']]);
  });

  void it('cannot show a MAC mismatch (the MAC is set through the PF) but flags a standby without MAC', () => {
    const d = load('valid-hostdev-teaming.xml');
    byAlias(d, 'ua-backup0').mac = null;
    assert.deepEqual(lines(d, 'hostdev'), [
      "ERROR mac-mismatch ua-backup0: the standby has no MAC, so libvirt generates one that the MAC set on the <hostdev> through its PF cannot match: net_failover never pairs them (set <mac address='…'/> on the standby to the MAC you set on the VF (ip link set PF vf N mac …))",
    ]);
  });

  void it('counts a <hostdev> and an <interface> claiming one standby as multiple primaries', () => {
    const d = edited('valid-hostdev-teaming.xml', '    <serial ', "<interface type='hostdev'><mac address='52:54:00:6d:90:02'/>\n" + `${HOSTDEV_TEAMING}<alias name='ua-sriov1'/></interface>\n    <serial `);
    assert.deepEqual(codes(d, 'hostdev'), ['multiple-primaries']);
  });
});

void describe('lint as libvirt judges: every teamed pair', () => {
  void it('checks the second pair as the first: MAC, alias, primaries', () => {
    assert.deepEqual(lintDomain(load('mac-mismatch-second-pair.xml'), { primaryMode: 'hostdev' }).map((f) => [f.code, f.subject]), [['mac-mismatch', 'ua-sriov1']]);
    const unnamed = load('valid-two-pairs.xml');
    byAlias(unnamed, 'ua-backup1').alias = null;
    // Its VF now names an alias that is gone, too.
    assert.deepEqual(codes(unnamed, 'hostdev'), ['persistent-target-missing', 'alias-prefix']);
    const doubled = load('valid-two-pairs.xml');
    doubled.interfaces.push({ ...byAlias(doubled, 'ua-sriov1'), alias: 'ua-sriov2', guestSlot: { busController: 'pcie-root-port', bus: 10 } });
    assert.deepEqual(lintDomain(doubled, { primaryMode: 'hostdev' }).map((f) => [f.code, f.subject]), [['multiple-primaries', 'ua-backup1']]);
  });

  void it('needs a free hot-pluggable port for every pair whose VF frees none', () => {
    const d = load('valid-two-pairs.xml');
    d.interfaces = d.interfaces.filter((nic) => nic.type !== 'hostdev');
    // Both VFs detached, one free port (10) for two pairs.
    assert.deepEqual(lintDomain(d, { primaryMode: 'hostdev' }).map((f) => [f.code, f.subject]), [['no-hotplug-slot', 'ua-backup1']]);
    d.pcieRootPorts.push({ index: 11, free: true });
    assert.deepEqual(codes(d, 'hostdev'), []);
  });

  void it('does not count a free port with hotplug=off', () => {
    const d = edited('no-hotplug-slot-ports-full.xml', "<target chassis='6' port='0x15'/>", "<target chassis='6' port='0x15' hotplug='off'/>");
    d.pcieRootPorts = d.pcieRootPorts.map((port) => ({ ...port, free: port.index === 6 }));
    assert.deepEqual(codes(d, 'hostdev'), ['no-hotplug-slot']);
  });
});

void describe('lint as libvirt judges: standbys, transient devices and hot-plug', () => {
  for (const model of ['virtio-transitional', 'virtio-non-transitional']) {
    void it(`takes a ${model} standby (virDomainNetIsVirtioModel)`, () => {
      const d = edited('valid-hostdev.xml', "<model type='virtio'/>\n      <teaming", `<model type='${model}'/>\n      <teaming`);
      assert.equal(byAlias(d, 'ua-backup0').model, model);
      assert.deepEqual(codes(d, 'hostdev'), []);
    });
  }

  void it('accepts a transient teaming on type=network (a VF pool) and refuses other types', () => {
    const network = "<interface type='network'>\n      <mac address='52:54:00:6d:90:02'/>\n      <source network='vf-pool'/>";
    const d = edited('transient-not-hostdev.xml', "<interface type='direct'>\n      <mac address='52:54:00:6d:90:02'/>\n      <source dev='ens1f0v1' mode='passthrough'/>", network);
    assert.deepEqual(codes(d, 'hostdev'), []);
    for (const type of ['bridge', 'user', 'ethernet']) {
      byAlias(d, 'ua-sriov0').type = type;
      assert.deepEqual(codes(d, 'hostdev'), ['transient-not-hostdev'], type);
    }
  });

  void it('leaves the emulated mode alone: the stand-in carries no teaming', () => {
    assert.deepEqual(codes(load('transient-not-hostdev.xml'), 'emulated'), []);
    assert.deepEqual(codes(load('valid-testbed.xml'), 'emulated'), []);
  });

  void it('reports a primary on a bus that cannot hot-plug, whatever the reason', () => {
    const onDmiBridge = edited('valid-hostdev.xml', "<controller type='pci' index='7' model='pcie-root-port'>", "<controller type='pci' index='7' model='dmi-to-pci-bridge'>");
    assert.deepEqual(codes(onDmiBridge, 'hostdev'), ['no-hotplug-slot']);
    const i440fx = parseDomainXml(`<domain type='kvm'><name>old</name><memory>1048576</memory>
      <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
      <devices><controller type='pci' index='0' model='pci-root'><target hotplug='off'/></controller>
        <interface type='bridge'><mac address='52:54:00:00:00:01'/><model type='virtio'/><teaming type='persistent'/><link state='down'/><alias name='ua-backup0'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>
        <interface type='hostdev'><mac address='52:54:00:00:00:01'/><teaming type='transient' persistent='ua-backup0'/><alias name='ua-sriov0'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/></interface>
      </devices></domain>`);
    assert.deepEqual(lines(i440fx, 'hostdev'), [
      "ERROR no-hotplug-slot ua-sriov0: the primary sits on bus 0x00, whose controller cannot hot-plug (<target hotplug='off'/>, or a model that never does), so it cannot be unplugged (remove <target hotplug='off'/> from the controller of bus 0x00, or drop the primary's <address> so libvirt places it on a bus that can hot-plug)",
    ]);
  });

  void it('reports persistent= naming an interface that is no standby', () => {
    const d = withDevice("<interface type='bridge'><model type='virtio'/><alias name='ua-plain0'/></interface>");
    byAlias(d, 'ua-sriov0').teaming = { type: 'transient', persistent: 'ua-plain0' };
    const [f, ...rest] = lintDomain(d, { primaryMode: 'hostdev' });
    assert.deepEqual(rest, []);
    assert.equal(f?.code, 'persistent-target-missing');
    assert.match(f?.message ?? '', /names an interface without <teaming type='persistent'\/>, which is no standby/);
  });
});

void describe('lint as libvirt judges: host devices that do not migrate', () => {
  const cases: [string, string, string][] = [
    ['SCSI', "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='1'/></source></hostdev>", 'scsi_host0 0:0:1'],
    ['SCSI host', "<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5001405df3e54061'/></hostdev>", 'naa.5001405df3e54061'],
    ['mdev', "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='b1ae8bf6-38b0-4c81-9d44-78ce3f520496'/></source></hostdev>", 'b1ae8bf6-38b0-4c81-9d44-78ce3f520496'],
    ['capabilities-mode', "<hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>", '/dev/sdf1'],
  ];
  for (const [what, xml, subject] of cases) {
    void it(`refuses a ${what} hostdev, naming it, and calls it no VF`, () => {
      const findings = lintDomain(withDevice(xml), { primaryMode: 'hostdev' });
      assert.deepEqual(findings.map((f) => [f.code, f.subject]), [['unmigratable-device', subject]]);
      assert.match(findings[0]?.message ?? '', /^<hostdev mode='(subsystem|capabilities)' type='[a-z_]+'> cannot be migrated/);
    });
  }

  void it('lets USB hostdevs migrate', () => {
    const usb = "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source></hostdev>";
    assert.deepEqual(codes(withDevice(usb), 'hostdev'), []);
  });
});

void describe('lint as libvirt judges: a domain without a VF', () => {
  void it('prints one INFO no-vf line and never no-standby', () => {
    const findings = lintDomain(load('no-vf.xml'), { primaryMode: 'hostdev' });
    assert.deepEqual(findings.map(formatFinding), ['INFO no-vf web-01: nothing to team; migrated with the plan for VMs without a VF']);
    assert.equal(findings[0]?.severity, 'info');
    assert.deepEqual(codes(load('no-vf.xml'), 'emulated'), ['no-vf']);
  });

  void it('is not no-vf when a VF is there but untamed, or teamed with nothing', () => {
    assert.deepEqual(codes(load('no-standby.xml'), 'hostdev'), ['no-standby']);
    assert.deepEqual(codes(load('vf-without-teaming-hostdev.xml'), 'hostdev'), ['vf-without-teaming']);
  });

  void it('is not no-vf with a standby whose VF is detached (mid-migration)', () => {
    const d = load('valid-hostdev.xml');
    d.interfaces = d.interfaces.filter((nic) => nic.type !== 'hostdev');
    assert.deepEqual(codes(d, 'hostdev'), []);
  });
});
