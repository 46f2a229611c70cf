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
import { aliasPattern, networkNamePattern, uuidPattern } from '../domain/libvirt-names.js';
import { vmNamePattern } from '../temporal/names.js';

/** Bytes readline inserts verbatim and virsh's parser handles inside double quotes. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** A session line is one readline buffer; nothing vfmigrate sends comes near this. */
const MAX_ARGUMENT_LENGTH = 4096;

/** Files vfmigrate hands virsh are its own temporary files. */
const filePattern = /^\/[A-Za-z0-9/_.-]+$/;

/** The option values that name something, and what each must look like. */
const OPTION_VALUES: Record<string, { pattern: RegExp; what: string }> = {
  '--domain': { pattern: new RegExp(`${vmNamePattern.source}|${uuidPattern.source}`), what: 'a VM name (letters, digits, . _ : + -) or a UUID' },
  '--alias': { pattern: aliasPattern, what: 'a device alias (letters, digits, _ . -)' },
  '--network': { pattern: networkNamePattern, what: 'a libvirt network name (letters, digits, _ . : + -)' },
  '--file': { pattern: filePattern, what: 'an absolute path of letters, digits, / _ . -' },
};

/**
 * Why `args` (one virsh command) must not run, or null when it may. Checked for every command, whether
 * it goes to a session or to a process of its own.
 */
export function virshArgumentsProblem(args: readonly string[]): string | null {
  for (const [i, arg] of args.entries()) {
    if (arg.length > MAX_ARGUMENT_LENGTH) return `argument ${i + 1} is ${arg.length} characters long (at most ${MAX_ARGUMENT_LENGTH})`;
    if (!PRINTABLE_ASCII.test(arg)) return `argument ${i + 1} (${printable(arg)}) holds a control or non-ASCII character`;
    const rule = OPTION_VALUES[args[i - 1] ?? ''];
    if (rule && !rule.pattern.test(arg)) return `${args[i - 1]} ${printable(arg)} is not ${rule.what}`;
  }
  // A positional argument that looks like an option would be taken as one.
  const command = args[0] ?? '';
  if (!/^[a-z][a-z-]*$/.test(command)) return `${printable(command)} is not a virsh command`;
  return null;
}

/** A hostile string, shown so that it cannot break or forge a log line: JSON-quoted, shortened. */
export function printable(value: string): string {
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return shown.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
