import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPlan, parsePlanText } from '../../src/plan/load.js';
import { flattenSteps } from '../../src/plan/resolved.js';

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/plans/broken');

/** Each broken plan states the exact problem lines it must produce in `# expect:` comments. */
function expectations(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('# expect: '))
    .map((l) => l.slice('# expect: '.length));
}

void describe('plan validation: one broken plan per rule', () => {
  for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.yaml'))) {
    void it(file, () => {
      const text = readFileSync(path.join(fixtures, file), 'utf8');
      const expected = expectations(text);
      assert.ok(expected.length > 0, `${file} states no # expect: lines`);
      const result = parsePlanText(text, file, activityRegistry);
      assert.equal(result.ok, false, `${file} was accepted`);
      if (result.ok) return;
      assert.deepEqual([...result.problems].sort(), [...expected].sort());
    });
  }
});

void describe('shipped plans', () => {
  for (const name of ['sriov-live-migration', 'detach-first', 'plain-live-migration']) {
    void it(`${name} is valid and resolves`, async () => {
      const plan = await loadPlan(name, activityRegistry);
      assert.ok(plan.ok, plan.ok ? '' : plan.problems.join('\n'));
      const steps = flattenSteps(plan.resolved.steps);
      assert.deepEqual(steps.filter((s) => s.pivot).map((s) => s.id), ['migrate']);
      const migrate = steps.find((s) => s.id === 'migrate');
      assert.equal(migrate?.options.heartbeatMs, 30_000);
      assert.equal(migrate?.options.startToCloseMs, 30 * 60_000);
    });
  }

  void it('the default plan brings the standby up before unplugging the VF; detach-first the other way round', async () => {
    const order = async (name: string) => {
      const plan = await loadPlan(name, activityRegistry);
      assert.ok(plan.ok);
      return flattenSteps(plan.resolved.steps).map((s) => s.id);
    };
    const def = await order('sriov-live-migration');
    const first = await order('detach-first');
    assert.ok(def.indexOf('standby-up') < def.indexOf('detach-vf'));
    assert.ok(first.indexOf('detach-vf') < first.indexOf('standby-up'));
  });

  void it('hashes the meaning, not the layout', async () => {
    const plan = await loadPlan('sriov-live-migration', activityRegistry);
    assert.ok(plan.ok);
    const text = readFileSync(plan.file, 'utf8').replace(/#.*$/gm, '').replace(/\n\s*\n/g, '\n');
    const again = parsePlanText(text, 'stripped.yaml', activityRegistry);
    assert.ok(again.ok);
    assert.equal(again.resolved.hash, plan.resolved.hash);
    const changed = parsePlanText(text.replace('deadline: 30s', 'deadline: 20s'), 'changed.yaml', activityRegistry);
    assert.ok(changed.ok);
    assert.notEqual(changed.resolved.hash, plan.resolved.hash);
  });

  void it('a missing file is one clear problem', async () => {
    const plan = await loadPlan('/nonexistent/plan.yaml', activityRegistry);
    assert.equal(plan.ok, false);
    assert.deepEqual(plan.ok ? [] : plan.problems, ['/nonexistent/plan.yaml: cannot read the plan: no such file']);
  });
});
