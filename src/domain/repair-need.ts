import type { DomainDescription } from './description.js';
import { findTeams, type PrimaryMode } from './teaming.js';

/** One teamed pair as found on the host: its standby (by alias: the pair shares one MAC) and whether its primary is there. */
export interface PairHealth {
  standbyAlias: string;
  mac: string;
  standbyLink: 'up' | 'down';
  /** The primary's alias, or null while the pair runs on its standby alone. */
  primaryAlias: string | null;
}

/**
 * What it takes to bring a VM back to normal (each pair: its primary attached, its standby down).
 * `repair` lists the pairs missing their primary (a VF must be booked and attached) and the pairs whose
 * standby is up (to be brought down once the primary is confirmed); `unrepairable` says why not.
 */
export type RepairNeed =
  | { kind: 'healthy'; pairs: PairHealth[] }
  | { kind: 'repair'; pairs: PairHealth[]; attach: PairHealth[]; standbyDown: PairHealth[]; findings: string[] }
  | { kind: 'unrepairable'; reason: string };

/** The repair decision for one domain, from its description alone: every pair missing its primary gets one. */
export function repairNeed(d: DomainDescription & { state: string }, mode: PrimaryMode): RepairNeed {
  if (d.state !== 'running') return { kind: 'unrepairable', reason: `${d.name} is ${d.state}; only a running VM is repaired (start or resume it first)` };
  const teams = findTeams(d, mode);
  if (teams.length === 0) return { kind: 'unrepairable', reason: `${d.name} has no teamed standby (virtio with <teaming type='persistent'/>); there is nothing to repair` };
  const pairs: PairHealth[] = [];
  for (const team of teams) {
    const { alias, mac, link } = team.standby;
    if (!alias || !mac) return { kind: 'unrepairable', reason: `${d.name} has a standby without alias or MAC; run \`vfmigrate lint\` on its XML` };
    if (team.primaries.length > 1) return { kind: 'unrepairable', reason: `${d.name}: standby ${alias} has ${team.primaries.length} primaries; run \`vfmigrate lint\` on its XML` };
    pairs.push({ standbyAlias: alias, mac, standbyLink: link, primaryAlias: team.primaries[0]?.alias ?? (team.primaries[0] ? '(no alias)' : null) });
  }
  const attach = pairs.filter((p) => p.primaryAlias === null);
  const standbyDown = pairs.filter((p) => p.standbyLink === 'up');
  if (attach.length === 0 && standbyDown.length === 0) return { kind: 'healthy', pairs };
  const findings = [
    ...attach.map((p) => `primary of standby ${p.standbyAlias} missing${p.standbyLink === 'down' ? ' and the standby is down: the VM has no link on that pair' : ''}`),
    ...standbyDown.filter((p) => p.primaryAlias !== null).map((p) => `standby ${p.standbyAlias} up beside its primary ${p.primaryAlias}`),
  ];
  return { kind: 'repair', pairs, attach, standbyDown, findings };
}
