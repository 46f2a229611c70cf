/**
 * Where each VM of an evacuation goes, and in which order: pure functions over a snapshot of the
 * destinations, so the evacuation workflow stays deterministic and the rules are tested on their own.
 */
import type { Placement, PolicySpec } from './policy-schema.js';

export interface VmToPlace {
  vm: string;
  memoryMiB: number;
  /** VFs its plan attaches on the destination: 0 for a VM without one (plain-live-migration). Default 1. */
  vfs?: number;
}

export interface DestinationView {
  host: string;
  freeVfs: number;
  freeMemoryMiB: number;
  /** Migrations of this evacuation in flight to it. */
  incoming: number;
  /** VMs this evacuation has placed on it so far. */
  placed: number;
}

export function orderVms<T extends VmToPlace>(vms: T[], order: PolicySpec['order']): T[] {
  const byName = (a: T, b: T): number => (a.vm < b.vm ? -1 : a.vm > b.vm ? 1 : 0);
  const sorted = [...vms];
  if (order === 'name') return sorted.sort(byName);
  const sign = order === 'smallest-memory-first' ? 1 : -1;
  return sorted.sort((a, b) => sign * (a.memoryMiB - b.memoryMiB) || byName(a, b));
}

/** The best destination for `vm` under `placement`, or null when none fits right now. */
export function chooseDestination(vm: VmToPlace, hosts: DestinationView[], placement: Placement, maxIncoming: number, skip: ReadonlySet<string> = new Set()): string | null {
  const fits = hosts.filter((h) => !skip.has(h.host) && h.freeVfs >= (vm.vfs ?? 1) && h.freeMemoryMiB >= vm.memoryMiB && h.incoming < maxIncoming);
  if (!fits.length) return null;
  return [...fits].sort(comparators[placement])[0]!.host;
}

const byHost = (a: DestinationView, b: DestinationView): number => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0);

const comparators: Record<Placement, (a: DestinationView, b: DestinationView) => number> = {
  /** Keeps the most VF headroom everywhere: the host with the most free VFs first. */
  'most-free-vfs': (a, b) => b.freeVfs - a.freeVfs || b.freeMemoryMiB - a.freeMemoryMiB || byHost(a, b),
  /** Evens out where this evacuation's VMs land (and its load on each destination). */
  spread: (a, b) => a.placed + a.incoming - (b.placed + b.incoming) || b.freeVfs - a.freeVfs || byHost(a, b),
  /** Fills the fullest host that still fits, keeping others empty (e.g. for their own maintenance). */
  pack: (a, b) => a.freeVfs - b.freeVfs || a.freeMemoryMiB - b.freeMemoryMiB || byHost(a, b),
};
