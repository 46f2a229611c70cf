import type { FleetSnapshot, HostSnapshot, RunSnapshot } from './fleet-snapshot.js';

/**
 * What must hold of a VM and its hosts once a run has ended, whatever fault hit it and wherever: the
 * fault matrix checks every cell with this. Returns one line per broken invariant; none when all hold.
 * Only the facts are judged, not how the run got there: a rollback and a degraded finish can both pass.
 */
export function brokenInvariants(s: FleetSnapshot): string[] {
  const broken: string[] = [];
  const last = s.runs.at(-1) ?? null;
  const settled = last !== null && !last.open;
  const running = s.hosts.filter((h) => h.vm && (h.vm.state === 'running' || h.vm.state === 'paused'));

  if (running.length !== 1) {
    const defined = s.hosts.filter((h) => h.vm).map((h) => `${h.name} (${h.vm?.state})`);
    broken.push(
      running.length === 0
        ? `${s.vm} runs on no host (defined on: ${defined.join(', ') || 'none'})`
        : `${s.vm} runs on ${running.length} hosts at once: ${running.map((h) => h.name).join(', ')}`,
    );
  }
  const where = running.length === 1 ? running[0]! : null;

  if (where && settled) broken.push(...healthProblems(s.vm, where, last, s.pairs ?? 1), ...locationProblems(s.vm, where, last));
  for (const host of s.hosts) broken.push(...vfProblems(host), ...bookingProblems(host, s.runs));
  return broken;
}

/** Primary attached and standby down, or the run says truthfully that it is not so: where and at which step. */
function healthProblems(vm: string, host: HostSnapshot, run: RunSnapshot, pairs: number): string[] {
  const teams = host.vm?.teams ?? [];
  const wrong = [
    ...(teams.length === 0 && pairs > 0 ? ['no teaming pair'] : []),
    ...(teams.length > 0 && teams.length !== pairs ? [`${teams.length} teaming pairs where it had ${pairs}`] : []),
    ...teams.filter((t) => t.primaries.length === 0).map((t) => `no primary for standby ${t.standby}`),
    ...teams.filter((t) => t.standbyLink === 'up').map((t) => `standby ${t.standby} up`),
  ];
  if (!wrong.length) return [];
  const what = `${vm} on ${host.name}: ${wrong.join(', ')}`;
  if (run.outcome !== 'degraded' && run.outcome !== 'compensation-failed') return [`${what}, yet the run's outcome is ${run.outcome ?? 'none (it ended without a report)'}`];
  const missing = [
    ...(run.message.includes(host.name) ? [] : [`the host (${host.name})`]),
    ...(run.failedStep && run.message.includes(run.failedStep) ? [] : ['the step']),
  ];
  return missing.length ? [`${what}; the run says ${run.outcome} but its message does not name ${missing.join(' or ')}: ${run.message}`] : [];
}

/** The outcome and the report's location agree with where the VM runs. */
function locationProblems(vm: string, host: HostSnapshot, run: RunSnapshot): string[] {
  const role = host.name === run.destination ? 'destination' : host.name === run.source ? 'source' : null;
  if (!role) return [`${vm} runs on ${host.name}, neither the run's source (${run.source}) nor its destination (${run.destination})`];
  const expected = run.outcome === 'migrated' || run.outcome === 'degraded' ? 'destination' : run.outcome === null ? null : 'source';
  const problems: string[] = [];
  if (expected && expected !== role) problems.push(`the run's outcome is ${run.outcome} (VM on its ${expected}) but ${vm} runs on the ${role}, ${host.name}`);
  if (run.location && run.location !== role) problems.push(`the report says ${vm} is on the ${run.location} but it runs on the ${role}, ${host.name}`);
  return problems;
}

/** No VF booked twice or held by two domains, and no VF held by one VM while booked for another. */
function vfProblems(host: HostSnapshot): string[] {
  const problems: string[] = [];
  // A booking of memory alone (a VM without a VF) holds no VF.
  for (const [vf, vms] of groups(host.bookings.flatMap((b) => (b.vfId === null ? [] : [[b.vfId, b.vm] as [string, string]])))) {
    if (vms.length > 1) problems.push(`VF ${vf} on ${host.name} is booked ${vms.length} times (${vms.join(', ')})`);
  }
  for (const [vf, vms] of groups(host.holders.flatMap((h) => (h.pciAddress ? [[h.pciAddress, h.vm] as [string, string]] : [])))) {
    if (vms.length > 1) problems.push(`VF ${vf} on ${host.name} is held by ${vms.length} domains (${vms.join(', ')})`);
    const booked = host.bookings.find((b) => b.vfId === vf);
    if (booked && !vms.includes(booked.vm)) problems.push(`VF ${vf} on ${host.name} is held by ${vms.join(', ')} but booked for ${booked.vm}`);
  }
  return problems;
}

/** Every booking belongs to a VM that runs on that host or to a run still open. */
function bookingProblems(host: HostSnapshot, runs: RunSnapshot[]): string[] {
  const live = new Set(host.domains.filter((d) => d.state === 'running' || d.state === 'paused').map((d) => d.name));
  const open = new Set(runs.filter((r) => r.open).map((r) => r.workflowId));
  return host.bookings
    .filter((b) => !live.has(b.vm) && !open.has(b.owner))
    .map((b) => `VF ${b.vfId} on ${host.name} is booked (${b.state}) for ${b.vm}, which does not run there, by ${b.owner}, which is not an open run`);
}

function groups(pairs: [string, string][]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [key, value] of pairs) map.set(key, [...(map.get(key) ?? []), value]);
  return map;
}
