import type { Facts } from '../activities/facts.js';
import type { PairReport } from './migration-types.js';

/**
 * Each teamed pair as the report lists it, from what the steps learnt. Runs whose preflight predates
 * pairs (their facts have none) get no list, so their reports stay as they were recorded.
 */
export function pairReports(facts: Partial<Facts>): PairReport[] | undefined {
  const pairs = facts.vm?.pairs;
  if (!pairs) return undefined;
  return pairs.map((pair, i) => {
    const detached = facts.detachedPairs?.find((d) => d.standbyAlias === pair.standby.alias);
    const attached = facts.attachedPairs?.find((a) => a.standbyAlias === pair.standby.alias);
    return {
      standby: pair.standby.alias,
      primary: attached?.alias ?? pair.primary?.alias ?? null,
      mac: pair.standby.mac,
      form: pair.primary?.form ?? 'interface',
      vf: { source: pair.primary?.vf?.id ?? null, destination: facts.reservedVfs?.[i]?.id ?? null },
      detachMs: detached?.durationMs ?? null,
      attachMs: attached?.durationMs ?? null,
    };
  });
}
