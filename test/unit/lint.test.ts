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
];

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
    ]);
    assert.deepEqual([...new Set(BROKEN.map(([code]) => code))], [...LINT_CODES]);
  });
});

void describe('lintDomain on the fixtures', () => {
  for (const file of ['valid-hostdev.xml', 'valid-testbed.xml']) {
    for (const mode of ['hostdev', 'emulated'] as const) {
      void it(`finds nothing in ${file} (${mode})`, () => {
        assert.deepEqual(lines(load(file), mode), []);
      });
    }
  }

  for (const [code, file] of BROKEN) {
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
      "ERROR vf-without-teaming hostdev0: PCI device 0000:3b:02.3 is passed through as a <hostdev>, which cannot be teamed: libvirt refuses to migrate the domain (replace it with <interface type='hostdev' managed='yes'> carrying <teaming type='transient' persistent='ua-backup0'/>)",
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
