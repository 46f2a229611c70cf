import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

void describe('smoke', () => {
  let temporal: TestTemporal;
  before(async () => {
    temporal = await testTemporal();
  });
  after(async () => temporal.close());

  void it('migrates', async () => {
    const env = await new ModelEnv(temporal, [
      { name: 'hostA', vfs: 2, vms: [{ name: 'vm-1' }] },
      { name: 'hostB', vfs: 2 },
    ]).start();
    try {
      const t0 = Date.now();
      const run = await env.migrate('vm-1', 'hostA', 'hostB');
      const report = await run.handle.result();
      console.log(Date.now() - t0, report.message);
      assert.equal(report.outcome, 'migrated');
      assert.equal(env.fleet.whereIs('vm-1'), 'hostB');
    } finally {
      await env.shutdown();
    }
  });
});
