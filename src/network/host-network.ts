/**
 * Host-side networking that real SR-IOV NICs need around a VF switch (docs/hosts.md, "Host networking"): clear the
 * VF's MAC on the PF so the NIC's embedded switch stops delivering the VM's frames to a VF that is gone,
 * and add a bridge FDB entry so they reach the standby instead. Hosts without such NICs configure none,
 * and the plan's host-network steps are no-ops there.
 */
export interface HostNetwork {
  /** Whether clearing/restoring VF MACs on the PF is configured on this host. */
  readonly managesVfMac: boolean;
  /** Whether the FDB entry is configured on this host. */
  readonly managesFdb: boolean;
  setVfMac(pf: string, vfIndex: number, mac: string): Promise<void>;
  addFdbEntry(mac: string): Promise<void>;
  removeFdbEntry(mac: string): Promise<void>;
}

export const zeroMac = '00:00:00:00:00:00';

export const noHostNetwork: HostNetwork = {
  managesVfMac: false,
  managesFdb: false,
  setVfMac: () => Promise.resolve(),
  addFdbEntry: () => Promise.resolve(),
  removeFdbEntry: () => Promise.resolve(),
};
