import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import type { MigrationReport } from '../../src/workflows/migration-types.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

const root = path.resolve(import.meta.dirname, '../../..');
const python = path.join(root, '.cache/python-venv/bin/python');
const example = path.join(root, 'docs/examples/start_migration.py');

/** docs/api.md's Python SDK example (the very file), run with temporalio from PyPI against the dev server. */
void describe('starting a migration from the Python SDK (docs/examples/start_migration.py)', () => {
  let temporal: TestTemporal;
  let env: ModelEnv;
  before(async () => {
    await access(python).catch(() => {
      throw new Error(`no Python SDK environment at ${python}: run scripts/python-sdk.sh (set-up does)`);
    });
    temporal = await testTemporal();
    env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-py' }] }, { name: 'hostB', vfs: 1 }]).start();
  });
  after(async () => {
    await env?.shutdown();
    await temporal?.close();
  });

  const run = (...args: string[]) =>
    execa(python, [example, '--address', temporal.address, '--namespace', temporal.namespace, '--queue-prefix', env.queuePrefix, ...args], { reject: false, timeout: 60_000 });

  void it('migrates by plan name and prints the report', async () => {
    const result = await run('--vm', 'vm-py', '--source', 'hostA', '--destination', 'hostB', '--plan', 'detach-first');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(result.stdout) as MigrationReport;
    assert.equal(report.outcome, 'migrated', report.message);
    assert.equal(report.message, 'vm-py migrated hostA → hostB');
    assert.equal(env.fleet.whereIs('vm-py'), 'hostB');
  });

  void it('a refused input comes back as its problems, exit 2', async () => {
    const result = await run('--vm', 'vm-py', '--source', 'hostB', '--destination', 'hostB', '--plan', 'no-such-plan');
    assert.equal(result.exitCode, 2, result.stderr);
    assert.equal(result.stderr, 'invalid input: destination: must differ from the source (both are "hostB")');
    assert.equal(env.fleet.whereIs('vm-py'), 'hostB');
  });
});
