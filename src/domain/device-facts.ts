/**
 * Facts about a domain's devices that the libvirt adapter acts on: which interface an alias names,
 * whether the primary is in place and backed by the VF it should be, and which VFs a domain holds.
 * Plain values in, plain values out: the primary and its VF are taken by shape, so nothing here
 * depends on the hypervisor port.
 */
import type { DomainDescription, NetInterface } from './description.js';
import { findTeams, isVirtioNet, type PrimaryMode } from './teaming.js';

/** The primary as the adapter asks for it: its alias and MAC, and the VF behind it. */
export interface WantedPrimary {
  alias: string;
  mac: string;
  vf: { kind: 'pci' | 'network' | 'emulated'; pciAddress?: string; network?: string };
}

export function nicByAlias(d: DomainDescription, alias: string): NetInterface | null {
  return d.interfaces.find((nic) => nic.alias === alias) ?? null;
}

/** The primary in place: one with this alias, or a NIC with the VM's MAC under another alias that is not virtio-net (any virtio-net model is the standby). */
export function primaryIn(d: DomainDescription, primary: WantedPrimary): NetInterface | null {
  const mac = primary.mac.toLowerCase();
  return d.interfaces.find((nic) => nic.alias === primary.alias || (nic.mac === mac && !isVirtioNet(nic))) ?? null;
}

/** Whether `nic` is backed by the primary's VF (emulated: by anything but a VF). */
export function sameBacking(nic: NetInterface, primary: WantedPrimary, mode: PrimaryMode): boolean {
  if (mode === 'emulated') return nic.type !== 'hostdev';
  if (primary.vf.kind === 'network') return nic.network === primary.vf.network;
  return nic.hostPciAddress !== null && nic.hostPciAddress === primary.vf.pciAddress?.toLowerCase();
}

/** Every VF the domain holds: PCI hostdevs, hostdev interfaces, and every pair's primary (address null when emulated). */
export function vfHoldersOf(d: DomainDescription, mode: PrimaryMode): { vm: string; pciAddress: string | null }[] {
  const held = new Set<{ hostPciAddress: string | null }>([
    ...d.hostdevs.filter((h) => h.hostPciAddress !== null),
    ...d.interfaces.filter((nic) => nic.type === 'hostdev'),
  ]);
  for (const team of findTeams(d, mode)) for (const primary of team.primaries) held.add(primary);
  return [...held].map((dev) => ({ vm: d.name, pciAddress: dev.hostPciAddress }));
}
