/**
 * Which libvirt connection URIs a host worker (root) may open, and which a source's libvirtd may be told to
 * migrate to. A libvirt URI is code as much as an address: the `ext` transport and the `command=`
 * parameter run a program, `netcat=` and `proxy=` choose what runs on the far side, `socket=` and `name=`
 * point the connection somewhere else, and a parameter libvirt does not know is passed on to the driver.
 * So this is an allow-list of what vfmigrate needs (libvirt's docs/uri.rst, "Remote URIs"), not a deny-list.
 *
 * Pure: the hosts file checks `libvirtUri`/`migrationUri` with it, and the migrate activity checks the
 * destination's `migrationUri` again on the source, since it arrives there through the run.
 */
import { printable } from '../util/printable.js';

/** `driver[+transport]://[user@][host][:port]/path[?params]`; `test:///default` only for tests. */
const uriShape = /^(?<driver>[a-z0-9]+)(?:\+(?<transport>[a-z0-9]+))?:\/\/(?<authority>[^/?#]*)(?<path>\/[^?#]*)(?:\?(?<query>[^#]*))?$/;

/**
 * Characters a URI may hold. No `%`: libvirt unescapes parameter names and values, so `comm%61nd=` would
 * be `command=`; no spaces, quotes, `#`, backslashes or control characters (virsh's interactive session
 * and ssh's command line are the next readers).
 */
const allowedChars = /^[A-Za-z0-9._:/@?&;=,+[\]-]*$/;

const transports = new Set(['ssh', 'libssh', 'libssh2', 'tls', 'tcp', 'unix']);

const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** A DNS name or IPv4 address, or an IPv6 address in brackets; never starting with `-` (ssh would read an option). */
const hostPattern = new RegExp(`^(?:${label}(?:\\.${label})*|\\[[0-9A-Fa-f:.]+\\])$`);
const userPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$/;
const absolutePath = /^\/[A-Za-z0-9._/-]*$/;

/** Parameters that only choose credentials or a daemon mode, with the values each may take. */
const allowedParams = new Map<string, { ok: (v: string) => boolean; expected: string }>(Object.entries({
  mode: { ok: (v) => ['auto', 'direct', 'legacy'].includes(v), expected: 'auto, direct or legacy' },
  no_tty: { ok: (v) => v === '0' || v === '1', expected: '0 or 1' },
  keyfile: { ok: (v) => absolutePath.test(v), expected: 'an absolute path' },
  known_hosts: { ok: (v) => absolutePath.test(v), expected: 'an absolute path' },
  pkipath: { ok: (v) => absolutePath.test(v), expected: 'an absolute path' },
  sshauth: {
    ok: (v) => v.split(',').every((m) => ['agent', 'privkey', 'password', 'keyboard-interactive'].includes(m)),
    expected: 'a list of agent, privkey, password, keyboard-interactive',
  },
}));

/** Why each refused parameter is refused: what it would let the author of the URI do. */
const refusedParams = new Map<string, string>(Object.entries({
  command: 'runs the named program (as root)',
  netcat: 'names the command run on the remote host',
  proxy: 'chooses the program run on the remote host (set remote_proxy in libvirt.conf instead)',
  socket: 'points the connection at another socket',
  name: 'makes the remote daemon open another driver or URI',
  no_verify: "turns off checking the server's identity",
  known_hosts_verify: "can turn off checking the server's host key",
  tls_priority: 'can weaken TLS (set tls_priority in libvirt.conf instead)',
}));

const accepted = 'use qemu:///system, or qemu+ssh, qemu+tls, qemu+tcp, qemu+unix, qemu+libssh or qemu+libssh2 with /system or /session';

/** Why `uri` is not a libvirt URI vfmigrate opens, or null when it is. One line, safe to print. */
export function libvirtUriProblem(uri: string): string | null {
  const shown = `"${printable(uri.length > 200 ? `${uri.slice(0, 200)}…` : uri)}"`;
  const refuse = (why: string): string => `${shown}: ${why}`;
  if (!allowedChars.test(uri)) return refuse('has a character a libvirt URI here may not hold (allowed: letters, digits, . _ : / @ ? & ; = , + - [ ]; no %-escapes)');
  const m = uriShape.exec(uri)?.groups;
  if (!m) return refuse(`is not a libvirt URI (driver[+transport]://[user@][host][:port]/path[?params]); ${accepted}`);
  const { driver = '', transport, authority = '', path = '', query } = m;
  if (driver === 'test') {
    return !transport && !authority && path === '/default' && query === undefined ? null : refuse("the test driver is accepted only as test:///default (it reads any file it is given)");
  }
  if (driver !== 'qemu') return refuse(`the ${driver} driver is not supported; ${accepted}`);
  if (transport === 'ext') return refuse('the ext transport runs the program named in command= (as root); use qemu+ssh or qemu+tls');
  if (transport !== undefined && !transports.has(transport)) return refuse(`unknown transport "${transport}"; ${accepted}`);
  const authorityProblem = checkAuthority(authority, transport);
  if (authorityProblem) return refuse(authorityProblem);
  if (path !== '/system' && path !== '/session') return refuse(`the path must be /system or /session (got ${path})`);
  for (const param of query === undefined ? [] : query.split(/[&;]/)) {
    const problem = checkParam(param);
    if (problem) return refuse(problem);
  }
  return null;
}

function checkAuthority(authority: string, transport: string | undefined): string | null {
  if (!authority) return null;
  if (transport === 'unix') return 'the unix transport is local: it takes no user or host';
  const at = authority.lastIndexOf('@');
  const user = at >= 0 ? authority.slice(0, at) : null;
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  if (user !== null && !userPattern.test(user)) return `"${user}" is not a user name (letters, digits, . _ -)`;
  const portMatch = /^(?<host>.*?)(?::(?<port>[0-9]+))?$/.exec(hostPort)?.groups;
  const host = portMatch?.host ?? '';
  if (!hostPattern.test(host)) return `"${host}" is not a host name or IP address`;
  const port = portMatch?.port;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range`;
  return null;
}

function checkParam(param: string): string | null {
  const eq = param.indexOf('=');
  const key = eq >= 0 ? param.slice(0, eq) : param;
  const value = eq >= 0 ? param.slice(eq + 1) : '';
  const refused = refusedParams.get(key);
  if (refused) return `the parameter ${key}= is refused: it ${refused}`;
  const allowed = allowedParams.get(key);
  if (!allowed) return `unknown parameter "${key}" (libvirt passes unknown ones on to the driver); accepted: ${[...allowedParams.keys()].join(', ')}`;
  if (!allowed.ok(value)) return `${key}= must be ${allowed.expected}`;
  return null;
}

