import type { HostServices } from '../activities/host-services.js';
import type { ModelFleet } from '../hypervisor/model.js';
import { noHostNetwork, type HostNetwork } from '../network/host-network.js';
import { MemoryLedger } from '../vf/ledger.js';
import { VfPool } from '../vf/pool.js';
import { PciListProvider } from '../vf/provider.js';

/** A model host's services: its VFs are the model's PCI addresses, booked in memory. */
export function modelHostServices(fleet: ModelFleet, name: string, opts: { network?: HostNetwork; progressSignalMs?: number } = {}): HostServices {
  return {
    name,
    migrationUri: `model://${name}`,
    hypervisor: fleet.hypervisor(name),
    vfs: new VfPool(name, new PciListProvider(fleet.vfAddresses(name).map((pci) => ({ pci }))), new MemoryLedger()),
    network: opts.network ?? noHostNetwork,
    primaryMode: 'hostdev',
    progressSignalMs: opts.progressSignalMs ?? 2000,
  };
}
