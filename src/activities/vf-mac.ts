import { z } from 'zod';
import { zeroMac } from '../network/host-network.js';
import { defineActivity } from './define.js';
import { requireFact, type Facts } from './facts.js';

/** The MAC the PF holds for the VM's VF on the source: cleared while the VF is away, given back to undo that. */
function vfMacActivity(name: string, summary: string, macFor: (vm: NonNullable<Facts['vm']>) => string) {
  return defineActivity({
    name,
    summary,
    hosts: ['source'],
    readOnly: false,
    with: z.strictObject({}),
    defaults: { startToClose: '1m' },
    onlyIf: 'vfMac',
    async run({ host, input }) {
      const vm = requireFact(input.facts, 'vm', 'preflightSource');
      const vf = vm.primary?.vf;
      if (!host.network.managesVfMac || vf?.pf === undefined || vf.vfIndex === undefined) return {};
      await host.network.setVfMac(vf.pf, vf.vfIndex, macFor(vm));
      return {};
    },
  });
}

export const clearVfMac = vfMacActivity(
  'clearVfMac',
  "clear the detached VF's MAC on the PF so frames stop going to it (no-op unless configured)",
  () => zeroMac,
);

export const restoreVfMac = vfMacActivity(
  'restoreVfMac',
  "give the VF back the VM's MAC on the PF (undoes clearVfMac; no-op unless configured)",
  (vm) => vm.standby.mac,
);
