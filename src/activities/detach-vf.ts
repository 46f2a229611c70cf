import { z } from 'zod';
import { defineActivity } from './define.js';
import { pairsOf, requireFact, type Facts } from './facts.js';
import { forPair } from './pair-failure.js';
import { durationParam } from '../util/duration.js';

export const detachVf = defineActivity({
  name: 'detachVf',
  summary: "hot-unplug every pair's VF, one after the other, each confirmed gone",
  hosts: ['source'],
  readOnly: false,
  with: z.strictObject({
    /** QEMU's own unplug has no deadline; a guest that never releases the device must fail the step. */
    deadline: durationParam('30s'),
  }),
  defaults: { startToClose: '2m' },
  async run({ host, input, params }) {
    const vm = requireFact(input.facts, 'vm', 'preflightSource');
    const pairs = pairsOf(vm);
    // One at a time: when pair 2 sticks, pair 1 is known gone and the compensation (attachVf on the
    // source, idempotent per pair) puts back exactly what left. Every standby is already up.
    const detached: NonNullable<Facts['detachedPairs']> = [];
    for (const [i, pair] of pairs.entries()) {
      const primary = pair.primary;
      if (!primary) continue;
      const started = performance.now();
      await forPair(i, pairs.length, { standby: pair.standby.alias, primary: primary.alias }, () =>
        host.hypervisor.detachInterface(input.vm, primary.alias, { deadlineMs: params.deadline }),
      );
      detached.push({ ...primary, standbyAlias: pair.standby.alias, durationMs: Math.round(performance.now() - started) });
    }
    const first = vm.primary ? { detached: vm.primary } : {};
    return vm.pairs ? { ...first, detachedPairs: detached } : first;
  },
});
