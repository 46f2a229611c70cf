/**
 * A host's VF pool in a process of its own, for tests of one writer per host across processes:
 *   fork(ledger-holder.js, [LEDGER_FILE])
 * It opens a pool on that ledger and reports over IPC what happened (see HolderReport), then books a VF
 * (proof that it writes), and on the message 'release' closes the pool and exits.
 */
import { ModelFleet } from '../../src/hypervisor/model.js';
import { VfmigrateError } from '../../src/errors.js';
import { FileLedger } from '../../src/vf/ledger.js';
import { VfPool } from '../../src/vf/pool.js';
import { PciListProvider } from '../../src/vf/provider.js';

export type HolderReport = { held: true; pid: number } | { held: false; pid: number; type: string; message: string };

const file = process.argv[2];
if (!file || !process.send) throw new Error('usage: fork ledger-holder.js LEDGER_FILE (with an IPC channel)');
const send = (msg: HolderReport | 'released'): void => void process.send?.(msg);

const fleet = new ModelFleet();
fleet.addHost('h', { vfs: 2 });
const pool = new VfPool('h', new PciListProvider(fleet.vfAddresses('h').map((pci) => ({ pci }))), new FileLedger(file), fleet.hypervisor('h'));
try {
  await pool.open();
  await pool.reserve({ vm: `child-${process.pid}`, owner: 'test', memoryMiB: 1, freeMemoryMiB: () => Promise.resolve(1024) });
  send({ held: true, pid: process.pid });
  process.on('message', (msg) => {
    if (msg === 'release') void pool.close().then(() => (send('released'), process.disconnect()));
  });
} catch (err) {
  send({ held: false, pid: process.pid, type: err instanceof VfmigrateError ? err.type : String(err), message: (err as Error).message });
  process.disconnect();
}
