import { z } from 'zod';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';

export const setStandbyLink = defineActivity({
  name: 'setStandbyLink',
  summary: 'set the virtio standby link up or down (by alias: the teamed pair shares one MAC)',
  hosts: ['source', 'destination'],
  readOnly: false,
  with: z.strictObject({ state: z.enum(['up', 'down']) }),
  defaults: { startToClose: '1m' },
  async run({ host, input, params }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    await host.hypervisor.setLinkState(input.vm, vm.standby.alias, params.state);
    return {};
  },
});
