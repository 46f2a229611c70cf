import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DomainDescription, NetInterface } from '../../src/domain/description.js';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { repairNeed } from '../../src/domain/repair-need.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);

function running(name: string): DomainDescription & { state: string } {
  return { ...parseDomainXml(readFileSync(new URL(name, FIXTURES), 'utf8')), state: 'running' };
}

/** The domain with its primaries (hostdev interfaces) removed and its standbys' links set. */
function degraded(d: DomainDescription & { state: string }, opts: { drop?: string[]; link?: 'up' | 'down' }): DomainDescription & { state: string } {
  const interfaces = d.interfaces
    .filter((nic) => !(opts.drop ?? []).includes(nic.alias ?? ''))
    .map((nic): NetInterface => (nic.teaming?.type === 'persistent' && opts.link ? { ...nic, link: opts.link } : nic));
  return { ...d, interfaces };
}

void describe('repairNeed: what it takes to bring a VM back to normal', () => {
  void it('a VM with its primary attached and its standby down is healthy', () => {
    const need = repairNeed(running('valid-hostdev-teaming.xml'), 'hostdev');
    assert.equal(need.kind, 'healthy');
  });

  void it('primary missing, standby up (a DEGRADED migration): attach it, then bring the standby down', () => {
    const d = running('valid-hostdev-teaming.xml');
    const primary = d.interfaces.find((n) => n.teaming?.type === 'transient')!.alias!;
    const need = repairNeed(degraded(d, { drop: [primary], link: 'up' }), 'hostdev');
    assert.equal(need.kind, 'repair');
    assert.ok(need.kind === 'repair');
    assert.deepEqual(need.attach.map((p) => p.standbyAlias), ['ua-backup0']);
    assert.deepEqual(need.standbyDown.map((p) => p.standbyAlias), ['ua-backup0']);
    assert.deepEqual(need.findings, ['primary of standby ua-backup0 missing']);
  });

  void it('primary missing and standby down: the VM has no link on that pair, and says so', () => {
    const d = running('valid-hostdev-teaming.xml');
    const primary = d.interfaces.find((n) => n.teaming?.type === 'transient')!.alias!;
    const need = repairNeed(degraded(d, { drop: [primary], link: 'down' }), 'hostdev');
    assert.ok(need.kind === 'repair');
    assert.deepEqual(need.standbyDown, []);
    assert.deepEqual(need.findings, ['primary of standby ua-backup0 missing and the standby is down: the VM has no link on that pair']);
  });

  void it('primary in place but the standby left up (a standby-down that failed): only the standby goes down', () => {
    const need = repairNeed(degraded(running('valid-hostdev-teaming.xml'), { link: 'up' }), 'hostdev');
    assert.ok(need.kind === 'repair');
    assert.deepEqual(need.attach, []);
    assert.deepEqual(need.standbyDown.map((p) => p.standbyAlias), ['ua-backup0']);
    assert.match(need.findings[0]!, /^standby ua-backup0 up beside its primary /);
  });

  void it('two pairs, one missing its primary: only that pair is attached', () => {
    const d = running('valid-two-pairs.xml');
    const [first] = d.interfaces.filter((n) => n.teaming?.type === 'transient');
    const need = repairNeed(degraded(d, { drop: [first!.alias!] }), 'hostdev');
    assert.ok(need.kind === 'repair', JSON.stringify(need));
    assert.equal(need.pairs.length, 2);
    assert.deepEqual(need.attach.map((p) => p.standbyAlias), [first!.teaming?.type === 'transient' ? first!.teaming.persistent : null]);
  });

  void it('two pairs both missing their primaries: both to attach (a VF booked for each), in pair order', () => {
    const d = running('valid-two-pairs.xml');
    const primaries = d.interfaces.filter((n) => n.teaming?.type === 'transient');
    const need = repairNeed(degraded(d, { drop: primaries.map((n) => n.alias!) }), 'hostdev');
    assert.ok(need.kind === 'repair', JSON.stringify(need));
    assert.deepEqual(
      need.attach.map((p) => p.standbyAlias),
      primaries.map((n) => (n.teaming?.type === 'transient' ? n.teaming.persistent : null)),
    );
    assert.deepEqual(need.attach, need.pairs.filter((p) => p.primaryAlias === null));
    assert.equal(need.findings.length, 2);
  });

  void it('a VM that is not running, or not teamed, cannot be repaired: the reason says why', () => {
    const paused = { ...running('valid-hostdev-teaming.xml'), state: 'paused' };
    assert.deepEqual(repairNeed(paused, 'hostdev'), { kind: 'unrepairable', reason: `${paused.name} is paused; only a running VM is repaired (start or resume it first)` });
    const plain = running('no-standby.xml');
    const need = repairNeed(plain, 'hostdev');
    assert.equal(need.kind, 'unrepairable');
    assert.match(need.kind === 'unrepairable' ? need.reason : '', /has no teamed standby/);
  });
});
