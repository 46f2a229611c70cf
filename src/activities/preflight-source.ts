import { z } from 'zod';
import { findPairs } from '../domain/teaming.js';
import { isPlain, shapeOf } from '../domain/vm-shape.js';
import { PreflightError } from '../errors.js';
import { formatFinding, lintDomain } from '../lint/lint.js';
import { valueOf } from '../util/settled.js';
import { checkGuestFailover, guestAgentParam } from './guest-failover.js';
import { defineActivity } from './define.js';

export const preflightSource = defineActivity({
  name: 'preflightSource',
  summary: 'check the VM runs here unpaused, teamed as the plan needs (or without a VF), with no migration job',
  hosts: ['source'],
  readOnly: true,
  // What the plan does with a VF decides what the VM must hold: a plan that unplugs one needs a teamed
  // pair; a plan that never touches one (plain-live-migration) needs a VM without any VF.
  // The guest agent: asked when the domain has one (optional), always (required), or never (skip).
  with: z.strictObject({ teaming: z.enum(['required', 'none']).default('required'), guestAgent: guestAgentParam }),
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
    const found = findPairs(vm, host.primaryMode);
    const standbys = found.map((pair) => ({ alias: pair.standby.alias, mac: pair.standby.mac }));
    if (!found.length || standbys.some((s) => !s.alias || !s.mac)) {
      throw new PreflightError(`${input.vm} on ${host.name} has no addressable standby (alias and MAC); run \`vfmigrate lint\` on its XML`);
    }
    // Before any booking: libvirt's view holds, so the guest's is what is left to refuse on.
    const guestView = await checkGuestFailover(host, input.vm, params.guestAgent);
    // Every pair's VF booked as this VM's in one ledger write, so a rollback puts back exactly those.
    const attached = found.filter((pair) => pair.primary?.alias);
    const vfs = attached.length ? await host.vfs.adoptAll(input.vm, attached.map((pair) => pair.primary!.hostPciAddress), input.workflowId) : [];
    const pairs = found.map((pair, i) => {
      const standby = standbys[i] as { alias: string; mac: string };
      const p = pair.primary;
      if (!p?.alias) return { standby, primary: null };
      const vf = vfs[attached.indexOf(pair)] ?? null;
      return { standby, primary: { alias: p.alias, mac: p.mac ?? standby.mac, vf, ...(p.form === 'hostdev' ? { form: 'hostdev' as const } : {}) } };
    });
    const [first] = pairs as [(typeof pairs)[number], ...typeof pairs];
    return {
      guestView,
      vm: { memoryMiB: vm.memoryMiB, standby: first.standby, primary: first.primary, pairs },
      source,
    };
  },
});
