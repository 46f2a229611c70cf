import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoRepairAllowance, repairCandidates } from '../../src/domain/repair-candidates.js';
import type { PairHealth, RepairNeed } from '../../src/domain/repair-need.js';

const pair: PairHealth = { standbyAlias: 'ua-backup0', mac: '52:54:00:00:00:01', standbyLink: 'up', primaryAlias: null };
const broken: RepairNeed = { kind: 'repair', pairs: [pair], attach: [pair], standbyDown: [pair], findings: ['primary of standby ua-backup0 missing'] };
const healthy: RepairNeed = { kind: 'healthy', pairs: [{ ...pair, standbyLink: 'down', primaryAlias: 'ua-primary0' }] };

void describe('the host worker detection decision', () => {
  void it('reports VMs needing repair with no run open, sorted, with their findings; not healthy or unrepairable ones', () => {
    const vms = [
      { name: 'vm-b', need: broken },
      { name: 'vm-a', need: broken },
      { name: 'vm-ok', need: healthy },
      { name: 'vm-plain', need: { kind: 'unrepairable', reason: 'not teamed' } as RepairNeed },
    ];
    assert.deepEqual(repairCandidates(vms, new Set()), [
      { vm: 'vm-a', findings: ['primary of standby ua-backup0 missing'] },
      { vm: 'vm-b', findings: ['primary of standby ua-backup0 missing'] },
    ]);
  });

  void it('a VM with a run open (mid-migration: standby up, primary gone by design) is not reported', () => {
    assert.deepEqual(repairCandidates([{ name: 'vm-a', need: broken }], new Set(['vm-a'])), []);
  });

  void it('auto-repair: at most maxPerHour starts in any hour', () => {
    const now = 10 * 3_600_000;
    assert.equal(autoRepairAllowance([], now, 4), 4);
    assert.equal(autoRepairAllowance([now - 1000, now - 2000], now, 4), 2);
    assert.equal(autoRepairAllowance([now - 1, now - 2, now - 3, now - 4, now - 5], now, 4), 0);
    // Starts older than an hour no longer count.
    assert.equal(autoRepairAllowance([now - 3_600_000, now - 4_000_000, now - 10], now, 2), 1);
  });
});
