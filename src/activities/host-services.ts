import type { PrimaryMode } from '../domain/teaming.js';
import type { Hypervisor } from '../hypervisor/hypervisor.js';
import type { HostNetwork } from '../network/host-network.js';
import type { VfPool } from '../vf/pool.js';

/** Everything a host activity may touch on its own host. The host worker builds one from its config. */
export interface HostServices {
  name: string;
  /** The URI peers' libvirtd connects to when migrating a VM here. */
  migrationUri: string;
  hypervisor: Hypervisor;
  vfs: VfPool;
  network: HostNetwork;
  /** `hostdev` for real VFs; `emulated` on the testbed, where an e1000e stands in for the VF. */
  primaryMode: PrimaryMode;
  /** How often a running migration reports its progress into the run (heartbeats are more frequent). */
  progressSignalMs: number;
}
