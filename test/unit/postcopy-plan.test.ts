import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPolicy } from '../../src/evacuation/policy.js';
import { explainPlan } from '../../src/plan/explain.js';
import { flattenSteps, type ResolvedPlan } from '../../src/plan/resolved.js';
import { resolvePlanRef } from '../../src/plan/resolve-ref.js';
import { resolvedPlanHash } from '../../src/plan/resolve.js';
import { convergencePlan } from '../support/plans.js';

const risk = 'onBudgetExhausted: postcopy switches a migration that runs out of budget to post-copy: from then on a failure cannot roll back to the source (the run ends NeedsAttention)';

function migrateStep(plan: ResolvedPlan) {
  const step = flattenSteps(plan.steps).find((s) => s.id === 'migrate');
  assert.ok(step);
  return step;
}

void describe('post-copy: a second point of no return the plan must acknowledge', () => {
  void it('an acknowledged plan loads; its resolved migrate step names the risk', () => {
    const plan = convergencePlan({ onBudgetExhausted: 'postcopy' }, true);
    assert.equal(migrateStep(plan.resolved).secondPointOfNoReturn, risk);
  });

  void it('a plan without post-copy resolves (and hashes) as before: no such field at all', () => {
    const plan = convergencePlan({ onBudgetExhausted: 'abort' }, true);
    assert.equal('secondPointOfNoReturn' in migrateStep(plan.resolved), false);
  });

  void it('without the acknowledgement the plan is refused, saying what to add', () => {
    assert.throws(() => convergencePlan({ onBudgetExhausted: 'postcopy' }), (err: unknown) => {
      assert.match(String(err), /spec\.steps\[4\]\.with: onBudgetExhausted: postcopy .*add acknowledge: \[second-point-of-no-return\] under spec/);
      return true;
    });
  });

  void it('plan explain says it in the table, in the undo order and at the end', () => {
    const plan = convergencePlan({ onBudgetExhausted: 'postcopy' }, true);
    const lines = explainPlan(plan.resolved, { file: plan.file, source: 'hostA', destination: 'hostB', queuePrefix: 'vfmigrate' });
    assert.ok(lines.some((l) => l.includes('PIVOT: point of no return (post-copy: a second one)')), lines.join('\n'));
    assert.ok(lines.includes("  5 migrate after a switch to post-copy: NOTHING is undone and nothing can be: the run ends NeedsAttention with libvirt's state on both hosts"), lines.join('\n'));
    assert.equal(lines.at(-1), `SECOND POINT OF NO RETURN (acknowledged by the plan): step 5 migrate: ${risk}.`);
  });

  void it('in the run: the resolved form is accepted, and refused once the acknowledgement is cut out of it', async () => {
    const resolved = convergencePlan({ onBudgetExhausted: 'postcopy' }, true).resolved;
    const accepted = await resolvePlanRef(JSON.parse(JSON.stringify(resolved)), activityRegistry);
    assert.ok(accepted.ok, accepted.ok ? '' : accepted.problems.join('\n'));
    const cut = JSON.parse(JSON.stringify(resolved)) as ResolvedPlan;
    delete migrateStep(cut).secondPointOfNoReturn;
    const refused = await resolvePlanRef({ ...cut, hash: resolvedPlanHash(cut) }, activityRegistry);
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.problems.join('\n'), /onBudgetExhausted: postcopy .*add acknowledge/);
  });
});

void describe('an evacuation policy overrides the migrate step', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfmigrate-policy-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function policy(spec: string, planText?: string): Promise<string> {
    if (planText) await writeFile(path.join(dir, 'plan.yaml'), planText);
    const file = path.join(dir, `policy-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, `apiVersion: vfmigrate/v1\nkind: EvacuationPolicy\nmetadata: { name: busy }\nspec:\n${spec}`);
    return file;
  }

  void it("lays its values over the plan's and hands the evacuation the plan with them in (a new hash)", async () => {
    const loaded = await loadPolicy(await policy('  convergence: { autoConverge: true, completionBudgetPerGiB: 20m, maxDowntime: 1s }\n'));
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.problems.join('\n'));
    assert.deepEqual(migrateStep(loaded.plan.resolved).with, { autoConverge: true, completionBudgetPerGiB: '20m', maxDowntime: '1s' });
    const plain = await loadPolicy(await policy('  plan: sriov-live-migration\n'));
    assert.ok(plain.ok);
    assert.notEqual(loaded.plan.resolved.hash, plain.plan.resolved.hash);
    assert.equal(loaded.plan.resolved.hash, resolvedPlanHash(loaded.plan.resolved));
  });

  void it('post-copy through a policy: only with a plan that acknowledges it', async () => {
    const { stringify } = await import('yaml');
    const acknowledging = convergencePlan({}, true).plan;
    const loaded = await loadPolicy(await policy('  plan: ./plan.yaml\n  convergence: { onBudgetExhausted: postcopy }\n', stringify(acknowledging)));
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.problems.join('\n'));
    assert.equal(migrateStep(loaded.plan.resolved).secondPointOfNoReturn, risk);
  });
});
