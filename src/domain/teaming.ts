import type { DomainDescription, NetInterface } from './description.js';

/**
 * How the primary is recognised. `hostdev`: a real VF carrying `<teaming type='transient'>`. `emulated`: the
 * testbed, where QEMU refuses transient teaming on anything but hostdev, so an e1000e with the standby's MAC
 * and no teaming element stands in for the VF.
 */
export type PrimaryMode = 'hostdev' | 'emulated';

export interface TeamingPair {
  standby: NetInterface;
  /** null while the primary is detached (legitimately so mid-migration). */
  primary: NetInterface | null;
}

/** A standby and every device that acts as its primary (more than one is a configuration error). */
export interface Team {
  standby: NetInterface;
  primaries: NetInterface[];
}

/** The models libvirt accepts on a persistent (standby) teaming device: virDomainNetIsVirtioModel. */
const VIRTIO_NET_MODELS = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);

export function isVirtioNet(nic: NetInterface): boolean {
  return nic.model !== null && VIRTIO_NET_MODELS.has(nic.model);
}

export function isStandby(nic: NetInterface): boolean {
  return isVirtioNet(nic) && nic.teaming?.type === 'persistent';
}

export function findStandbys(d: DomainDescription): NetInterface[] {
  return d.interfaces.filter(isStandby);
}

/** The first standby. */
export function findStandby(d: DomainDescription): NetInterface | null {
  return d.interfaces.find(isStandby) ?? null;
}

/** Every interface that acts as the standby's primary; more than one is a configuration error. */
export function findPrimaries(d: DomainDescription, standby: NetInterface, mode: PrimaryMode): NetInterface[] {
  return d.interfaces.filter((nic) => nic !== standby && isPrimaryOf(nic, standby, mode));
}

function isPrimaryOf(nic: NetInterface, standby: NetInterface, mode: PrimaryMode): boolean {
  if (mode === 'hostdev') {
    return standby.alias !== null && nic.teaming?.type === 'transient' && nic.teaming.persistent === standby.alias;
  }
  return standby.mac !== null && !isVirtioNet(nic) && nic.mac === standby.mac;
}

/** Every standby with its primaries, in the order the XML lists the standbys. */
export function findTeams(d: DomainDescription, mode: PrimaryMode): Team[] {
  return findStandbys(d).map((standby) => ({ standby, primaries: findPrimaries(d, standby, mode) }));
}

/**
 * Every standby with its first primary (null while detached), in the order the XML lists the standbys:
 * the pairs a migration unplugs, books a VF for, and plugs back, each by its own standby's alias.
 */
export function findPairs(d: DomainDescription, mode: PrimaryMode): TeamingPair[] {
  return findTeams(d, mode).map((t) => ({ standby: t.standby, primary: t.primaries[0] ?? null }));
}

/** The first standby and its first primary (the first of findPairs). */
export function findTeamingPair(d: DomainDescription, mode: PrimaryMode): TeamingPair | null {
  const standby = findStandby(d);
  if (standby === null) return null;
  return { standby, primary: findPrimaries(d, standby, mode)[0] ?? null };
}
