import path from 'node:path';
import type { HostServices } from '../activities/host-services.js';
import { ledgerPath, loadHostConfig, primaryModeOf, type HostConfig } from '../config/hosts.js';
import type { Hypervisor } from '../hypervisor/hypervisor.js';
import { runVirsh } from '../hypervisor/virsh-command.js';
import { VirshHypervisor } from '../hypervisor/virsh.js';
import { IpHostNetwork } from '../network/ip-host-network.js';
import { noHostNetwork } from '../network/host-network.js';
import { parseDuration } from '../util/duration.js';
import { FileLedger, rebuildCommand } from '../vf/ledger.js';
import { LibvirtNetworkProvider } from '../vf/libvirt-network-provider.js';
import { VfPool } from '../vf/pool.js';
import { EmulatedProvider, PciListProvider, type VfProvider } from '../vf/provider.js';
import { hostLogger } from './host-logger.js';

/**
 * A real host's services: libvirt through virsh, its VF pool booked in a ledger file, `ip`/`bridge`
 * networking. `wrap` sees every libvirt call, the VF pool's included (the benchmarks time them).
 */
export async function hostServicesFromConfig(file: string, name: string, wrap: (h: Hypervisor) => Hypervisor = (h) => h): Promise<HostServices> {
  const config = await loadHostConfig(file, name);
  const primaryMode = primaryModeOf(config);
  const hypervisor = wrap(new VirshHypervisor({ hostName: name, uri: config.libvirtUri, primaryMode, log: hostLogger }));
  return {
    name,
    migrationUri: config.migrationUri,
    hypervisor,
    vfs: new VfPool(name, vfProvider(config), new FileLedger(ledgerPath(config), rebuildCommand(name, path.resolve(file))), hypervisor, hostLogger),
    network: config.network ? new IpHostNetwork({ vfMac: config.network.clearVfMac, fdbDevice: config.network.fdbDevice, hostName: name }) : noHostNetwork,
    primaryMode,
    progressSignalMs: parseDuration(config.progressEvery) ?? 2000,
  };
}

function vfProvider(config: HostConfig): VfProvider {
  const vfs = config.vfs;
  switch (vfs.provider) {
    case 'pci-list':
      return new PciListProvider(vfs.vfs);
    case 'emulated':
      return new EmulatedProvider(config.name, vfs.count);
    case 'libvirt-network':
      return new LibvirtNetworkProvider(vfs.network, (network) => runVirsh(config.libvirtUri, ['net-dumpxml', '--network', network], { timeoutMs: 30_000, host: config.name }));
  }
}
