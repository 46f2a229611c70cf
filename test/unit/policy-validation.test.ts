import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadPolicy } from '../../src/evacuation/policy.js';
import { shippedPlansDir } from '../../src/plan/load.js';

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/policies/broken');

/** Each broken policy states its exact problems in `# expect:` lines (PLANS = the shipped plans folder). */
void describe('policy validation: one broken policy per rule', () => {
  for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.yaml'))) {
    void it(file, async () => {
      const text = readFileSync(path.join(fixtures, file), 'utf8');
      const expected = text
        .split('\n')
        .filter((l) => l.startsWith('# expect: '))
        .map((l) => l.slice('# expect: '.length).replace('PLANS', shippedPlansDir));
      const host = /^# host: (\S+)$/m.exec(text)?.[1];
      const result = await loadPolicy(path.join(fixtures, file), host);
      assert.equal(result.ok, false, `${file} was accepted`);
      assert.deepEqual(result.ok ? [] : [...result.problems].sort(), [...expected].sort());
    });
  }

  void it('the shipped default policy is valid, with the issue defaults', async () => {
    const result = await loadPolicy(undefined, 'hostA');
    assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
    assert.deepEqual(result.policy.spec, {
      plan: 'sriov-live-migration',
      maxParallel: 4,
      maxOutgoingPerSource: 2,
      maxIncomingPerDestination: 2,
      placement: 'most-free-vfs',
      destinations: { include: [], exclude: [] },
      order: 'smallest-memory-first',
      onFailure: 'continue',
      planRules: [],
    });
  });
});
