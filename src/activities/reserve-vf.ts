import { z } from 'zod';
import { defineActivity } from './define.js';
import { pairsOf, requireFact } from './facts.js';
import { runIsOpen } from './run-is-open.js';

export const reserveVf = defineActivity({
  name: 'reserveVf',
  summary: "book one VF per teamed pair and the VM's memory on this host before anything is touched on the source",
  hosts: ['destination'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  async run({ host, input }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    // All of them or none (one ledger write): a VM cannot arrive with some of its pairs.
    const vfs = await host.vfs.reserveVfs(
      {
        vm: input.vm,
        owner: input.workflowId,
        memoryMiB: vm.memoryMiB,
        freeMemoryMiB: () => host.hypervisor.freeMemoryMiB(),
        ownerAlive: runIsOpen,
      },
      pairsOf(vm).length,
    );
    return vm.pairs ? { reservedVf: vfs[0], reservedVfs: vfs } : { reservedVf: vfs[0] };
  },
});
