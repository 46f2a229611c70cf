import { z } from 'zod';
import { zeroMac } from '../network/host-network.js';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';

export const clearVfMac = defineActivity({
  name: 'clearVfMac',
  summary: "clear the detached VF's MAC on the PF so frames stop going to it (no-op unless configured)",
  hosts: ['source'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  onlyIf: 'vfMac',
  async run({ host, input }) {
    const vf = requireFact(input.facts, 'vm', 'preflightSource').primary?.vf;
    if (!host.network.managesVfMac || vf?.pf === undefined || vf.vfIndex === undefined) return {};
    await host.network.setVfMac(vf.pf, vf.vfIndex, zeroMac);
    return {};
  },
});
