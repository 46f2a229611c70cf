import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { migrationReport } from '../../src/client/migration-result.js';
import { InputError } from '../../src/errors.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

const readOps = new Set(['listVms', 'describeVm', 'freeMemoryMiB', 'vfHolders', 'migrationJob']);

void describe('bad input changes nothing and says what is wrong', () => {
  let temporal: TestTemporal;
  let env: ModelEnv;
  before(async () => {
    temporal = await testTemporal();
    env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-ok' }] }, { name: 'hostB', vfs: 1 }]).start();
  });
  after(async () => {
    await env.shutdown();
    await temporal.close();
  });

  void it('a VM that does not exist: preflight refuses it, only reads happened', async () => {
    const report = await migrationReport((await env.migrate('vm-nope', 'hostA', 'hostB')).handle);
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.failedStep?.id, 'preflight-source');
    assert.equal(report.failedStep?.error.type, 'VmNotFound');
    assert.equal(report.failedStep?.error.message, 'VM vm-nope is not defined on hostA');
    assert.deepEqual(env.fleet.log.filter((r) => !readOps.has(r.op)), []);
    assert.equal(await env.services.get('hostB')?.vfs.bookingOf('vm-nope'), null);
  });

  void it('a host nobody runs a worker for: refused before anything starts', async () => {
    const err = await env.migrate('vm-ok', 'hostA', 'hostZ').catch((e: unknown) => e);
    assert.ok(err instanceof InputError);
    assert.equal(
      err.message,
      `cannot start: a worker the run needs is not running; nothing was changed\n  ${env.queuePrefix}-host-hostZ: no worker is polling it (is "hostZ" the right host name? start \`vfmigrate worker --host hostZ\`)`,
    );
    await assert.rejects(temporal.client.workflow.getHandle('migrate/vm-ok').describe(), WorkflowNotFoundError);
  });

  void it('bad names and a source equal to the destination', async () => {
    const err = await env.migrate('vm ok', 'hostA', 'hostA').catch((e: unknown) => e);
    assert.ok(err instanceof InputError);
    assert.deepEqual(err.problems, [
      'vm: "vm ok" is not a valid VM name (letters, digits, . _ : + -; not digits alone)',
      'to: the destination must differ from the source (both are "hostA")',
    ]);
  });

  void it('an invalid plan file lists its problems and starts nothing', async () => {
    const err = await env.migrate('vm-ok', 'hostA', 'hostB', { plan: 'test/fixtures/plans/broken/no-pivot.yaml' }).catch((e: unknown) => e);
    assert.ok(err instanceof InputError);
    assert.deepEqual(err.problems, ['spec.steps: no step has pivot: true; exactly one step (usually migrate) must be the point of no return']);
    assert.equal(env.fleet.whereIs('vm-ok'), 'hostA');
  });

  void it('a paused VM is refused by preflight', async () => {
    const vm = env.fleet.state('hostA').vms.get('vm-ok');
    assert.ok(vm);
    vm.paused = true;
    try {
      const report = await migrationReport((await env.migrate('vm-ok', 'hostA', 'hostB')).handle);
      assert.equal(report.outcome, 'rolled-back');
      assert.equal(report.failedStep?.error.type, 'PreflightFailed');
      assert.match(report.failedStep?.error.message ?? '', /vm-ok on hostA is paused; only a running, unpaused VM can be live-migrated/);
    } finally {
      vm.paused = false;
    }
  });
});
