import { z } from 'zod';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';
import { durationParam } from '../util/duration.js';

export const detachVf = defineActivity({
  name: 'detachVf',
  summary: 'hot-unplug the VF and wait until it is confirmed gone',
  hosts: ['source'],
  readOnly: false,
  with: z.strictObject({
    /** QEMU's own unplug has no deadline; a guest that never releases the device must fail the step. */
    deadline: durationParam('30s'),
  }),
  defaults: { startToClose: '2m' },
  async run({ host, input, params }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    if (!vm.primary) return {};
    await host.hypervisor.detachInterface(input.vm, vm.primary.alias, { deadlineMs: params.deadline });
    return { detached: vm.primary };
  },
});
