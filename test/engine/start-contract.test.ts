import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'yaml';
import { z } from 'zod';
import { jsonSchema } from '../../src/cli/commands/schema.js';
import { evacuationReport, queryEvacuation } from '../../src/client/evacuation-result.js';
import { InvalidOperationError } from '../../src/hypervisor/errors.js';
import { migrationReport } from '../../src/client/migration-result.js';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPlan, planFileFor } from '../../src/plan/load.js';
import type { ResolvedActivityStep } from '../../src/plan/resolved.js';
import { controlQueue, evacuationWorkflowId, migrationWorkflowId } from '../../src/temporal/names.js';
import type { evacuateHost } from '../../src/workflows/evacuate-host.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

/**
 * The start contract from a client that is not ours: raw `workflow.start` with whatever input, as the Temporal
 * CLI or another language's SDK would send it. A bad input must end the run at once (failed, not RUNNING),
 * with type InvalidInput and every problem named, and nothing asked of any host.
 */
void describe('starts from any client: bad input ends the run at once and touches no host', () => {
  let temporal: TestTemporal;
  let env: ModelEnv;
  before(async () => {
    temporal = await testTemporal();
    env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 2, vms: [{ name: 'vm-c1' }, { name: 'vm-c2' }] }, { name: 'hostB', vfs: 2 }], { migrationMs: 1500 }).start();
  });
  after(async () => {
    await env.shutdown();
    await temporal.close();
  });

  function start(type: 'migrateVm' | 'evacuateHost', input: unknown, workflowId: string): Promise<WorkflowHandle> {
    return temporal.client.workflow.start(type, { args: [input], taskQueue: controlQueue(env.queuePrefix), workflowId });
  }

  /** The run's failure: closed as FAILED (not left RUNNING), InvalidInput, with no host activity scheduled. */
  async function refused(handle: WorkflowHandle): Promise<{ message: string; problems: string[] }> {
    const err = await handle.result().then(
      () => assert.fail('the run succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    assert.equal(err.cause.type, 'InvalidInput');
    assert.equal(err.cause.nonRetryable, true);
    assert.equal((await handle.describe()).status.name, 'FAILED');
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    assert.ok(!events.some((e) => e.workflowTaskFailedEventAttributes), 'no workflow task failed: the run failed, it did not loop');
    const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
    assert.ok(scheduled.every((name) => name === 'resolveMigrationPlan'), `only the plan check ran: ${scheduled.join(', ')}`);
    return { message: err.cause.message, problems: (err.cause.details?.[0] as { problems: string[] }).problems };
  }

  const opsBefore = (): number => env.fleet.log.length;

  void it('a null plan: refused, naming it; no plan at all: the run chooses by the VM\'s shape', async () => {
    const ops = opsBefore();
    const { message, problems } = await refused(await start('migrateVm', { vm: 'vm-c1', source: 'hostA', destination: 'hostB', plan: null, queuePrefix: env.queuePrefix }, 'migrate/vm-c1'));
    assert.match(message, /^invalid migrateVm input: plan: not a plan: expected a shipped plan's name/);
    assert.equal(problems.length, 1);
    assert.equal(env.fleet.log.length, ops, 'nothing was asked of any host');
    // Since plans are chosen per VM shape (issue 10): a VM hostA does not have, so nothing moves here.
    const chosen = await migrationReport((await start('migrateVm', { vm: 'vm-c0', source: 'hostA', destination: 'hostB', queuePrefix: env.queuePrefix }, 'migrate/vm-c0')) as WorkflowHandle<typeof migrateVm>);
    assert.equal(chosen.outcome, 'rolled-back');
    assert.equal(chosen.planChoice, 'shape unknown (VM vm-c0 is not defined on hostA) -> sriov-live-migration');
    const reads = ['describeVm', 'listVms', 'freeMemoryMiB', 'vfHolders', 'migrationJob'];
    assert.deepEqual(env.fleet.log.slice(ops).filter((r) => !reads.includes(r.op)), [], 'only reads');
  });

  void it('from/to instead of source/destination: every problem at once', async () => {
    const ops = opsBefore();
    const { problems } = await refused(await start('migrateVm', { vm: 'vm-c1', from: 'hostA', to: 'hostB', plan: 'detach-first', queuePrefix: env.queuePrefix }, 'migrate/vm-c1'));
    assert.deepEqual(problems, ['source: missing (expected string)', 'destination: missing (expected string)', 'from: unknown field "from"', 'to: unknown field "to"']);
    assert.equal(env.fleet.log.length, ops);
  });

  void it('a number for vm, and a name that would be a command to readline', async () => {
    const ops = opsBefore();
    const number = await refused(await start('migrateVm', { vm: 7, source: 'hostA', destination: 'hostB', plan: 'detach-first', queuePrefix: env.queuePrefix }, 'migrate/7'));
    assert.deepEqual(number.problems, ['vm: expected string, received number']);
    const hostile = `x${'\x7f'.repeat(300)}destroy victim #`;
    const name = await refused(await start('migrateVm', { vm: hostile, source: 'hostA', destination: 'hostB', plan: 'detach-first', queuePrefix: env.queuePrefix }, migrationWorkflowId(hostile)));
    assert.deepEqual(name.problems, ['vm: not a valid VM name (1-128 of letters, digits and . _ : + -, starting with a letter or digit, not digits alone)']);
    assert.equal(env.fleet.log.length, ops);
  });

  void it('an edited resolved plan with the old hash: refused by the run (recorded in its history)', async () => {
    const loaded = await loadPlan('sriov-live-migration', activityRegistry);
    assert.ok(loaded.ok);
    const plan = structuredClone(loaded.resolved);
    (plan.steps.find((s) => s.id === 'detach-vf') as ResolvedActivityStep).compensate = null;
    const ops = opsBefore();
    const { problems } = await refused(await start('migrateVm', { vm: 'vm-c1', source: 'hostA', destination: 'hostB', plan, queuePrefix: env.queuePrefix }, 'migrate/vm-c1'));
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /^plan\.hash: does not match the plan \(its steps hash to [0-9a-f]{64}\): the plan was changed after it was resolved/);
    assert.match(problems[1]!, /^plan\.steps\[2\]: step "detach-vf" changes state before the pivot but has no compensate/);
    assert.equal(env.fleet.log.length, ops);
  });

  void it('a workflow id that is not migrate/<vm>: refused, so one migration per VM holds for any client', async () => {
    const first = await start('migrateVm', { vm: 'vm-c2', source: 'hostA', destination: 'hostB', plan: 'detach-first', queuePrefix: env.queuePrefix }, 'migrate/vm-c2');
    const second = await start('migrateVm', { vm: 'vm-c2', source: 'hostA', destination: 'hostB', plan: 'detach-first', queuePrefix: env.queuePrefix }, 'sneaky/vm-c2');
    const { problems } = await refused(second);
    assert.deepEqual(problems, ['workflow id: "sneaky/vm-c2" is not "migrate/vm-c2"; start the run with workflow id migrate/vm-c2 (one migration per VM at a time)']);
    const report = await migrationReport(first as WorkflowHandle<typeof migrateVm>);
    assert.equal(report.outcome, 'migrated', report.message);
    assert.equal(env.fleet.jobsStarted.get('vm-c2'), 1, 'migrated once');
  });

  void it('a plan document (the YAML as JSON) is a valid start', async () => {
    const document = parse(readFileSync(planFileFor('detach-first'), 'utf8')) as unknown;
    const handle = (await start('migrateVm', { vm: 'vm-c1', source: 'hostA', destination: 'hostB', plan: document, queuePrefix: env.queuePrefix }, 'migrate/vm-c1')) as WorkflowHandle<typeof migrateVm>;
    const report = await migrationReport(handle);
    assert.equal(report.outcome, 'migrated', report.message);
    assert.equal(report.plan.name, 'detach-first');
    assert.equal(env.fleet.whereIs('vm-c1'), 'hostB');
  });

  void it('a bad evacuation input: refused with every problem, no host asked', async () => {
    const ops = opsBefore();
    const { problems } = await refused(await start('evacuateHost', { host: 'hostB', policy: { maxParallel: 0 }, candidates: ['hostB'], queuePrefix: env.queuePrefix }, 'evacuate/hostB'));
    assert.deepEqual(problems, [
      'policyName: missing (expected string)',
      'policy.maxParallel: must be at least 1',
      'plan: missing: expected a shipped plan\'s name (e.g. "sriov-live-migration"), a plan document {apiVersion, kind, metadata, spec} or a resolved plan {name, version, hash, steps}',
      'candidates[0]: "hostB" is the host being drained; it cannot receive its own VMs',
    ]);
    const id = await refused(await start('evacuateHost', { host: 'hostB', policyName: 'p', policy: {}, plan: 'detach-first', candidates: ['hostA'], queuePrefix: env.queuePrefix }, 'drain-b'));
    assert.deepEqual(id.problems, ['workflow id: "drain-b" is not "evacuate/hostB"; start the run with workflow id evacuate/hostB (one evacuation per host at a time)']);
    assert.equal(env.fleet.log.length, ops);
  });

  void it('an evacuation by plan name; a pause or resume with arguments is rejected by the validator and changes nothing', async () => {
    const handle = (await start(
      'evacuateHost',
      { host: 'hostB', policyName: 'raw', policy: { maxParallel: 1, maxOutgoingPerSource: 1 }, plan: 'sriov-live-migration', candidates: ['hostA'], queuePrefix: env.queuePrefix },
      evacuationWorkflowId('hostB'),
    )) as WorkflowHandle<typeof evacuateHost>;
    for (const name of ['pause', 'resume']) {
      const err = await handle.executeUpdate(name, { args: [{ paused: true }] }).catch((e: unknown) => e);
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'InvalidInput');
      assert.equal(err.cause.message, `${name} takes no arguments (got 1: [{"paused":true}]); send the update with no input`);
    }
    assert.notEqual((await queryEvacuation(handle)).state, 'paused', 'the rejected pause changed nothing');
    const events = (await handle.fetchHistory()).events ?? [];
    assert.ok(!events.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes), 'a rejected update leaves no trace in the history');
    const report = await evacuationReport(handle);
    assert.equal(report.outcome, 'completed', report.message);
    assert.equal(report.counts.migrated, 2);
    const published = z.fromJSONSchema(jsonSchema('evacuate-result') as Parameters<typeof z.fromJSONSchema>[0]);
    assert.deepEqual(published.safeParse(report).error?.issues, undefined, 'the report matches the published evacuate-result schema');
  });

  void it('a malformed migrationProgress signal is dropped: it never reaches the progress or the report', async () => {
    // The run rolls back before migrate, so no real progress report ever replaces what was signalled.
    env.fleet.injectFault({ host: 'hostA', op: 'detachInterface', mode: 'fail', vm: 'vm-c1', error: (h) => new InvalidOperationError('injected', h) });
    const handle = (await start('migrateVm', { vm: 'vm-c1', source: 'hostA', destination: 'hostB', plan: 'sriov-live-migration', queuePrefix: env.queuePrefix }, 'migrate/vm-c1')) as WorkflowHandle<typeof migrateVm>;
    await handle.signal('migrationProgress', { dataTotalBytes: 'lots', at: 42 });
    await handle.signal('migrationProgress');
    const report = await migrationReport(handle);
    assert.equal(report.outcome, 'rolled-back', report.message);
    assert.equal(report.migration, null, 'the bad signals were ignored');
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'migrationProgress').length, 2);
    assert.ok(!events.some((e) => e.workflowTaskFailedEventAttributes), 'the bad signals failed no workflow task');
  });
});

/** A start without queuePrefix runs on the default one: workers polling under `vfmigrate`. */
class DefaultPrefixEnv extends ModelEnv {
  override readonly queuePrefix: string = 'vfmigrate';
}

void describe('a start without queuePrefix', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('is valid: the prefix defaults to vfmigrate', async () => {
    const env = await new DefaultPrefixEnv(temporal, [{ name: 'hostDa', vfs: 1, vms: [{ name: 'vm-dp' }] }, { name: 'hostDb', vfs: 1 }]).start();
    try {
      const handle = await temporal.client.workflow.start('migrateVm', {
        args: [{ vm: 'vm-dp', source: 'hostDa', destination: 'hostDb', plan: 'sriov-live-migration' }],
        taskQueue: 'vfmigrate-control',
        workflowId: 'migrate/vm-dp',
      });
      const report = await migrationReport(handle as WorkflowHandle<typeof migrateVm>);
      assert.equal(report.outcome, 'migrated', report.message);
      assert.equal(env.fleet.whereIs('vm-dp'), 'hostDb');
    } finally {
      await env.shutdown();
    }
  });
});
