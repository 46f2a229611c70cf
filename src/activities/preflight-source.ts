import { z } from 'zod';
import { findTeamingPair } from '../domain/teaming.js';
import { PreflightError } from '../errors.js';
import { formatFinding, lintDomain } from '../lint/lint.js';
import { valueOf } from '../util/settled.js';
import { checkGuestFailover, guestAgentParam } from './guest-failover.js';
import { defineActivity } from './define.js';

export const preflightSource = defineActivity({
  name: 'preflightSource',
  summary: 'check the VM runs here unpaused, correctly teamed, with no migration job',
  hosts: ['source'],
  readOnly: true,
  // The guest agent: asked when the domain has one (optional), always (required), or never (skip).
  with: z.strictObject({ guestAgent: guestAgentParam }),
  defaults: { startToClose: '1m', scheduleToStart: '30s' },
  async run({ host, input, params }) {
    // Both reads at once; their answers are still checked in this order, so the clearest reason wins.
    const [described, job] = await Promise.allSettled([host.hypervisor.describeVm(input.vm), host.hypervisor.migrationJob(input.vm)]);
    const vm = valueOf(described);
    if (vm.state !== 'running') {
      throw new PreflightError(`${input.vm} on ${host.name} is ${vm.state}; only a running, unpaused VM can be live-migrated (resume or start it first)`);
    }
    const errors = lintDomain(vm, { primaryMode: host.primaryMode }).filter((f) => f.severity === 'error');
    if (errors.length) {
      throw new PreflightError(`${input.vm} on ${host.name} is not safely teamed; nothing was changed:\n${errors.map(formatFinding).join('\n')}`);
    }
    if (valueOf(job)) {
      throw new PreflightError(`${input.vm} on ${host.name} already has a migration job running; wait for it or abort it (virsh domjobabort)`);
    }
    const pair = findTeamingPair(vm, host.primaryMode);
    if (!pair?.standby.alias || !pair.standby.mac) {
      throw new PreflightError(`${input.vm} on ${host.name} has no addressable standby (alias and MAC); run \`vfmigrate lint\` on its XML`);
    }
    const primary = pair.primary?.alias
      ? { alias: pair.primary.alias, mac: pair.primary.mac ?? pair.standby.mac, vf: await host.vfs.adopt(input.vm, pair.primary.hostPciAddress, input.workflowId) }
      : null;
    // Last: libvirt's view holds, so the guest's is what is left to refuse on.
    const guestView = await checkGuestFailover(host, input.vm, params.guestAgent);
    return {
      guestView,
      vm: { memoryMiB: vm.memoryMiB, standby: { alias: pair.standby.alias, mac: pair.standby.mac }, primary },
      source: { host: host.name, network: { vfMac: host.network.managesVfMac, fdb: host.network.managesFdb } },
    };
  },
});
