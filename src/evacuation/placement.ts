/**
 * Where each VM of an evacuation goes, and in which order: pure functions over a snapshot of the
 * destinations, so the evacuation workflow stays deterministic and the rules are tested on their own.
 */
import type { Placement, PolicySpec } from './policy-schema.js';

export interface VmToPlace {
  vm: string;
  memoryMiB: number;
  /**
   * VFs its plan books on the destination: one per teamed pair (a VM with two pairs needs two free VFs
   * there), 0 for a plan without a VF (plain-live-migration). Default 1.
   */
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

/** The view once `vm` is booked there and on its way. */
export function withBooking(view: DestinationView, vm: VmToPlace): DestinationView {
  return { ...view, freeVfs: view.freeVfs - (vm.vfs ?? 1), freeMemoryMiB: view.freeMemoryMiB - vm.memoryMiB, incoming: view.incoming + 1, placed: view.placed + 1 };
}

/** The view once `vm`'s booking there is given back (it never arrived); its migration's end settles `incoming`. */
export function withoutBooking(view: DestinationView, vm: VmToPlace): DestinationView {
  return { ...view, freeVfs: view.freeVfs + (vm.vfs ?? 1), freeMemoryMiB: view.freeMemoryMiB + vm.memoryMiB, placed: view.placed - 1 };
}

/**
 * What a destination's refusal to book `vm` teaches: it has fewer free VFs than `vm` needs, or less memory.
 * Only that much: a host short of two VFs for a two-pair VM may still take a VM with one.
 */
export function afterRefusal(view: DestinationView, vm: VmToPlace, refusal: string): DestinationView {
  if (refusal === 'NoFreeVf') return { ...view, freeVfs: Math.min(view.freeVfs, (vm.vfs ?? 1) - 1) };
  if (refusal === 'InsufficientMemory') return { ...view, freeMemoryMiB: Math.min(view.freeMemoryMiB, vm.memoryMiB - 1) };
  return view;
}

/** Why no destination takes `vm`, for the report. */
export function unplaceableReason(vm: VmToPlace): string {
  const vfs = vm.vfs ?? 1;
  if (vfs === 0) return 'no destination has enough memory for it';
  if (vfs === 1) return 'no destination has a free VF and enough memory for it';
  return `no destination has ${vfs} free VFs (one per teamed pair) and enough memory for it`;
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
