import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { execa } from 'execa';
import { z } from 'zod';
import { jsonSchema } from '../../src/cli/commands/schema.js';
import { migrationReport } from '../../src/client/migration-result.js';
import { temporalCliPath } from '../../src/temporal/dev-server.js';
import { controlQueue } from '../../src/temporal/names.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

/** docs/api.md's Temporal CLI example, run with the real `temporal` binary against the dev server. */
void describe('starting a migration with the Temporal CLI (docs/api.md)', () => {
  let temporal: TestTemporal;
  let env: ModelEnv;
  before(async () => {
    temporal = await testTemporal();
    env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-7' }] }, { name: 'hostB', vfs: 1 }]).start();
  });
  after(async () => {
    await env.shutdown();
    await temporal.close();
  });

  const cli = (workflowId: string, input: unknown) =>
    execa(
      temporalCliPath,
      ['workflow', 'start', '--type', 'migrateVm', '--task-queue', controlQueue(env.queuePrefix), '--workflow-id', workflowId, '--input', JSON.stringify(input)].concat([
        '--address',
        temporal.address,
        '--namespace',
        temporal.namespace,
      ]),
      { reject: false, timeout: 30_000 },
    );

  void it('a plan name is all it takes: the run resolves it and migrates', async () => {
    const started = await cli('migrate/vm-7', { vm: 'vm-7', source: 'hostA', destination: 'hostB', plan: 'detach-first', queuePrefix: env.queuePrefix });
    assert.equal(started.exitCode, 0, started.stderr);
    const waited = await execa(temporalCliPath, ['workflow', 'result', '--workflow-id', 'migrate/vm-7', '--address', temporal.address, '--namespace', temporal.namespace], {
      reject: false,
      timeout: 30_000,
    });
    assert.equal(waited.exitCode, 0, waited.stderr);
    assert.match(waited.stdout, /"outcome":\s*"migrated"/, waited.stdout);
    const report = await migrationReport(temporal.client.workflow.getHandle<typeof migrateVm>('migrate/vm-7'));
    assert.equal(report.outcome, 'migrated', report.message);
    assert.equal(report.plan.name, 'detach-first');
    assert.match(report.plan.hash, /^[0-9a-f]{64}$/);
    const published = z.fromJSONSchema(jsonSchema('migrate-result') as Parameters<typeof z.fromJSONSchema>[0]);
    assert.deepEqual(published.safeParse(report).error?.issues, undefined, 'the report matches the published migrate-result schema');
    assert.equal(env.fleet.whereIs('vm-7'), 'hostB');
  });

  void it('a wrong input fails the run at once, and `temporal workflow describe` shows why', async () => {
    const started = await cli('migrate/vm-7', { vm: 'vm-7', from: 'hostB', to: 'hostA', plan: 'detach-first', queuePrefix: env.queuePrefix });
    assert.equal(started.exitCode, 0, started.stderr);
    await migrationReport(temporal.client.workflow.getHandle<typeof migrateVm>('migrate/vm-7')).catch(() => undefined);
    const described = await execa(temporalCliPath, ['workflow', 'describe', '--workflow-id', 'migrate/vm-7', '--address', temporal.address, '--namespace', temporal.namespace, '--output', 'json'], {
      reject: false,
    });
    assert.equal(described.exitCode, 0, described.stderr);
    const info = JSON.parse(described.stdout) as { workflowExecutionInfo: { status: string } };
    assert.equal(info.workflowExecutionInfo.status, 'WORKFLOW_EXECUTION_STATUS_FAILED');
    const failure: unknown = await temporal.client.workflow
      .getHandle('migrate/vm-7')
      .result()
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(failure instanceof WorkflowFailedError, String(failure));
    assert.equal(
      failure.cause?.message,
      'invalid migrateVm input: source: missing (expected string); destination: missing (expected string); from: unknown field "from"; to: unknown field "to"',
    );
    assert.equal(env.fleet.whereIs('vm-7'), 'hostB', 'nothing moved');
  });
});
