/**
 * Parser for the testbed guest's serial log (see testbed/vfprobe.c and docs/testbed.md).
 *
 * The guest writes one machine-readable line per event to its serial console, which the hosts keep in one
 * append-mode file across migrations. Probe lines start with `VFPROBE <kind>` followed by `key=value` pairs;
 * everything else (kernel messages) is ignored. All `t` values are the guest's CLOCK_MONOTONIC in ms since
 * boot. That clock does not advance while the VM is paused, so the stop-and-copy downtime of a migration
 * is NOT a gap here: take it from libvirt's job statistics.
 */
import { open } from 'node:fs/promises';

/** Once a second: the interval since the previous report. */
export interface ProbeReport {
  kind: 'report';
  /** Report number since the probe started (1, 2, …); resets when the guest reboots. */
  n: number;
  t: number;
  sent: number;
  recv: number;
  /** Probes declared lost in this interval (no reply within the probe timeout, 1 s). */
  lost: number;
  /** Replies that came after their probe had been declared lost. */
  late: number;
  /**
   * Longest time without any reply that ended in this interval or is still running at the report. A gap is
   * measured from the previous reply, so a blackout spanning reports shows its full length where it ends.
   */
  maxGapMs: number;
  totalSent: number;
  totalRecv: number;
  totalLost: number;
}

export interface SlaveState {
  ifname: string;
  /** /sys/class/net/<if>/operstate: up, down, unknown, … */
  operstate: string;
}

/** Printed at start and whenever the failover picture changes. */
export interface TopologyLine {
  kind: 'netdevs';
  t: number;
  /** The failover master, null when no netdev is enslaved (the guest is not teamed). */
  master: string | null;
  /** The master's IPv4 address with prefix length, e.g. 10.0.2.15/24. */
  addr: string | null;
  standby: SlaveState | null;
  primary: SlaveState | null;
}

export interface ReadyLine {
  kind: 'ready';
  t: number;
  master: string;
  addr: string;
}

/**
 * A guest with several teamed pairs (vfm.pairs=2): printed by /init for each failover master whenever its
 * slaves change (vfprobe's netdevs lines follow the first master only).
 */
export interface TeamLine {
  kind: 'team';
  t: number;
  master: string;
  standby: boolean;
  primary: boolean;
}

/** `init` (first line of /init), `boot` (master found), `start` (probe started), `error`; a busy guest's `dirty` (started) and `dirty-report` (achieved_mibps). */
export interface OtherProbeLine {
  kind: 'init' | 'boot' | 'start' | 'error' | 'dirty' | 'dirty-report';
  t: number;
  fields: Record<string, string>;
}

export type ProbeEvent = ProbeReport | TopologyLine | ReadyLine | TeamLine | OtherProbeLine;

export interface ProbeLogChunk {
  /** Every probe line after the offset, in file order. */
  events: ProbeEvent[];
  reports: ProbeReport[];
  topology: TopologyLine[];
  /** Probe lines that could not be parsed (e.g. a kernel message written into the middle of one). */
  malformed: number;
  /** Byte offset just after the last complete line read: pass it to the next call. */
  nextOffset: number;
}

const MARKER = 'VFPROBE ';

function parseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const token of text.trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0) fields[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return fields;
}

function int(fields: Record<string, string>, key: string): number | undefined {
  const v = fields[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function slave(value: string | undefined): SlaveState | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const m = /^([^/\s]+)\/(\S+)$/.exec(value);
  return m ? { ifname: m[1]!, operstate: m[2]! } : undefined;
}

const orNull = (v: string | undefined): string | null | undefined => (v === 'none' ? null : v);

/**
 * Parses one console line. Returns null for lines that are not probe lines, and undefined for probe lines
 * that are damaged (a required field missing or not a number).
 */
export function parseProbeLine(line: string): ProbeEvent | null | undefined {
  const at = line.indexOf(MARKER);
  if (at < 0) return null;
  const rest = line.slice(at + MARKER.length).replace(/\r$/, '');
  const space = rest.indexOf(' ');
  const kind = space < 0 ? rest : rest.slice(0, space);
  const fields = parseFields(space < 0 ? '' : rest.slice(space + 1));
  const t = int(fields, 't');
  if (t === undefined) return undefined;

  switch (kind) {
    case 'report': {
      const keys = ['n', 'sent', 'recv', 'lost', 'late', 'maxgap_ms', 'total_sent', 'total_recv', 'total_lost'];
      const v = keys.map((k) => int(fields, k));
      if (v.some((x) => x === undefined)) return undefined;
      const [n, sent, recv, lost, late, maxGapMs, totalSent, totalRecv, totalLost] = v as number[];
      return {
        kind, n: n!, t, sent: sent!, recv: recv!, lost: lost!, late: late!, maxGapMs: maxGapMs!,
        totalSent: totalSent!, totalRecv: totalRecv!, totalLost: totalLost!,
      };
    }
    case 'netdevs': {
      const master = orNull(fields.master);
      const addr = orNull(fields.addr);
      const standby = slave(fields.standby);
      const primary = slave(fields.primary);
      if (master === undefined || addr === undefined || standby === undefined || primary === undefined) return undefined;
      return { kind, t, master, addr, standby, primary };
    }
    case 'ready': {
      const { master, addr } = fields;
      if (master === undefined || addr === undefined) return undefined;
      return { kind, t, master, addr };
    }
    case 'team': {
      const { master, slaves } = fields;
      if (master === undefined || slaves === undefined || !/^(standby,primary|standby|primary|none)$/.test(slaves)) return undefined;
      return { kind, t, master, standby: slaves.startsWith('standby'), primary: slaves.endsWith('primary') };
    }
    case 'init':
    case 'boot':
    case 'start':
    case 'error':
    case 'dirty':
    case 'dirty-report': {
      delete fields.t;
      return { kind, t, fields };
    }
    default:
      return undefined;
  }
}

/** Each failover master's latest team line, by master (a guest with several teamed pairs). */
export function teamsAt(events: readonly ProbeEvent[]): Map<string, TeamLine> {
  const teams = new Map<string, TeamLine>();
  for (const e of events) if (e.kind === 'team') teams.set(e.master, e);
  return teams;
}

/** Parses complete console text (any line endings). */
export function parseProbeText(text: string): Omit<ProbeLogChunk, 'nextOffset'> {
  const events: ProbeEvent[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    const ev = parseProbeLine(line);
    if (ev === undefined) malformed++;
    else if (ev !== null) events.push(ev);
  }
  return {
    events,
    reports: events.filter((e): e is ProbeReport => e.kind === 'report'),
    topology: events.filter((e): e is TopologyLine => e.kind === 'netdevs'),
    malformed,
  };
}

/**
 * Reads the serial log from `fromOffset` (bytes) and parses the complete lines after it. A line still being
 * written (no newline yet) is left for the next call: `nextOffset` points at its start. A missing file reads
 * as empty.
 */
export async function readProbeLog(path: string, fromOffset = 0): Promise<ProbeLogChunk> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...parseProbeText(''), nextOffset: fromOffset };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    // The log only grows while a guest lives; a smaller file means it was rotated by a fresh guest-start.
    const start = fromOffset > size ? 0 : fromOffset;
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
    return { ...parseProbeText(buf.subarray(0, end).toString('utf8')), nextOffset: start + end };
  } finally {
    await handle.close();
  }
}

/** What a tenant saw over a window of probe reports. */
export interface Blackout {
  /** Longest time without replies (ms); ~10-20 when nothing happened (the probe interval plus jitter). */
  maxGapMs: number;
  /** Probes lost (no reply within 1 s). */
  lost: number;
  /** Replies that came too late to count. */
  late: number;
  sent: number;
  recv: number;
  /** Number of reports the window covered. */
  reports: number;
  /** Reports missing from the sequence (n jumped): their gaps and losses are unknown. */
  missingReports: number;
  /** First and last report time (guest ms), null when there were none. */
  fromT: number | null;
  toT: number | null;
}

/**
 * The blackout over the given reports, optionally restricted to those with `fromT <= t <= toT` (guest ms).
 * Losses are declared up to 1 s after the probe was sent, so a window should extend at least one report
 * past the disturbance it measures.
 */
export function blackout(reports: readonly ProbeReport[], window: { fromT?: number; toT?: number } = {}): Blackout {
  const inWindow = reports.filter(
    (r) => (window.fromT === undefined || r.t >= window.fromT) && (window.toT === undefined || r.t <= window.toT),
  );
  const result: Blackout = {
    maxGapMs: 0, lost: 0, late: 0, sent: 0, recv: 0, reports: inWindow.length, missingReports: 0,
    fromT: inWindow[0]?.t ?? null, toT: inWindow.at(-1)?.t ?? null,
  };
  let prev: ProbeReport | undefined;
  for (const r of inWindow) {
    result.maxGapMs = Math.max(result.maxGapMs, r.maxGapMs);
    result.lost += r.lost;
    result.late += r.late;
    result.sent += r.sent;
    result.recv += r.recv;
    // n restarts at 1 after a reboot: only a forward jump means lines are missing.
    if (prev && r.n > prev.n + 1) result.missingReports += r.n - prev.n - 1;
    prev = r;
  }
  return result;
}

/** The last topology line at or before guest time `t` (or the last one at all), or null. */
export function topologyAt(topology: readonly TopologyLine[], t = Number.POSITIVE_INFINITY): TopologyLine | null {
  let found: TopologyLine | null = null;
  for (const line of topology) if (line.t <= t) found = line;
  return found;
}
