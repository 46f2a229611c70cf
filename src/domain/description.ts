/**
 * What vfmigrate needs to know about a domain's network devices, independent of where it came from
 * (libvirt domain XML, or the in-memory model). Lint rules and preflight read only this.
 */

export type Teaming = { type: 'persistent' } | { type: 'transient'; persistent: string | null };

/** Where a device sits in the guest's PCI topology; decides whether it can be hot-unplugged. */
export interface GuestSlot {
  /** `pcie-root` is q35's pcie.0 (not hot-pluggable); `pcie-root-port` is; `pci-root` is i440fx's bus 0. */
  busController: 'pcie-root' | 'pcie-root-port' | 'pci-root' | 'pci-bridge' | 'other';
  /** The guest bus number from the device's <address bus=…>, or null when libvirt has not assigned one. */
  bus: number | null;
}

export interface NetInterface {
  /** libvirt `<alias name>`; user aliases must start with `ua-`. */
  alias: string | null;
  /** libvirt `<interface type>`: network, bridge, user, hostdev, direct, … */
  type: string;
  /** `<model type>` (virtio, e1000e, …); null for hostdev interfaces. */
  model: string | null;
  /** Lower-case MAC, or null when the XML has none yet. */
  mac: string | null;
  /** `<link state>`; an absent element means up. */
  link: 'up' | 'down';
  teaming: Teaming | null;
  /** Host PCI address of a passed-through VF (type=hostdev), e.g. 0000:3b:02.1. */
  hostPciAddress: string | null;
  /** For type=network: the libvirt network name (a hostdev network is a VF pool). */
  network: string | null;
  guestSlot: GuestSlot | null;
}

export interface HostdevDevice {
  alias: string | null;
  hostPciAddress: string | null;
  guestSlot: GuestSlot | null;
}

export interface DomainDescription {
  name: string;
  memoryMiB: number;
  /** Machine type as libvirt reports it, e.g. `pc-q35-7.2` or `q35`. */
  machine: string;
  interfaces: NetInterface[];
  /** PCI `<hostdev>` devices that are not inside an `<interface>` (a VF passed through without teaming). */
  hostdevs: HostdevDevice[];
  /** pcie-root-port controllers; `free` when no device sits on the bus behind it. */
  pcieRootPorts: { index: number; free: boolean }[];
}
