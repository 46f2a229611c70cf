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
  /**
   * `'hostdev'`: not an `<interface>` but a plain PCI `<hostdev>` carrying `<teaming>` (libvirt 7.1+), which
   * libvirt unplugs and migrates exactly like `<interface type='hostdev'>`. Its XML has no `<mac>` and no
   * `<link>`: the MAC is set on the host (through the PF), so `mac` is null. Absent for an `<interface>`.
   */
  form?: 'hostdev';
}

export interface HostdevDevice {
  alias: string | null;
  hostPciAddress: string | null;
  guestSlot: GuestSlot | null;
}

/** A `<hostdev>` that is not PCI: libvirt migrates a domain holding USB ones and refuses any other. */
export interface OtherHostdev {
  alias: string | null;
  /** `subsystem` or `capabilities` (libvirt reads a missing mode as subsystem). */
  mode: string;
  /** subsystem: usb, scsi, scsi_host, mdev; capabilities: storage, misc, net. */
  type: string;
  /** What it passes through, for a message: an mdev UUID, a SCSI adapter and unit, a vhost WWPN, a path. */
  source: string | null;
}

/** The virtio channel QEMU's guest agent listens on, as libvirt names it. */
export const GUEST_AGENT_CHANNEL = 'org.qemu.guest_agent.0';

/** Whether the guest agent's channel is up, as libvirt's live XML says (`unknown`: the XML does not say). */
export type GuestAgentChannel = 'connected' | 'disconnected' | 'unknown';

export interface DomainDescription {
  name: string;
  /** `<domain type>`: kvm, or qemu (TCG: no hardware virtualisation). Absent where the source cannot say. */
  virtType?: string | null;
  memoryMiB: number;
  /** Machine type as libvirt reports it, e.g. `pc-q35-7.2` or `q35`. */
  machine: string;
  /** Every `<interface>`, then every PCI `<hostdev>` with `<teaming>` (see NetInterface.form). */
  interfaces: NetInterface[];
  /** PCI `<hostdev>` devices without `<teaming>` (a VF passed through untamed, which blocks migration). */
  hostdevs: HostdevDevice[];
  /** pcie-root-port controllers; `free` when no device sits on the bus behind it. */
  pcieRootPorts: { index: number; free: boolean }[];
  /** Every non-PCI `<hostdev>`. Absent where the source cannot hold any (the in-memory model). */
  otherHostdevs?: OtherHostdev[];
  /**
   * Guest buses whose slots cannot hot-plug, besides the root bus GuestSlot names: a controller with
   * `<target hotplug='off'/>`, and the models libvirt never hot-plugs on (dmi-to-pci-bridge,
   * pcie-expander-bus, pcie-switch-upstream-port). Absent where the source has none (the in-memory model).
   */
  busesWithoutHotplug?: number[];
  /** The guest agent's channel; null when the domain has none. Absent where the source cannot say. */
  guestAgent?: GuestAgentChannel | null;
  /** Operator labels from `<metadata>` (vm-labels.ts); evacuation policies choose plans by them. */
  labels?: Record<string, string>;
}
