import { z } from 'zod';
import { defineActivity } from './define.js';
import { MissingFactError } from './facts.js';
import { runIsOpen } from './run-is-open.js';

/** reserveVf's twin for a VM without a VF: the destination promises the memory and nothing else. */
export const reserveMemory = defineActivity({
  name: 'reserveMemory',
  summary: "book the VM's memory (and no VF) on this host before the migration starts",
  hosts: ['destination'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  async run({ host, input }) {
    const memoryMiB = input.facts.guest?.memoryMiB ?? input.facts.vm?.memoryMiB;
    if (memoryMiB === undefined) {
      throw new MissingFactError('this step needs the VM\'s memory ("guest" or "vm" fact), which preflightSource produces; add that step earlier in the plan');
    }
    await host.vfs.reserveMemory({ vm: input.vm, owner: input.workflowId, memoryMiB, freeMemoryMiB: () => host.hypervisor.freeMemoryMiB(), ownerAlive: runIsOpen });
    return {};
  },
});
