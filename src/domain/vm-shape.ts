import type { DomainDescription } from './description.js';
import { findTeams, isVirtioNet, type PrimaryMode } from './teaming.js';

/**
 * What decides how a VM is migrated, as its source host sees it: whether it holds a VF at all, how many
 * teamed pairs it has, and the operator's labels. Read-only facts; plan choice is plan/plan-choice.ts.
 */
export interface VmShape {
  vm: string;
  /** PCI devices to team: VFs as `<interface type='hostdev'>` or `<hostdev>`, transient teamings (a
   * `type='network'` one takes its VF from a pool at start) and, emulated, the e1000e standing in for one. */
  vfs: number;
  /** Standbys with at least one primary. */
  teamedPairs: number;
  /** Virtio standbys (`<teaming type='persistent'>`), with or without a primary: one without is a VF unplugged. */
  standbys: number;
  labels: Record<string, string>;
}

/** Nothing to team and nothing teamed: the plan for VMs without a VF fits it. */
export function isPlain(shape: VmShape): boolean {
  return shape.vfs === 0 && shape.standbys === 0;
}

export function shapeOf(d: DomainDescription, mode: PrimaryMode): VmShape {
  const teams = findTeams(d, mode);
  return { vm: d.name, vfs: vfCount(d, mode), teamedPairs: teams.filter((t) => t.primaries.length > 0).length, standbys: teams.length, labels: { ...(d.labels ?? {}) } };
}

function vfCount(d: DomainDescription, mode: PrimaryMode): number {
  const passedThrough = d.hostdevs.length + d.interfaces.filter((nic) => nic.type === 'hostdev' || nic.teaming?.type === 'transient').length;
  if (mode !== 'emulated') return passedThrough;
  const virtioMacs = new Set(d.interfaces.filter(isVirtioNet).map((nic) => nic.mac));
  const standIns = d.interfaces.filter((nic) => nic.type !== 'hostdev' && nic.teaming?.type !== 'transient' && !isVirtioNet(nic) && nic.mac !== null && virtioMacs.has(nic.mac));
  return passedThrough + standIns.length;
}
