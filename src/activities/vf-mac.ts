import { z } from 'zod';
import { zeroMac } from '../network/host-network.js';
import { defineActivity } from './define.js';
import { pairsOf, requireFact, type PairFact } from './facts.js';
import { forPair } from './pair-failure.js';

/** The MAC the PF holds for each of the VM's VFs on the source: cleared while the VF is away, given back to undo that. */
function vfMacActivity(name: string, summary: string, macFor: (pair: PairFact) => string) {
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
      if (!host.network.managesVfMac) return {};
      const pairs = pairsOf(vm);
      for (const [i, pair] of pairs.entries()) {
        const vf = pair.primary?.vf;
        if (vf?.pf === undefined || vf.vfIndex === undefined) continue;
        await forPair(i, pairs.length, { standby: pair.standby.alias, primary: pair.primary?.alias }, () => host.network.setVfMac(vf.pf!, vf.vfIndex!, macFor(pair)));
      }
      return {};
    },
  });
}

export const clearVfMac = vfMacActivity(
  'clearVfMac',
  "clear each detached VF's MAC on its PF so frames stop going to it (no-op unless configured)",
  () => zeroMac,
);

export const restoreVfMac = vfMacActivity(
  'restoreVfMac',
  "give each VF back its pair's MAC on the PF (undoes clearVfMac; no-op unless configured)",
  (pair) => pair.standby.mac,
);
