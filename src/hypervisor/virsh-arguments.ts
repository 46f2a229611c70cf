/**
 * What vfmigrate lets reach virsh. A long-lived virsh session reads its commands through GNU readline,
 * which acts on editing keys (DEL, ^U, ESC sequences, TAB completion; with LC_ALL=C every byte above
 * 0x7f is a Meta key) BEFORE virsh parses quotes: quoting alone cannot keep a hostile string one
 * argument. So a session line only ever carries printable ASCII, where readline inserts every byte as
 * it is, and the values that name things are held to what libvirt itself allows for them.
 *
 * Domains that vfmigrate did not get from a user (every domain on a host, read for the VF pool) are
 * addressed by UUID, whatever their names hold.
 */
import { libvirtUriProblem } from '../config/libvirt-uri.js';
import { aliasPattern, networkNamePattern, uuidPattern } from '../domain/libvirt-names.js';
import { vmNamePattern } from '../temporal/names.js';
import { quoted } from '../util/printable.js';

/** Bytes readline inserts verbatim and virsh's parser handles inside double quotes. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** A session line is one readline buffer; nothing vfmigrate sends comes near this. */
const MAX_ARGUMENT_LENGTH = 4096;

/** Files vfmigrate hands virsh are its own temporary files. */
const filePattern = /^\/[A-Za-z0-9/_.-]+$/;

const matches =
  (pattern: RegExp, what: string) =>
  (value: string): string | null =>
    pattern.test(value) ? null : `is not ${what}`;

/** The option values that name something, and why a value is refused (null: it is not). */
const OPTION_VALUES: Record<string, (value: string) => string | null> = {
  '--domain': matches(new RegExp(`${vmNamePattern.source}|${uuidPattern.source}`), 'a VM name (letters, digits, . _ : + -) or a UUID'),
  '--alias': matches(aliasPattern, 'a device alias (letters, digits, _ . -)'),
  '--network': matches(networkNamePattern, 'a libvirt network name (letters, digits, _ . : + -)'),
  '--file': matches(filePattern, 'an absolute path of letters, digits, / _ . -'),
  // Numbers the convergence controls set on a running job: whole and positive, never an option or an expression.
  '--downtime': matches(/^[1-9][0-9]{0,6}$/, 'a whole number of milliseconds (1-9999999)'),
  '--bandwidth': matches(/^[1-9][0-9]{0,6}$/, 'a whole number of MiB/s (1-9999999)'),
  // Checked where it is configured and by the migrate step; here too, as the last door before libvirt.
  '--desturi': (uri) => libvirtUriProblem(uri),
};

/**
 * Why `args` (one virsh command) must not run, or null when it may. Checked for every command, whether
 * it goes to a session or to a process of its own.
 */
export function virshArgumentsProblem(args: readonly string[]): string | null {
  for (const [i, arg] of args.entries()) {
    if (arg.length > MAX_ARGUMENT_LENGTH) return `argument ${i + 1} is ${arg.length} characters long (at most ${MAX_ARGUMENT_LENGTH})`;
    if (!PRINTABLE_ASCII.test(arg)) return `argument ${i + 1} (${quoted(arg)}) holds a control or non-ASCII character`;
    const problem = OPTION_VALUES[args[i - 1] ?? '']?.(arg);
    if (problem) return `${args[i - 1]} ${quoted(arg)} ${problem}`;
  }
  // The first word names the command: an option there (`--connect`) would change how virsh runs instead.
  const command = args[0] ?? '';
  if (!/^[a-z][a-z-]*$/.test(command)) return `${quoted(command)} is not a virsh command`;
  return null;
}
