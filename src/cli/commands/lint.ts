import type { Command } from 'commander';
import { consoleOutput } from '../context.js';
import { lintXmlFile } from '../lint-command.js';

export function registerLintCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('lint')
    .argument('<file>', 'a libvirt domain XML file (virsh dumpxml output)')
    .option('--emulated', "the testbed's emulated primary (an e1000e with the standby's MAC) instead of a hostdev VF")
    .description('check a domain\'s net_failover teaming; one finding per line, exit 1 on any error')
    .action(async (file: string, opts: { emulated?: boolean }) =>
      exit(await lintXmlFile(file, { primaryMode: opts.emulated ? 'emulated' : 'hostdev' }, (line) => consoleOutput.out(line))),
    );
}
