import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/workers/workflow-bundle.js';

const dir = path.resolve(import.meta.dirname, '../../../test/fixtures/histories');

/**
 * Histories recorded from real runs (record-histories.ts) must replay against today's workflow code.
 * A failure here means a change to the interpreter would break running migrations: guard it with
 * `patched()` instead of re-recording.
 */
void describe('replay of recorded migration histories', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  void it('has fixtures for each outcome', () => {
    assert.deepEqual(files.sort(), [
      'cancelled-during-migrate.json',
      'degraded.json',
      'migrated-fewer-upserts.json',
      'migrated-plain-plan-by-shape.json',
      'migrated-plan-by-name.json',
      'migrated-plan-v2.json',
      'migrated-teamed-plan-by-shape.json',
      'migrated.json',
      'rolled-back-at-detach-plan-v2.json',
      'rolled-back-at-detach.json',
    ]);
  });

  for (const file of files) {
    void it(file, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 10, 'a real history');
      // The recorded run's own id: the workflow checks it (one migration per VM).
      const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? 'migrate/vm-h';
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
    });
  }
});
