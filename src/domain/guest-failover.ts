/**
 * The guest's own view of its teamed NICs, read through the qemu guest agent. net_failover shows a teamed
 * MAC on three netdevs: the failover master, the standby (virtio) and the primary (the VF). Libvirt only
 * knows a device was plugged; the guest knows whether its driver bound it and failover enslaved it.
 */
import type { GuestAgentChannel } from './description.js';
import { printable } from '../util/printable.js';

/** One network interface as `guest-network-get-interfaces` reports it. The guest names it: hostile text. */
export interface GuestInterface {
  name: string;
  /** Lower-case MAC, or null for an interface without one. */
  mac: string | null;
}

export const FAILOVER_NETDEVS = 3;

/** Whether a run asks the guest: always (refuse without an agent), when the domain has one, or never. */
export const guestAgentUses = ['required', 'optional', 'skip'] as const;
export type GuestAgentUse = (typeof guestAgentUses)[number];

export interface FailoverView {
  mac: string;
  /** The guest's interfaces carrying this MAC, by name. */
  interfaces: string[];
}

/** For each teamed MAC, the guest interfaces that carry it. */
export function failoverViews(guest: GuestInterface[], macs: string[]): FailoverView[] {
  return macs.map((mac) => ({ mac, interfaces: guest.filter((i) => i.mac === mac.toLowerCase()).map((i) => i.name) }));
}

/** The MACs net_failover does not show whole (master, standby and primary). */
export function incompleteFailovers(views: FailoverView[]): FailoverView[] {
  return views.filter((v) => v.interfaces.length !== FAILOVER_NETDEVS);
}

/** "52:54:00:6b:3c:58 on 2 interfaces (eth0, eth1)": the names printable, whatever the guest called them. */
export function describeFailover(view: FailoverView): string {
  const names = view.interfaces.map((n) => printable(n, 32)).join(', ');
  return `${view.mac} on ${view.interfaces.length} interface${view.interfaces.length === 1 ? '' : 's'}${names ? ` (${names})` : ''}`;
}

export type AgentDecision = { ask: true } | { ask: false; skip: string } | { ask: false; refuse: string };

/** Whether to ask the guest agent, given the plan's setting and the domain's agent channel. */
export function agentDecision(use: GuestAgentUse, channel: GuestAgentChannel | null | undefined): AgentDecision {
  if (use === 'skip') return { ask: false, skip: 'the plan skips the guest agent' };
  if (channel === 'connected' || channel === 'unknown') return { ask: true };
  const why = channel === 'disconnected' ? 'no guest agent is connected on its channel (is qemu-ga running in the guest?)' : 'the domain has no guest agent channel';
  if (use === 'required') {
    return { ask: false, refuse: `${why}; the plan requires the guest's view (set guestAgent: optional to go without it)` };
  }
  return { ask: false, skip: why };
}
