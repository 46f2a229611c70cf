import type { Command } from 'commander';
import { hostServicesFromConfig } from '../../workers/host-services-from-config.js';
import { helpMarksRequired } from '../help.js';
import { consoleOutput, counted, type Output } from '../output.js';

/**
 * Rebuilds a host's VF ledger from libvirt (the VFs its running domains hold). Refuses while the host's
 * worker runs; a corrupt ledger is kept aside, never deleted.
 */
export async function rebuildLedgerCommand(opts: { host: string; hosts: string }, io: Output): Promise<number> {
  const host = await hostServicesFromConfig(opts.hosts, opts.host);
  const { bookings, setAside } = await host.vfs.rebuild();
  const attached = bookings.filter((b) => b.state === 'attached');
  const reserved = bookings.length - attached.length;
  io.out(
    `${host.name}: VF ledger rebuilt from libvirt: ${counted(attached.length, 'VF')} held by running domains` +
      `${attached.length ? ` (${attached.map((b) => `${b.vm} ${b.vfId}`).join(', ')})` : ''}` +
      `${reserved ? `, ${counted(reserved, 'reservation')} of VMs on their way in kept` : ''}`,
  );
  if (setAside) io.out(`${host.name}: the corrupt ledger is kept as ${setAside} (reservations it held for incoming VMs are not restored)`);
  return 0;
}

export function registerLedgerCommands(program: Command, exit: (code: number) => void): void {
  const ledger = program.command('ledger').description("a host's VF ledger: which VF each VM holds or has booked there");
  ledger
    .command('rebuild')
    .requiredOption('--host <name>', 'the host whose ledger to rebuild (its worker must be stopped)')
    .requiredOption('--hosts <file>', 'host config file (YAML) describing the host')
    .configureHelp(helpMarksRequired)
    .description('rebuild the VF ledger from libvirt (run on the host, with its worker stopped); a corrupt ledger is kept as FILE.corrupt-<time>')
    .action(async (opts: { host: string; hosts: string }) => exit(await rebuildLedgerCommand(opts, consoleOutput)));
}
