import { z } from 'zod';
import { defaultPrimaryAlias } from '../domain/primary-spec.js';
import type { VfRef } from '../domain/vf-ref.js';
import { defineActivity } from './define.js';
import { requireFact, type Facts } from './facts.js';
import { guestAgentParam, waitForVfInGuest } from './guest-failover.js';
import { durationParam } from '../util/duration.js';

export const attachVf = defineActivity({
  name: 'attachVf',
  summary: 'hot-plug a VF teamed with the standby and wait until it is confirmed present',
  hosts: ['source', 'destination'],
  readOnly: false,
  // guestTimeout: how long the guest may take to show the VF in its failover (when its agent is asked).
  with: z.strictObject({ deadline: durationParam('30s'), guestAgent: guestAgentParam, guestTimeout: durationParam('60s') }),
  defaults: { startToClose: '2m' },
  async run({ host, input, params }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    const vf = vfToAttach(input.role, input.facts);
    if (!vf) return {};
    const alias = vm.primary?.alias ?? defaultPrimaryAlias;
    await host.hypervisor.attachPrimary(input.vm, { alias, mac: vm.standby.mac, vf, standbyAlias: vm.standby.alias }, { deadlineMs: params.deadline });
    await host.vfs.markAttached(input.vm, vf, input.workflowId);
    const attached = { alias, mac: vm.standby.mac, vf, host: host.name };
    // libvirt confirmed the plug; the guest confirms it took the VF. One that never does fails the step
    // (non-retryable), so the run keeps the standby up and ends DEGRADED after the pivot.
    const backInGuestMs = await waitForVfInGuest(host, input.vm, {
      askedAtPreflight: input.facts.guestView?.asked,
      use: params.guestAgent,
      timeoutMs: params.guestTimeout,
      intervalMs: 250,
    });
    return { attached, ...(backInGuestMs === null ? {} : { guestVf: { host: host.name, backInGuestMs } }) };
  },
});

/**
 * On the destination: the reserved VF. On the source (a compensation): the one the VM held at preflight,
 * even when the detach step reported failure: an unplug can complete after its deadline.
 */
function vfToAttach(role: string, facts: Facts): VfRef | null {
  if (role === 'destination') return requireFact(facts, 'reservedVf', 'reserveVf');
  return facts.detached?.vf ?? facts.vm?.primary?.vf ?? null;
}
