import type { Command } from 'commander';
import { formatFinding, lintDomain } from '../../lint/lint.js';
import { InputError } from '../../errors.js';
import { hostServicesFromConfig } from '../../workers/host-services-from-config.js';
import { consoleOutput } from '../context.js';
import { lintXmlFile } from '../lint-command.js';

interface LintOptions {
  emulated?: boolean;
  host?: string;
  hosts?: string;
  vm?: string;
}

/** Lints a live domain the way preflight does: its live XML, read from its host's libvirt. */
export async function lintLiveDomain(opts: Required<Pick<LintOptions, 'host' | 'hosts' | 'vm'>>, out: (line: string) => void): Promise<number> {
  const host = await hostServicesFromConfig(opts.hosts, opts.host);
  const domain = await host.hypervisor.describeVm(opts.vm);
  const findings = lintDomain(domain, { primaryMode: host.primaryMode });
  if (!findings.length) out(`ok: ${domain.name}: no findings`);
  findings.forEach((f) => out(formatFinding(f)));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

export function registerLintCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('lint')
    .argument('[file]', 'a libvirt domain XML file (virsh dumpxml output)')
    .option('--emulated', "the testbed's emulated primary (an e1000e with the standby's MAC) instead of a hostdev VF")
    .option('--host <name>', 'lint a live domain on this host instead of a file')
    .option('--hosts <file>', 'host config file describing --host')
    .option('--vm <name>', 'the live domain to lint')
    .description("check a domain's net_failover teaming: one finding per line (SEVERITY CODE SUBJECT: message (fix)), exit 1 on any error")
    .action(async (file: string | undefined, opts: LintOptions) => {
      const out = (line: string): void => consoleOutput.out(line);
      if (opts.vm || opts.host) {
        if (!opts.vm || !opts.host || !opts.hosts) throw new InputError('a live domain needs --host NAME --hosts FILE --vm NAME');
        exit(await lintLiveDomain({ host: opts.host, hosts: opts.hosts, vm: opts.vm }, out));
        return;
      }
      if (!file) throw new InputError('give a domain XML file, or --host/--hosts/--vm for a live domain');
      exit(await lintXmlFile(file, { primaryMode: opts.emulated ? 'emulated' : 'hostdev' }, out));
    });
}
