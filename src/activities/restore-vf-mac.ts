import { z } from 'zod';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';

export const restoreVfMac = defineActivity({
  name: 'restoreVfMac',
  summary: "give the VF back the VM's MAC on the PF (undoes clearVfMac; no-op unless configured)",
  hosts: ['source'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  onlyIf: 'vfMac',
  async run({ host, input }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    const vf = vm.primary?.vf;
    if (!host.network.managesVfMac || vf?.pf === undefined || vf.vfIndex === undefined) return {};
    await host.network.setVfMac(vf.pf, vf.vfIndex, vm.standby.mac);
    return {};
  },
});
