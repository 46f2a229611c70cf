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
 * A failure here means a change to the interpreter or the evacuation would break running workflows (and,
 * under Worker Deployment versioning, an evacuation moving to a new version): guard it with `patched()`
 * instead of re-recording.
 */
void describe('replay of recorded migration and evacuation histories', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  void it('has fixtures for each outcome', () => {
    assert.deepEqual(files.sort(), [
      'cancelled-during-migrate.json',
      'degraded.json',
      'evacuation-cancelled.json',
      'evacuation-completed.json',
      'evacuation-continued-as-new.json',
      'evacuation-failed-child.json',
      'evacuation-paused-resumed.json',
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
      // The recorded run's own id: the workflows check it (one migration per VM, one evacuation per host).
      const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId;
      assert.ok(workflowId, 'the history names its workflow id');
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
    });
  }
});
