import { z } from 'zod';
import type { HostNetwork } from '../network/host-network.js';
import { defineActivity } from './define.js';
import { pairsOf, requireFact } from './facts.js';
import { forPair } from './pair-failure.js';

/** The bridge FDB entry for each pair's MAC, put in place and taken away by the same step with another change. */
function fdbEntryActivity(name: string, summary: string, change: (network: HostNetwork, mac: string) => Promise<void>) {
  return defineActivity({
    name,
    summary,
    hosts: ['source', 'destination'],
    readOnly: false,
    with: z.strictObject({}),
    defaults: { startToClose: '1m' },
    onlyIf: 'fdb',
    async run({ host, input }) {
      if (!host.network.managesFdb) return {};
      const pairs = pairsOf(requireFact(input.facts, 'vm', 'preflightSource'));
      for (const [i, pair] of pairs.entries()) {
        await forPair(i, pairs.length, { standby: pair.standby.alias }, () => change(host.network, pair.standby.mac));
      }
      return {};
    },
  });
}

export const addFdbEntry = fdbEntryActivity(
  'addFdbEntry',
  "add a bridge FDB entry for the VM's MAC so traffic reaches the standby (no-op unless configured)",
  (network, mac) => network.addFdbEntry(mac),
);

export const removeFdbEntry = fdbEntryActivity(
  'removeFdbEntry',
  "remove the bridge FDB entry for the VM's MAC (no-op unless configured)",
  (network, mac) => network.removeFdbEntry(mac),
);
