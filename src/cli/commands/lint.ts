import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { DomainDescription } from '../../domain/description.js';
import { DOMAIN_XML_FILE_MAX_BYTES, DomainXmlError, parseDomainXml } from '../../domain/parse-domain-xml.js';
import type { PrimaryMode } from '../../domain/teaming.js';
import { InputError } from '../../errors.js';
import { formatFinding, lintDomain } from '../../lint/lint.js';
import { hostServicesFromConfig } from '../../workers/host-services-from-config.js';
import { consoleOutput } from '../output.js';
import { printable } from '../../util/printable.js';

interface LintOptions {
  emulated?: boolean;
  host?: string;
  hosts?: string;
  vm?: string;
}

/**
 * `vfmigrate lint FILE.xml [--emulated]`: prints one line per finding (or one `ok:` line) and returns the exit
 * code: 1 when any finding is an error or the file can't be read as domain XML, else 0 (warnings and info pass).
 */
export async function lintXmlFile(
  path: string,
  opts: { primaryMode: PrimaryMode },
  print: (line: string) => void,
): Promise<number> {
  const out = escaped(print);
  const domain = await readDomain(path, out);
  if (domain === null) return 1;
  return lintAndReport(domain, opts.primaryMode, out);
}

/** Lints a live domain the way preflight does: its live XML, read from its host's libvirt. */
export async function lintLiveDomain(opts: Required<Pick<LintOptions, 'host' | 'hosts' | 'vm'>>, out: (line: string) => void): Promise<number> {
  const host = await hostServicesFromConfig(opts.hosts, opts.host);
  const domain = await host.hypervisor.describeVm(opts.vm);
  return lintAndReport(domain, host.primaryMode, escaped(out));
}

/** Names, aliases and MACs come from the domain: control and bidi characters in them must not reach the terminal. */
function escaped(print: (line: string) => void): (line: string) => void {
  return (line) => print(printable(line));
}

function lintAndReport(domain: DomainDescription, primaryMode: PrimaryMode, out: (line: string) => void): number {
  const findings = lintDomain(domain, { primaryMode });
  if (findings.length === 0) out(`ok: ${domain.name}: no findings`);
  for (const f of findings) out(formatFinding(f));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

async function readDomain(path: string, out: (line: string) => void): Promise<DomainDescription | null> {
  let xml: string;
  try {
    // Sized before it is read, so a huge file costs nothing.
    const { size } = await stat(path);
    if (size > DOMAIN_XML_FILE_MAX_BYTES) {
      out(`error: ${path}: ${(size / 2 ** 20).toFixed(1)} MiB is over the ${DOMAIN_XML_FILE_MAX_BYTES / 2 ** 20} MiB a domain XML file may have; is it one?`);
      return null;
    }
    xml = await readFile(path, 'utf8');
  } catch (err) {
    out(`error: ${path}: ${readFailure(err)}`);
    return null;
  }
  try {
    return parseDomainXml(xml, DOMAIN_XML_FILE_MAX_BYTES);
  } catch (err) {
    // Anything else is a bug in the parser: the CLI's error report says so (VFMIGRATE_DEBUG=1 shows the stack).
    if (!(err instanceof DomainXmlError)) throw err;
    out(`error: ${path}: ${err.message}`);
    return null;
  }
}

function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a domain XML file';
  return `cannot read: ${err instanceof Error ? err.message : String(err)}`;
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
