/** What virsh prints (plain text, not XML), read into values: job info, domain states, free memory. */
import type { DomainDescription } from '../domain/description.js';
import type { GuestInterface } from '../domain/guest-failover.js';
import { macPattern } from '../domain/libvirt-names.js';
import { parseDomainXml } from '../domain/parse-domain-xml.js';
import type { MigrationProgress, RunState, VmSummary } from './hypervisor.js';

export interface JobInfo {
  /** virDomainJobType: 0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled. */
  type: number;
  values: Record<string, number>;
}

/** `virsh domjobinfo --rawstats`: `Job type: N` then `key: value` lines. */
export function parseJobInfo(stdout: string): JobInfo {
  const values: Record<string, number> = {};
  let type = 0;
  for (const line of stdout.split('\n')) {
    const m = /^\s*([A-Za-z_ ]+):\s*(-?\d+)\s*$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    if (m[1] === 'Job type') type = Number(m[2]);
    else values[m[1]] = Number(m[2]);
  }
  return { type, values };
}

const JOB_ACTIVE = new Set([1, 2]);
const OPERATION_MIGRATION_OUT = 5;

export function migrationOutProgress(job: JobInfo): MigrationProgress | null {
  if (!JOB_ACTIVE.has(job.type) || job.values.operation !== OPERATION_MIGRATION_OUT) return null;
  const v = job.values;
  return {
    elapsedMs: v.time_elapsed ?? 0,
    dataTotalBytes: v.data_total ?? 0,
    dataProcessedBytes: v.data_processed ?? 0,
    dataRemainingBytes: v.data_remaining ?? 0,
    // The pass and the dirty rate together, once QEMU has measured a rate (libvirt counts it in pages per second).
    ...(v.memory_dirty_rate !== undefined ? { dirtyRateBytesPerSecond: v.memory_dirty_rate * (v.memory_page_size ?? 4096), iteration: v.memory_iteration ?? 0 } : {}),
  };
}

/** One domain as `domstate` + `dumpxml` showed it. */
export interface DomainRead {
  state: RunState;
  description: DomainDescription;
}

/**
 * `domstate` then `dumpxml` for each domain, concatenated. A state line counts only right before its
 * domain's XML: one whose XML is missing (the domain went away in between) pairs with nothing, and
 * nothing inside a domain's XML can end it early (`<` in text is always escaped).
 */
export function parseDomainReads(stdout: string): DomainRead[] {
  return [...stdout.matchAll(/^([a-z][a-z ]*)\n+(<domain[\s>][\s\S]*?<\/domain>)/gm)].map(([, state, xml]) => ({
    state: runState(state ?? ''),
    description: parseDomainXml(xml ?? ''),
  }));
}

export function vmSummary({ state, description }: DomainRead): VmSummary {
  return { name: description.name, state, memoryMiB: description.memoryMiB };
}

/** `virsh nodememstats`; page cache and buffers count as free, the kernel gives them back on demand. */
export function parseNodeMemStats(stdout: string): number {
  const kib = (key: string) => Number(new RegExp(`^${key}\\s*:\\s*(\\d+) KiB`, 'm').exec(stdout)?.[1] ?? 0);
  if (!/^free\s*:/m.test(stdout)) throw new Error(`unexpected nodememstats output: ${stdout.slice(0, 200)}`);
  return Math.floor((kib('free') + kib('buffers') + kib('cached')) / 1024);
}

/** `virsh domstate`: running, idle, paused, in shutdown, shut off, crashed, pmsuspended, no state. */
export function runState(stdout: string): RunState {
  const state = stdout.trim().split('\n')[0]?.trim() ?? '';
  if (state === 'running' || state === 'idle') return 'running';
  if (state === 'paused') return 'paused';
  if (state === 'shut off') return 'shutoff';
  return 'other';
}

/**
 * `virsh domifaddr --source agent` (libvirt's virDomainInterfaceAddresses, which asks the guest agent for
 * guest-network-get-interfaces without tainting the domain the way qemu-agent-command would): a header, then
 * ` NAME MAC    PROTOCOL ADDRESS` per interface, `N/A N/A` for one without addresses, and `- -` in place of
 * name and MAC for an interface's further addresses. The name is the guest's: read from the right,
 * so spaces in it cannot shift the columns; a row whose MAC column is no MAC counts as an interface without one.
 */
export function parseGuestInterfaces(stdout: string): GuestInterface[] {
  // The header (absent under -q) matches no row: its third column is "Protocol".
  return stdout.split('\n').flatMap((line) => {
    // A further address of the interface above (its name and MAC printed as "-"), or an interface without a MAC.
    if (/^ - +- {4}/.test(line)) return [];
    const row = /^ (.*?) +(\S+) +(?:ipv4|ipv6|N\/A) +\S+ *$/.exec(line);
    if (!row) return [];
    const mac = (row[2] ?? '').toLowerCase();
    return [{ name: row[1] ?? '', mac: macPattern.test(mac) ? mac : null }];
  });
}
