import { z } from 'zod';
import { pairPrimaryAlias } from '../domain/primary-spec.js';
import type { VfRef } from '../domain/vf-ref.js';
import { defineActivity } from './define.js';
import { pairsOf, requireFact, type Facts, type PairFact } from './facts.js';
import type { HostServices } from './host-services.js';
import { forPair } from './pair-failure.js';
import { guestAgentParam, waitForVfInGuest } from './guest-failover.js';
import { durationParam } from '../util/duration.js';

export const attachVf = defineActivity({
  name: 'attachVf',
  summary: "hot-plug each pair's VF teamed with its standby, one after the other, each confirmed present",
  hosts: ['source', 'destination'],
  readOnly: false,
  // guestTimeout: how long the guest may take to show the VF in its failover (when its agent is asked).
  with: z.strictObject({ deadline: durationParam('30s'), guestAgent: guestAgentParam, guestTimeout: durationParam('60s') }),
  defaults: { startToClose: '2m' },
  async run({ host, input, params }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    const pairs = pairsOf(vm);
    const vfs = vfsToAttach(input.role, input.facts, pairs);
    const attached: NonNullable<Facts['attachedPairs']> = [];
    // Each pair is idempotent on its own (present already = success), so a retry after pair 2 failed
    // finds pair 1 in place and goes on with pair 2.
    for (const [i, pair] of pairs.entries()) {
      const vf = vfs[i];
      if (!vf) continue;
      const alias = pair.primary?.alias ?? pairPrimaryAlias(i);
      const spec = { alias, mac: pair.standby.mac, vf, standbyAlias: pair.standby.alias, ...(pair.primary?.form ? { form: pair.primary.form } : {}) };
      const started = performance.now();
      await forPair(i, pairs.length, { standby: pair.standby.alias, primary: alias }, async () => {
        await giveVfTheMac(host, spec);
        await host.hypervisor.attachPrimary(input.vm, spec, { deadlineMs: params.deadline });
      });
      attached.push({ alias, mac: spec.mac, vf, host: host.name, standbyAlias: pair.standby.alias, durationMs: Math.round(performance.now() - started) });
    }
    const held = attached.map((a) => a.vf);
    if (!held.length) return {};
    await host.vfs.markAllAttached(input.vm, held, input.workflowId);
    const { standbyAlias: _s, durationMs: _d, ...first } = attached[0]!;
    // libvirt confirmed each plug; the guest confirms it took the VFs. One that never does fails the step
    // (non-retryable), so the run keeps the standby up and ends DEGRADED after the pivot.
    const backInGuestMs = await waitForVfInGuest(host, input.vm, {
      askedAtPreflight: input.facts.guestView?.asked,
      use: params.guestAgent,
      timeoutMs: params.guestTimeout,
      intervalMs: 250,
    });
    const guestVf = backInGuestMs === null ? {} : { guestVf: { host: host.name, backInGuestMs } };
    return vm.pairs ? { attached: first, attachedPairs: attached, ...guestVf } : { attached: first, ...guestVf };
  },
});

/**
 * On the destination: the VFs reserved for the pairs. On the source (a compensation): the ones the VM held
 * at preflight, even when the detach step reported failure: an unplug can complete after its deadline.
 */
function vfsToAttach(role: string, facts: Facts, pairs: PairFact[]): (VfRef | null)[] {
  if (role === 'destination') {
    const first = requireFact(facts, 'reservedVf', 'reserveVf');
    return facts.reservedVfs ?? [first];
  }
  if (!facts.vm?.pairs) return [facts.detached?.vf ?? facts.vm?.primary?.vf ?? null];
  return pairs.map((pair) => facts.detachedPairs?.find((d) => d.standbyAlias === pair.standby.alias)?.vf ?? pair.primary?.vf ?? null);
}

/**
 * A plain `<hostdev>` carries no MAC: on a host whose worker manages VF MACs, the PF gives the VF the
 * pair's MAC before the guest sees it, or net_failover would not team it with the standby.
 */
async function giveVfTheMac(host: HostServices, spec: { mac: string; vf: VfRef; form?: string }): Promise<void> {
  if (spec.form !== 'hostdev' || !host.network.managesVfMac || spec.vf.pf === undefined || spec.vf.vfIndex === undefined) return;
  await host.network.setVfMac(spec.vf.pf, spec.vf.vfIndex, spec.mac);
}
