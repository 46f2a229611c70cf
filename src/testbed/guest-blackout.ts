import { blackout, type Blackout, type ProbeLogChunk, type TopologyLine } from './probe-log.js';

/**
 * The network gaps the guest saw during one migration, split where the causes differ:
 * - failover: the VF leaves and the standby takes over (where the two shipped plans differ);
 * - vfReturn: the destination's VF arrives; net_failover drops standby traffic from the moment the
 *   primary registers until its link is up, so this is the VF driver's start-up time;
 * - overall: the whole run, including any gap around the migration itself.
 * The probe reports once a second and states each gap in the report where the gap ends, hence the margins.
 */
export interface GuestBlackout {
  overall: Blackout;
  failover: Blackout | null;
  vfReturn: Blackout | null;
}

const margin = 1500;

export function guestBlackout(chunk: Pick<ProbeLogChunk, 'reports' | 'topology'>): GuestBlackout {
  const left = chunk.topology.find((t) => t.primary === null);
  const back = left ? chunk.topology.find((t) => t.t > left.t && t.primary !== null) : undefined;
  const up = back ? chunk.topology.find((t) => t.t >= back.t && isUp(t)) : undefined;
  return {
    overall: blackout(chunk.reports),
    failover: left ? blackout(chunk.reports, { fromT: left.t - margin, toT: Math.min(left.t + margin, (back?.t ?? Infinity) - 1) }) : null,
    vfReturn: back ? blackout(chunk.reports, { fromT: back.t, toT: (up?.t ?? back.t) + margin }) : null,
  };
}

function isUp(t: TopologyLine): boolean {
  return t.primary?.operstate === 'up';
}
