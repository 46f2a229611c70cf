import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import type { DomainDescription, NetInterface } from '../../src/domain/description.js';
import { findPairs, findTeamingPair, findTeams, isStandby, type PrimaryMode } from '../../src/domain/teaming.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);

function load(name: string): DomainDescription {
  return parseDomainXml(readFileSync(new URL(name, FIXTURES), 'utf8'));
}

function nic(overrides: Partial<NetInterface>): NetInterface {
  return {
    alias: null,
    type: 'user',
    model: 'virtio',
    mac: '52:54:00:00:00:01',
    link: 'up',
    teaming: null,
    hostPciAddress: null,
    network: null,
    guestSlot: null,
    ...overrides,
  };
}

function withInterfaces(interfaces: NetInterface[]): DomainDescription {
  return { name: 't', memoryMiB: 256, machine: 'pc-q35-7.2', interfaces, hostdevs: [], pcieRootPorts: [] };
}

/** The pair as aliases, so failures print something readable. */
function pairAliases(d: DomainDescription, mode: PrimaryMode): { standby: string | null; primary: string | null } | null {
  const pair = findTeamingPair(d, mode);
  return pair === null ? null : { standby: pair.standby.alias, primary: pair.primary?.alias ?? null };
}

void describe('findTeamingPair', () => {
  void it('pairs the VF with its standby by persistent= in hostdev mode', () => {
    assert.deepEqual(pairAliases(load('valid-hostdev.xml'), 'hostdev'), { standby: 'ua-backup0', primary: 'ua-sriov0' });
  });

  void it('pairs the e1000e stand-in by MAC in emulated mode', () => {
    assert.deepEqual(pairAliases(load('valid-testbed.xml'), 'emulated'), { standby: 'ua-backup0', primary: 'ua-primary0' });
  });

  void it('finds no primary for the testbed in hostdev mode: the e1000e has no transient teaming', () => {
    assert.deepEqual(pairAliases(load('valid-testbed.xml'), 'hostdev'), { standby: 'ua-backup0', primary: null });
  });

  void it('returns the standby with a null primary while the VF is detached', () => {
    assert.deepEqual(pairAliases(load('no-hotplug-slot-ports-full.xml'), 'hostdev'), { standby: 'ua-backup0', primary: null });
  });

  void it('returns the real objects from the description', () => {
    const d = load('valid-hostdev.xml');
    const pair = findTeamingPair(d, 'hostdev');
    assert.equal(pair?.standby, d.interfaces[0]);
    assert.equal(pair?.primary, d.interfaces[1]);
  });

  void it('returns null without a virtio NIC carrying persistent teaming', () => {
    assert.equal(findTeamingPair(load('no-standby.xml'), 'hostdev'), null);
    assert.equal(findTeamingPair(load('standby-not-virtio.xml'), 'hostdev'), null);
  });

  void it('finds no primary when persistent= names another alias', () => {
    assert.deepEqual(pairAliases(load('persistent-target-missing.xml'), 'hostdev'), { standby: 'ua-backup0', primary: null });
  });

  void it('takes the first of several primaries', () => {
    assert.deepEqual(pairAliases(load('multiple-primaries.xml'), 'hostdev'), { standby: 'ua-backup0', primary: 'ua-sriov0' });
  });

  void it('in emulated mode never takes another virtio NIC with the same MAC as the primary', () => {
    const d = withInterfaces([
      nic({ alias: 'ua-backup0', teaming: { type: 'persistent' } }),
      nic({ alias: 'ua-other0' }),
      nic({ alias: 'ua-primary0', model: 'e1000e' }),
    ]);
    assert.deepEqual(pairAliases(d, 'emulated'), { standby: 'ua-backup0', primary: 'ua-primary0' });
  });

  void it('in emulated mode finds no primary when the MACs differ', () => {
    const d = withInterfaces([
      nic({ alias: 'ua-backup0', teaming: { type: 'persistent' } }),
      nic({ alias: 'ua-primary0', model: 'e1000e', mac: '52:54:00:00:00:02' }),
    ]);
    assert.deepEqual(pairAliases(d, 'emulated'), { standby: 'ua-backup0', primary: null });
  });

  void it('in hostdev mode never matches a standby without alias', () => {
    const d = withInterfaces([
      nic({ teaming: { type: 'persistent' } }),
      nic({ type: 'hostdev', model: null, teaming: { type: 'transient', persistent: null } }),
    ]);
    assert.deepEqual(pairAliases(d, 'hostdev'), { standby: null, primary: null });
  });
});

void describe('findTeams', () => {
  /** Each team as aliases: standby, then its primaries. */
  function teams(d: DomainDescription, mode: PrimaryMode): (string | null)[][] {
    return findTeams(d, mode).map((t) => [t.standby.alias, ...t.primaries.map((p) => p.alias)]);
  }

  void it('finds every pair, each VF with the standby its persistent= names', () => {
    assert.deepEqual(teams(load('valid-two-pairs.xml'), 'hostdev'), [
      ['ua-backup0', 'ua-sriov0'],
      ['ua-backup1', 'ua-sriov1'],
    ]);
  });

  void it('pairs by MAC in emulated mode, every pair', () => {
    assert.deepEqual(teams(load('valid-two-pairs.xml'), 'emulated'), [
      ['ua-backup0', 'ua-sriov0'],
      ['ua-backup1', 'ua-sriov1'],
    ]);
  });

  void it('lists a standby whose VF is detached with no primary, and every primary of a doubled one', () => {
    assert.deepEqual(teams(load('no-hotplug-slot-ports-full.xml'), 'hostdev'), [['ua-backup0']]);
    assert.deepEqual(teams(load('multiple-primaries.xml'), 'hostdev'), [['ua-backup0', 'ua-sriov0', 'ua-sriov1']]);
  });

  void it('takes a teamed <hostdev> as a primary', () => {
    const d = load('valid-hostdev-teaming.xml');
    assert.deepEqual(teams(d, 'hostdev'), [['ua-backup0', 'ua-sriov0']]);
    assert.equal(findTeams(d, 'hostdev')[0]?.primaries[0]?.form, 'hostdev');
  });
});

void describe('findTeamingPair with several pairs and forms', () => {
  void it('keeps meaning the first pair, for preflight and the adapter', () => {
    assert.deepEqual(pairAliases(load('valid-two-pairs.xml'), 'hostdev'), { standby: 'ua-backup0', primary: 'ua-sriov0' });
    assert.deepEqual(pairAliases(load('valid-two-pairs.xml'), 'emulated'), { standby: 'ua-backup0', primary: 'ua-sriov0' });
  });

  void it('returns a teamed <hostdev> as the primary, with its host address, so it is never left attached unseen', () => {
    const pair = findTeamingPair(load('valid-hostdev-teaming.xml'), 'hostdev');
    assert.equal(pair?.primary?.alias, 'ua-sriov0');
    assert.equal(pair?.primary?.hostPciAddress, '0000:3b:02.1');
  });
});

void describe('standbys', () => {
  for (const model of ['virtio', 'virtio-transitional', 'virtio-non-transitional']) {
    void it(`takes a ${model} NIC with persistent teaming as the standby`, () => {
      assert.equal(isStandby(nic({ model, teaming: { type: 'persistent' } })), true);
    });
  }

  void it('takes no other model, and no virtio NIC without persistent teaming', () => {
    assert.equal(isStandby(nic({ model: 'e1000e', teaming: { type: 'persistent' } })), false);
    assert.equal(isStandby(nic({ model: null, type: 'hostdev', teaming: { type: 'persistent' } })), false);
    assert.equal(isStandby(nic({ model: 'virtio' })), false);
  });

  void it('in emulated mode never takes a transitional virtio NIC with the MAC as the primary', () => {
    const d = withInterfaces([
      nic({ alias: 'ua-backup0', model: 'virtio-non-transitional', teaming: { type: 'persistent' } }),
      nic({ alias: 'ua-other0', model: 'virtio-transitional' }),
      nic({ alias: 'ua-primary0', model: 'e1000e' }),
    ]);
    assert.deepEqual(pairAliases(d, 'emulated'), { standby: 'ua-backup0', primary: 'ua-primary0' });
  });
});

void describe('findPairs', () => {
  void it('lists every standby with its primary, in XML order, both primary forms alike', () => {
    const pairs = findPairs(load('valid-two-pairs.xml'), 'hostdev');
    assert.deepEqual(pairs.map((p) => [p.standby.alias, p.primary?.alias, p.primary?.hostPciAddress]), [
      ['ua-backup0', 'ua-sriov0', '0000:3b:02.1'],
      ['ua-backup1', 'ua-sriov1', '0000:3b:02.2'],
    ]);
    const [hostdevPair] = findPairs(load('valid-hostdev-teaming.xml'), 'hostdev');
    assert.deepEqual([hostdevPair?.standby.alias, hostdevPair?.primary?.alias, hostdevPair?.primary?.form], ['ua-backup0', 'ua-sriov0', 'hostdev']);
  });

  void it('a pair whose primary is away (mid-migration) is still listed, with primary null', () => {
    const d = load('valid-two-pairs.xml');
    const away = { ...d, interfaces: d.interfaces.filter((i) => i.alias !== 'ua-sriov1') };
    assert.deepEqual(findPairs(away, 'hostdev').map((p) => [p.standby.alias, p.primary?.alias ?? null]), [['ua-backup0', 'ua-sriov0'], ['ua-backup1', null]]);
  });
});
