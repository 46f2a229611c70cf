import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '@temporalio/activity';
import { z } from 'zod';
import type { DomainDescription } from '../domain/description.js';
import { agentDecision, describeFailover, failoverViews, guestAgentUses, incompleteFailovers, type GuestAgentUse } from '../domain/guest-failover.js';
import { findTeams, type PrimaryMode } from '../domain/teaming.js';
import { PreflightError, VfmigrateError } from '../errors.js';
import { GuestAgentUnavailableError } from '../hypervisor/errors.js';
import type { Hypervisor } from '../hypervisor/hypervisor.js';
import type { HostServices } from './host-services.js';

/** How long an agent that does not answer at all is waited for after the attach. */
const AGENT_SILENCE_MS = 20_000;

/** The `guestAgent` a plan step may set: used when present unless it says otherwise. */
export const guestAgentParam = z.enum(guestAgentUses).default('optional');

/** The MACs of the teamed pairs whose primary libvirt shows plugged: only those can be whole in the guest. */
function teamedMacs(d: DomainDescription, mode: PrimaryMode): string[] {
  return findTeams(d, mode).flatMap((t) => (t.standby.mac !== null && t.primaries.length > 0 ? [t.standby.mac] : []));
}

type GuestAsk = { skipped: string } | { macs: string[] };

/** Whether and about which MACs to ask this VM's guest agent; a refusal when the plan requires an agent it lacks. */
async function guestAsk(host: HostServices, vm: string, use: GuestAgentUse): Promise<GuestAsk> {
  const d = await host.hypervisor.describeVm(vm);
  const decision = agentDecision(use, d.guestAgent);
  if ('refuse' in decision) throw new PreflightError(`${vm} on ${host.name}: ${decision.refuse}; nothing was changed`);
  if ('skip' in decision) return { skipped: decision.skip };
  return { macs: teamedMacs(d, host.primaryMode) };
}

/** The guest's interfaces carrying each MAC. Throws GuestAgentUnavailableError when no agent answers. */
async function askGuest(hypervisor: Hypervisor, vm: string, macs: string[]) {
  return failoverViews(await hypervisor.guestInterfaces(vm), macs);
}

/**
 * Preflight on the source: refuses, changing nothing, a guest whose agent shows a teamed MAC on other than
 * three interfaces. Says whether the guest was asked, so the destination knows to wait for it again.
 */
export async function checkGuestFailover(host: HostServices, vm: string, use: GuestAgentUse): Promise<{ asked: boolean }> {
  const ask = await guestAsk(host, vm, use);
  if ('skipped' in ask) {
    log.info('the guest is not asked about its failover', { vm, host: host.name, why: ask.skipped });
    return { asked: false };
  }
  const views = await askGuest(host.hypervisor, vm, ask.macs).catch((err: unknown) => {
    // An agent that libvirt thinks may be there but does not answer: only a plan that requires it refuses.
    if (err instanceof GuestAgentUnavailableError && use === 'optional') {
      log.warn('the guest agent did not answer; going on without the guest view', { vm, host: host.name, error: err.message });
      return null;
    }
    throw err instanceof GuestAgentUnavailableError ? new PreflightError(`${vm} on ${host.name}: ${err.message}; the plan requires the guest's view; nothing was changed`) : err;
  });
  if (views === null) return { asked: false };
  const broken = incompleteFailovers(views);
  if (broken.length) {
    throw new PreflightError(
      `${vm} on ${host.name}: the guest shows ${broken.map(describeFailover).join('; ')}, where net_failover makes 3 (master, standby, VF): ` +
        `its failover is not working (VF driver or failover module missing in the guest?), so unplugging the VF could cut it off; nothing was changed`,
    );
  }
  log.info('the guest shows every teamed pair whole', { vm, host: host.name, pairs: views.map(describeFailover) });
  return { asked: true };
}

/**
 * After a VF's attach: waits (bounded) until the guest agent shows each teamed MAC on three interfaces again,
 * and returns how long that took; null when the guest is not asked or its agent stays silent. A guest that
 * answers but never shows the VF fails with VfNotInGuestError (its standby must stay up). A guest that answered at preflight is waited for even while
 * its agent channel reconnects after the move.
 */
export async function waitForVfInGuest(
  host: HostServices,
  vm: string,
  opts: { askedAtPreflight: boolean | undefined; use: GuestAgentUse; timeoutMs: number; intervalMs: number },
): Promise<number | null> {
  const started = Date.now();
  if (opts.askedAtPreflight === false) return null;
  const d = await host.hypervisor.describeVm(vm);
  if (opts.askedAtPreflight === undefined) {
    const decision = agentDecision(opts.use, d.guestAgent);
    if ('refuse' in decision) throw new VfNotInGuestError(`${vm} on ${host.name}: ${decision.refuse}`);
    if ('skip' in decision) {
      log.info('the guest is not asked whether the VF is back', { vm, host: host.name, why: decision.skip });
      return null;
    }
  }
  const macs = teamedMacs(d, host.primaryMode);
  let last = 'the guest agent never answered';
  let answered = false;
  for (;;) {
    try {
      const broken = incompleteFailovers(await askGuest(host.hypervisor, vm, macs));
      answered = true;
      if (!broken.length) {
        const backMs = Date.now() - started;
        log.info('the VF is back in the guest', { vm, host: host.name, afterMs: backMs });
        return backMs;
      }
      last = `the guest shows ${broken.map(describeFailover).join('; ')}`;
    } catch (err) {
      if (!(err instanceof GuestAgentUnavailableError)) throw err;
      last = err.message;
      // An agent silent since the move says nothing about the VF (seen on the testbed: qemu-ga stops
      // answering after some migrations): libvirt's confirmation stands, and the report says the guest was not heard.
      if (!answered && Date.now() - started + opts.intervalMs > AGENT_SILENCE_MS) break;
    }
    if (Date.now() - started + opts.intervalMs > opts.timeoutMs) break;
    await sleep(opts.intervalMs);
  }
  if (!answered) {
    log.warn("the guest agent has not answered since the VF was plugged; going on with libvirt's confirmation alone", { vm, host: host.name, error: last });
    return null;
  }
  throw new VfNotInGuestError(`${vm} on ${host.name}: the VF is plugged but not back in the guest after ${opts.timeoutMs} ms (${last}); the standby stays up`);
}

/** libvirt plugged the VF but the guest never took it: retrying the wait will not change that. */
export class VfNotInGuestError extends VfmigrateError {
  readonly type = 'VfNotInGuest';
  readonly retryable = false;
}
