import { readFile, stat } from 'node:fs/promises';
import { DOMAIN_XML_FILE_MAX_BYTES, DomainXmlError, parseDomainXml } from '../domain/parse-domain-xml.js';
import type { DomainDescription } from '../domain/description.js';
import type { PrimaryMode } from '../domain/teaming.js';
import { formatFinding, lintDomain } from '../lint/lint.js';
import { printable } from '../util/printable.js';

/**
 * `vfmigrate lint FILE.xml [--emulated]`: prints one line per finding (or one `ok:` line) and returns the exit
 * code: 1 when any finding is an error or the file can't be read as domain XML, else 0 (warnings and info pass).
 */
export async function lintXmlFile(
  path: string,
  opts: { primaryMode: PrimaryMode },
  print: (line: string) => void,
): Promise<number> {
  // Names, aliases and MACs come from the file: control characters in them must not reach the terminal.
  const out = (line: string): void => print(printable(line));
  const domain = await readDomain(path, out);
  if (domain === null) return 1;
  const findings = lintDomain(domain, opts);
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
    // Anything else is a bug in the parser and should surface with its stack.
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
