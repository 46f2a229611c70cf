import { z } from 'zod';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';

export const addFdbEntry = defineActivity({
  name: 'addFdbEntry',
  summary: "add a bridge FDB entry for the VM's MAC so traffic reaches the standby (no-op unless configured)",
  hosts: ['source', 'destination'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  onlyIf: 'fdb',
  async run({ host, input }) {
    if (!host.network.managesFdb) return {};
    await host.network.addFdbEntry(requireFact(input.facts, 'vm', 'preflightSource').standby.mac);
    return {};
  },
});
