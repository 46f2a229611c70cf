import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { connectClient, temporalSettings } from '../../src/config/connection.js';
import { loadTemporalDevConfig } from '../../src/config/temporal-dev.js';
import { clusterEnv } from './cluster-env.js';

const cli = path.resolve(import.meta.dirname, '../../src/cli/main.js');

void describe('vfmigrate setup-namespace on the cluster', () => {
  const { env } = clusterEnv();
  const namespace = `vfmigrate-setup-${randomBytes(4).toString('hex')}`;
  const setup = () =>
    execa(process.execPath, [cli, 'setup-namespace'], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '', ...env, TEMPORAL_NAMESPACE: namespace }, timeout: 120_000 });

  void it('registers the namespace and the search attributes; a second run finds them and exits 0', async () => {
    const first = await setup();
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(first.stderr, '');
    assert.deepEqual(first.stdout.split('\n'), [
      `namespace ${namespace}: registered (closed runs kept 7 days)`,
      'search attributes registered: VmName, SourceHost, DestinationHost, MigrationPhase, EvacuatedHost, EvacuationState',
    ]);

    const second = await setup();
    assert.equal(second.exitCode, 0, second.stderr);
    assert.deepEqual(second.stdout.split('\n'), [
      `namespace ${namespace}: already registered`,
      'search attributes already registered: VmName, SourceHost, DestinationHost, MigrationPhase, EvacuatedHost, EvacuationState',
    ]);

    // The server's own word, not the command's: the attributes are there, as Keyword, in that namespace.
    const settings = temporalSettings(await loadTemporalDevConfig(), { ...env, TEMPORAL_NAMESPACE: namespace });
    const { connection } = await connectClient(settings);
    try {
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      for (const name of ['VmName', 'SourceHost', 'DestinationHost', 'MigrationPhase', 'EvacuatedHost', 'EvacuationState']) {
        assert.equal(listed.customAttributes?.[name], 2 /* INDEXED_VALUE_TYPE_KEYWORD */, name);
      }
      const described = await connection.workflowService.describeNamespace({ namespace });
      assert.equal(Number(described.config?.workflowExecutionRetentionTtl?.seconds), 7 * 86400);
    } finally {
      await connection.operatorService.deleteNamespace({ namespace }).catch(() => undefined);
      await connection.close();
    }
  });
});
