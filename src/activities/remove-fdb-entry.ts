import { z } from 'zod';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';

export const removeFdbEntry = defineActivity({
  name: 'removeFdbEntry',
  summary: "remove the bridge FDB entry for the VM's MAC (no-op unless configured)",
  hosts: ['source', 'destination'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  onlyIf: 'fdb',
  async run({ host, input }) {
    if (!host.network.managesFdb) return {};
    await host.network.removeFdbEntry(requireFact(input.facts, 'vm', 'preflightSource').standby.mac);
    return {};
  },
});
