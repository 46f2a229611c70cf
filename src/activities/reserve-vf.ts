import { z } from 'zod';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';
import { runIsOpen } from './run-is-open.js';

export const reserveVf = defineActivity({
  name: 'reserveVf',
  summary: "book a VF and the VM's memory on this host before anything is touched on the source",
  hosts: ['destination'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  async run({ host, input }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    const vf = await host.vfs.reserve({
      vm: input.vm,
      owner: input.workflowId,
      memoryMiB: vm.memoryMiB,
      freeMemoryMiB: () => host.hypervisor.freeMemoryMiB(),
      ownerAlive: runIsOpen,
    });
    return { reservedVf: vf };
  },
});
