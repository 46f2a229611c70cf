import { z } from 'zod';
import { defineActivity } from './define.js';
import { pairsOf, requireFact } from './facts.js';
import { forPair } from './pair-failure.js';

export const setStandbyLink = defineActivity({
  name: 'setStandbyLink',
  summary: "set every pair's virtio standby link up or down (by alias: a teamed pair shares one MAC)",
  hosts: ['source', 'destination'],
  readOnly: false,
  with: z.strictObject({ state: z.enum(['up', 'down']) }),
  defaults: { startToClose: '1m' },
  async run({ host, input, params }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    const pairs = pairsOf(vm);
    for (const [i, pair] of pairs.entries()) {
      await forPair(i, pairs.length, { standby: pair.standby.alias }, () => host.hypervisor.setLinkState(input.vm, pair.standby.alias, params.state));
    }
    return {};
  },
});
