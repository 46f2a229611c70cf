import type { HostServices } from '../activities/host-services.js';
import type { ModelFleet } from '../hypervisor/model.js';
import { noHostNetwork, type HostNetwork } from '../network/host-network.js';
import { MemoryLedger, type VfLedger } from '../vf/ledger.js';
import { VfPool } from '../vf/pool.js';
import { PciListProvider } from '../vf/provider.js';

/** A model host's services: its VFs are the model's PCI addresses, booked in memory (or in `opts.ledger`). */
export function modelHostServices(fleet: ModelFleet, name: string, opts: { network?: HostNetwork; progressSignalMs?: number; ledger?: VfLedger } = {}): HostServices {
  const hypervisor = fleet.hypervisor(name);
  const provider = new PciListProvider(fleet.vfAddresses(name).map((pci, vfIndex) => ({ pci, pf: `${name}-pf0`, vfIndex })));
  return {
    name,
    // The model never connects; the URI only has to pass the check every migrationUri passes.
    migrationUri: 'test:///default',
    hypervisor,
    vfs: new VfPool(name, provider, opts.ledger ?? new MemoryLedger(), hypervisor),
    network: opts.network ?? noHostNetwork,
    primaryMode: 'hostdev',
    progressSignalMs: opts.progressSignalMs ?? 2000,
  };
}
