import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'yaml';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPlan, planFileFor } from '../../src/plan/load.js';
import { resolvePlanRef } from '../../src/plan/resolve-ref.js';
import { resolvedPlanHash } from '../../src/plan/resolve.js';
import type { ResolvedActivityStep, ResolvedPlan } from '../../src/plan/resolved.js';
import { planHash } from '../../src/plan/hash.js';
import { checkEvacuationRequest, noArguments } from '../../src/workflows/evacuation-request.js';
import { checkMigrationRequest, parseMigrationBytes } from '../../src/workflows/migration-request.js';

async function shipped(name = 'sriov-live-migration'): Promise<ResolvedPlan> {
  const plan = await loadPlan(name, activityRegistry);
  assert.ok(plan.ok);
  return plan.resolved;
}

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const document = (name: string): unknown => parse(readFileSync(planFileFor(name), 'utf8'));

/** The problems an input check threw, as the run's failure carries them. */
function problemsOf(check: () => unknown): string[] {
  try {
    check();
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'InvalidInput');
    assert.equal(err.nonRetryable, true);
    return (err.details?.[0] as { problems: string[] }).problems;
  }
  assert.fail('the input was accepted');
}

void describe('a resolved plan hash', () => {
  void it('is sha256 of the canonical JSON of {name, version, steps}, checkable from the resolved plan alone', async () => {
    const plan = await shipped();
    assert.equal(plan.hash, planHash({ name: plan.name, version: plan.version, steps: plan.steps }));
    assert.equal(resolvedPlanHash(copy(plan)), plan.hash, 'survives a JSON round trip (the run receives JSON)');
    const edited = copy(plan);
    (edited.steps[2] as ResolvedActivityStep).options.startToCloseMs += 1;
    assert.notEqual(resolvedPlanHash(edited), plan.hash);
  });
});

void describe('resolving a run plan reference (the control activity)', () => {
  void it('a shipped plan name resolves to the same plan the client resolves', async () => {
    const result = await resolvePlanRef('detach-first', activityRegistry);
    assert.ok(result.ok);
    assert.deepEqual(result.plan, await shipped('detach-first'));
  });

  void it('a name is only ever a shipped plan, never a path', async () => {
    for (const name of ['no-such-plan', '../plans/detach-first', '/etc/passwd', 'detach-first.yaml']) {
      const result = await resolvePlanRef(name, activityRegistry);
      assert.deepEqual(result.ok ? [] : result.problems, [`plan: no shipped plan "${name}" (shipped plans: detach-first, plain-live-migration, sriov-live-migration); or send a plan document`]);
    }
  });

  void it('a plan document (the YAML as JSON) resolves like the file', async () => {
    const result = await resolvePlanRef(document('sriov-live-migration'), activityRegistry);
    assert.ok(result.ok);
    assert.deepEqual(result.plan, await shipped());
  });

  void it('a broken document gets every problem, under plan.', async () => {
    const doc = document('detach-first') as { spec: { steps: Record<string, unknown>[] } };
    doc.spec.steps[1]!.activity = 'formatDisk';
    delete doc.spec.steps[5]!.pivot;
    const result = await resolvePlanRef(doc, activityRegistry);
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.problems.map((p) => p.replace(/ \(known: .*\)$/, '')), [
      'plan.spec.steps[1].activity: unknown activity "formatDisk"',
      'plan.spec.steps: no step has pivot: true; exactly one step (usually migrate) must be the point of no return',
    ]);
  });

  void it('a resolved plan with its own hash is accepted as is', async () => {
    const plan = await shipped();
    const result = await resolvePlanRef(copy(plan), activityRegistry);
    assert.ok(result.ok);
    assert.deepEqual(result.plan, plan);
  });

  void it('an edited resolved plan with the old hash is refused', async () => {
    const plan = copy(await shipped());
    const detach = plan.steps.find((s) => s.id === 'detach-vf') as ResolvedActivityStep;
    detach.with = { deadline: '1h' };
    const result = await resolvePlanRef(plan, activityRegistry);
    assert.deepEqual(result.ok ? [] : result.problems, [
      `plan.hash: does not match the plan (its steps hash to ${resolvedPlanHash(plan)}): the plan was changed after it was resolved; resolve it again, or send the plan's name or document instead`,
    ]);
  });

  void it('a resolved plan with a fresh hash still obeys the plan rules (anyone can compute a hash)', async () => {
    const plan = copy(await shipped());
    const migrate = plan.steps.find((s) => s.id === 'migrate') as ResolvedActivityStep;
    migrate.pivot = false;
    const detach = plan.steps.find((s) => s.id === 'detach-vf') as ResolvedActivityStep;
    detach.on = 'control';
    detach.compensate = null;
    const network = plan.steps.find((s) => s.id === 'host-network');
    assert.ok(network?.kind === 'parallel');
    delete (network.steps[0] as ResolvedActivityStep).onlyIf;
    plan.hash = resolvedPlanHash(plan);
    const result = await resolvePlanRef(plan, activityRegistry);
    assert.deepEqual(result.ok ? [] : [...result.problems].sort(), [
      'plan.steps: no step has pivot: true; exactly one step (usually migrate) must be the point of no return',
      'plan.steps[2].on: activity "detachVf" cannot run on control (it runs on: source)',
      'plan.steps[3].steps[0].onlyIf: must be "vfMac" for activity "clearVfMac" (the catalog, not the plan, decides when a call is skipped)',
    ]);
  });

  void it('a malformed resolved plan names each bad field', async () => {
    const plan = copy(await shipped()) as unknown as Record<string, unknown>;
    plan.hash = 'abc';
    (plan.steps as Record<string, unknown>[])[2]!.options = { startToCloseMs: -1 };
    const result = await resolvePlanRef(plan, activityRegistry);
    assert.deepEqual(result.ok ? [] : result.problems, [
      'plan.hash: expected a sha256 in hex (64 characters 0-9a-f)',
      'plan.steps[2].options.startToCloseMs: Too small: expected number to be >0',
      'plan.steps[2].options.scheduleToStartMs: missing (expected number)',
      'plan.steps[2].options.heartbeatMs: missing (expected number)',
      'plan.steps[2].options.retry: missing (expected object)',
    ]);
  });
});

void describe('migrateVm input, checked in the run', () => {
  const good = { vm: 'vm-7', source: 'hostA', destination: 'hostB', plan: 'detach-first' };

  void it('a plan name and no queuePrefix are a valid start; the prefix defaults', () => {
    assert.deepEqual(checkMigrationRequest(good, 'migrate/vm-7'), { ...good, queuePrefix: 'vfmigrate' });
  });

  void it('a number for the plan, from/to instead of source/destination, a number for vm: every problem at once', () => {
    assert.deepEqual(problemsOf(() => checkMigrationRequest({ vm: 7, from: 'hostA', to: 'hostB', plan: 7 }, 'migrate/7')), [
      'vm: expected string, received number',
      'source: missing (expected string)',
      'destination: missing (expected string)',
      'from: unknown field "from"',
      'to: unknown field "to"',
      'plan: not a plan: expected a shipped plan\'s name (e.g. "sriov-live-migration"), a plan document {apiVersion, kind, metadata, spec} or a resolved plan {name, version, hash, steps}',
    ]);
  });

  void it('no plan is a valid start: the run chooses one by the VM\'s shape', () => {
    const { plan: _named, ...unnamed } = good;
    assert.deepEqual(checkMigrationRequest(unnamed, 'migrate/vm-7'), { ...unnamed, queuePrefix: 'vfmigrate' });
    assert.deepEqual(problemsOf(() => checkMigrationRequest({ ...unnamed, plan: null }, 'migrate/vm-7')), [
      'plan: not a plan: expected a shipped plan\'s name (e.g. "sriov-live-migration"), a plan document {apiVersion, kind, metadata, spec} or a resolved plan {name, version, hash, steps}',
    ]);
  });

  void it('names with control characters, a source equal to the destination, and a bad plan name', () => {
    const problems = problemsOf(() => checkMigrationRequest({ vm: 'x\x7f\x7f destroy victim #', source: 'hostA', destination: 'hostA', plan: '../../etc/passwd' }, 'migrate/x'));
    assert.deepEqual(problems, [
      'vm: not a valid VM name (1-128 of letters, digits and . _ : + -, starting with a letter or digit, not digits alone)',
      'plan: expected a shipped plan\'s name (lower-case letters, digits and dashes, e.g. "sriov-live-migration")',
      'destination: must differ from the source (both are "hostA")',
    ]);
  });

  void it('a run whose id is not migrate/<vm> is refused', () => {
    assert.deepEqual(problemsOf(() => checkMigrationRequest(good, 'my-own-id')), [
      'workflow id: "my-own-id" is not "migrate/vm-7"; start the run with workflow id migrate/vm-7 (one migration per VM at a time)',
    ]);
  });

  void it('no input at all is one clear problem', () => {
    assert.deepEqual(problemsOf(() => checkMigrationRequest(undefined, 'migrate/x')), ['(top level): missing (expected object)']);
  });

  void it('a malformed progress signal is recognised (and then ignored by the run)', () => {
    assert.equal(parseMigrationBytes({ elapsedMs: 1, dataTotalBytes: 2, dataProcessedBytes: 1, dataRemainingBytes: 1, at: 'now' }).ok, true);
    assert.deepEqual(parseMigrationBytes({ elapsedMs: 'soon' }), {
      ok: false,
      problems: [
        'elapsedMs: expected number, received string',
        'dataTotalBytes: missing (expected number)',
        'dataProcessedBytes: missing (expected number)',
        'dataRemainingBytes: missing (expected number)',
        'at: missing (expected string)',
      ],
    });
  });
});

void describe('evacuateHost input and updates, checked in the run', () => {
  void it('a minimal start gets the policy defaults', () => {
    const req = checkEvacuationRequest({ host: 'hostA', policyName: 'p', policy: {}, plan: 'detach-first', candidates: ['hostB'] }, 'evacuate/hostA');
    assert.equal(req.queuePrefix, 'vfmigrate');
    assert.equal(req.historyLimit, 5000);
    assert.equal(req.policy.maxParallel, 4);
  });

  void it('bad fields, the drained host as a candidate, and a foreign id: every problem', () => {
    const problems = problemsOf(() =>
      checkEvacuationRequest({ host: 'hostA', policyName: 'p', policy: { maxParallel: 0, onFailure: 'panic' }, plan: 'detach-first', candidates: ['hostA', 'host B'] }, 'evacuate/other'),
    );
    assert.deepEqual(problems, [
      'policy.maxParallel: must be at least 1',
      'policy.onFailure: expected one of "continue", "pause", "stop"',
      'candidates[1]: not a valid host name (1-63 of letters, digits and . _ -, starting with a letter or digit)',
      'candidates[0]: "hostA" is the host being drained; it cannot receive its own VMs',
      'workflow id: "evacuate/other" is not "evacuate/hostA"; start the run with workflow id evacuate/hostA (one evacuation per host at a time)',
    ]);
  });

  void it('pause and resume refuse any argument', () => {
    assert.doesNotThrow(() => noArguments('pause', []));
    assert.throws(() => noArguments('pause', [{ paused: false }]), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'InvalidInput');
      assert.equal(err.message, 'pause takes no arguments (got 1: [{"paused":false}]); send the update with no input');
      return true;
    });
  });
});
