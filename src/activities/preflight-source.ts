import { z } from 'zod';
import { findTeamingPair } from '../domain/teaming.js';
import { isPlain, shapeOf } from '../domain/vm-shape.js';
import { PreflightError } from '../errors.js';
import { formatFinding, lintDomain } from '../lint/lint.js';
import { valueOf } from '../util/settled.js';
import { defineActivity } from './define.js';

export const preflightSource = defineActivity({
  name: 'preflightSource',
  summary: 'check the VM runs here unpaused, teamed as the plan needs (or without a VF), with no migration job',
  hosts: ['source'],
  readOnly: true,
  // What the plan does with a VF decides what the VM must hold: a plan that unplugs one needs a teamed
  // pair; a plan that never touches one (plain-live-migration) needs a VM without any VF.
  with: z.strictObject({ teaming: z.enum(['required', 'none']).default('required') }),
  defaults: { startToClose: '1m', scheduleToStart: '30s' },
  async run({ host, input, params }) {
    // Both reads at once; their answers are still checked in this order, so the clearest reason wins.
    const [described, job] = await Promise.allSettled([host.hypervisor.describeVm(input.vm), host.hypervisor.migrationJob(input.vm)]);
    const vm = valueOf(described);
    if (vm.state !== 'running') {
      throw new PreflightError(`${input.vm} on ${host.name} is ${vm.state}; only a running, unpaused VM can be live-migrated (resume or start it first)`);
    }
    const shape = shapeOf(vm, host.primaryMode);
    if (params.teaming === 'none' && !isPlain(shape)) {
      throw new PreflightError(
        `${input.vm} on ${host.name} holds ${shape.vfs} VF${shape.vfs === 1 ? '' : 's'} and ${shape.standbys} teamed standby${shape.standbys === 1 ? '' : 's'}; this plan is for VMs without a VF: migrate it without --plan (the run picks the plan for its shape) or with --plan sriov-live-migration; nothing was changed`,
      );
    }
    if (params.teaming === 'required' && isPlain(shape)) {
      throw new PreflightError(
        `${input.vm} on ${host.name} has no VF and no teamed standby, so this plan has nothing to unplug: migrate it without --plan (the run picks plain-live-migration for it) or with --plan plain-live-migration; nothing was changed`,
      );
    }
    const errors = lintDomain(vm, { primaryMode: host.primaryMode }).filter((f) => f.severity === 'error');
    if (errors.length) {
      throw new PreflightError(`${input.vm} on ${host.name} is not safely teamed; nothing was changed:\n${errors.map(formatFinding).join('\n')}`);
    }
    if (valueOf(job)) {
      throw new PreflightError(`${input.vm} on ${host.name} already has a migration job running; wait for it or abort it (virsh domjobabort)`);
    }
    const source = { host: host.name, network: { vfMac: host.network.managesVfMac, fdb: host.network.managesFdb } };
    if (params.teaming === 'none') return { guest: { memoryMiB: vm.memoryMiB }, source };
    const pair = findTeamingPair(vm, host.primaryMode);
    if (!pair?.standby.alias || !pair.standby.mac) {
      throw new PreflightError(`${input.vm} on ${host.name} has no addressable standby (alias and MAC); run \`vfmigrate lint\` on its XML`);
    }
    const primary = pair.primary?.alias
      ? { alias: pair.primary.alias, mac: pair.primary.mac ?? pair.standby.mac, vf: await host.vfs.adopt(input.vm, pair.primary.hostPciAddress, input.workflowId) }
      : null;
    return {
      vm: { memoryMiB: vm.memoryMiB, standby: { alias: pair.standby.alias, mac: pair.standby.mac }, primary },
      source,
    };
  },
});
