import { ledgerPath, loadHostConfig, primaryModeOf } from '../config/hosts.js';
import { VirshHypervisor } from '../hypervisor/virsh.js';
import { FileLedger } from '../vf/ledger.js';
import type { HostToRead } from './read-snapshot.js';

/**
 * Real hosts as the invariant checker reads them: libvirt through the virsh adapter and the VF ledger file
 * their worker keeps, both from the hosts file the workers run with, so the checker sees what a worker would.
 */
export async function hostsToRead(file: string, names: string[]): Promise<HostToRead[]> {
  return Promise.all(
    names.map(async (name) => {
      const config = await loadHostConfig(file, name);
      const primaryMode = primaryModeOf(config);
      return {
        name,
        hypervisor: new VirshHypervisor({ hostName: name, uri: config.libvirtUri, primaryMode, commandTimeoutMs: 20_000 }),
        ledger: new FileLedger(ledgerPath(config)),
        primaryMode,
      };
    }),
  );
}
