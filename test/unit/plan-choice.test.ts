import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VmShape } from '../../src/domain/vm-shape.js';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPlan } from '../../src/plan/load.js';
import { choosePlan, globMatch, planBooksVf, planRuleSchema, type PlanRule } from '../../src/plan/plan-choice.js';

const shape = (vm: string, extra: Partial<VmShape> = {}): VmShape => ({ vm, vfs: 1, teamedPairs: 1, standbys: 1, labels: {}, ...extra });
const plain = (vm: string, labels: Record<string, string> = {}): VmShape => shape(vm, { vfs: 0, teamedPairs: 0, standbys: 0, labels });
const rule = (raw: unknown): PlanRule => planRuleSchema.parse(raw);

void describe('globs for VM names (* and ? only)', () => {
  void it('match as a shell would', () => {
    const cases: [string, string, boolean][] = [
      ['db-*', 'db-01', true],
      ['db-*', 'db-', true],
      ['db-*', 'web-01', false],
      ['*-01', 'db-01', true],
      ['db-??', 'db-01', true],
      ['db-??', 'db-1', false],
      ['*', 'anything', true],
      ['a*b*c', 'aXXbYYc', true],
      ['a*b*c', 'aXXbYY', false],
      ['web.01', 'web.01', true],
      ['web.01', 'webX01', false],
      ['db+1', 'db+1', true],
      ['DB-*', 'db-01', false],
    ];
    for (const [pattern, name, expected] of cases) assert.equal(globMatch(pattern, name), expected, `${pattern} vs ${name}`);
  });

  void it('a pattern built to make a backtracking regex explode is answered at once', () => {
    const started = performance.now();
    assert.equal(globMatch(`${'*a'.repeat(60)}b`, 'a'.repeat(128)), false);
    assert.ok(performance.now() - started < 1000);
  });

  void it('rules refuse regex syntax and empty matches', () => {
    for (const name of ['db-(.*)', '[a-z]*', 'db|web', '', 'a'.repeat(129)]) {
      assert.equal(planRuleSchema.safeParse({ match: { name }, plan: 'detach-first' }).success, false, name);
    }
    assert.equal(planRuleSchema.safeParse({ match: {}, plan: 'detach-first' }).success, false);
    assert.equal(planRuleSchema.safeParse({ match: { labels: {} }, plan: 'detach-first' }).success, false);
    assert.equal(planRuleSchema.safeParse({ match: { name: 'db-*' }, plan: '../detach-first' }).success, false);
  });
});

void describe('choosing a plan for a VM', () => {
  void it('by its shape: no VF plain, teamed the teamed plan; the reason is one line', () => {
    assert.deepEqual(choosePlan(plain('web-1')), { plan: 'plain-live-migration', reason: 'no VF -> plain-live-migration' });
    assert.deepEqual(choosePlan(shape('db-1')), { plan: 'sriov-live-migration', reason: '1 teamed pair -> sriov-live-migration' });
    assert.deepEqual(choosePlan(shape('db-2', { vfs: 2, teamedPairs: 2, standbys: 2 }), [], 'detach-first'), { plan: 'detach-first', reason: '2 teamed pairs -> detach-first' });
    assert.equal(choosePlan(shape('odd', { teamedPairs: 0, standbys: 0 })).plan, 'sriov-live-migration', 'an untamed VF: its preflight says what to fix');
    assert.deepEqual(choosePlan(shape('half', { vfs: 0, teamedPairs: 0 })), { plan: 'sriov-live-migration', reason: 'standby whose VF is unplugged -> sriov-live-migration' });
  });

  void it('rules first, in order (the first match wins); every condition of a rule must hold', () => {
    const rules = [
      rule({ match: { name: 'db-*', labels: { tier: 'gold' } }, plan: 'detach-first' }),
      rule({ match: { labels: { tier: 'gold' } }, plan: 'sriov-live-migration' }),
      rule({ match: { name: 'db-*' }, plan: 'plain-live-migration' }),
    ];
    assert.deepEqual(choosePlan(shape('db-1', { labels: { tier: 'gold' } }), rules), { plan: 'detach-first', reason: 'rule 1 (name db-*, label tier=gold) -> detach-first' });
    assert.deepEqual(choosePlan(shape('web-1', { labels: { tier: 'gold' } }), rules), { plan: 'sriov-live-migration', reason: 'rule 2 (label tier=gold) -> sriov-live-migration' });
    assert.equal(choosePlan(shape('db-1', { labels: { tier: 'silver' } }), rules).plan, 'plain-live-migration');
    assert.deepEqual(choosePlan(plain('web-2', { tier: 'silver' }), rules), { plan: 'plain-live-migration', reason: 'no VF -> plain-live-migration' }, 'no rule: the shape');
  });

  void it('label values are data: a value that looks like a glob matches only itself, and inherited keys never match', () => {
    const rules = [rule({ match: { labels: { tier: 'g*' } }, plan: 'detach-first' }), rule({ match: { labels: { constructor: 'x' } }, plan: 'detach-first' })];
    assert.equal(choosePlan(plain('a', { tier: 'gold' }), rules).plan, 'plain-live-migration');
    assert.equal(choosePlan(plain('a', { tier: 'g*' }), rules).plan, 'detach-first');
    assert.equal(choosePlan(plain('b'), rules).plan, 'plain-live-migration', '"constructor" is not a label of a VM without labels');
  });

  void it('which shipped plans book a VF on the destination', async () => {
    const books = async (name: string): Promise<boolean> => {
      const loaded = await loadPlan(name, activityRegistry);
      assert.ok(loaded.ok);
      return planBooksVf(loaded.resolved);
    };
    assert.deepEqual([await books('sriov-live-migration'), await books('detach-first'), await books('plain-live-migration')], [true, true, false]);
  });
});
