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

export function isStandby(nic: NetInterface): boolean {
  return nic.model === 'virtio' && nic.teaming?.type === 'persistent';
}

/** The first standby; a domain with several teamed pairs is migrated by its first. */
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
  return standby.mac !== null && nic.model !== 'virtio' && nic.mac === standby.mac;
}

export function findTeamingPair(d: DomainDescription, mode: PrimaryMode): TeamingPair | null {
  const standby = findStandby(d);
  if (standby === null) return null;
  return { standby, primary: findPrimaries(d, standby, mode)[0] ?? null };
}
