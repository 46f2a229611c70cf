import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { reportInFailure } from '../workflows/report-in-failure.js';

/**
 * A run's report whatever its outcome. vfmigrate's workflows end a run that did not succeed as a failed or
 * cancelled workflow (so the UI shows it red) with the same report in the failure's details, and keep it
 * in the memo too (a cancelled run may lose the details).
 */
export async function runReport<R extends { outcome: unknown }>(handle: WorkflowHandle<Workflow>): Promise<R> {
  try {
    return (await handle.result()) as R;
  } catch (err) {
    const report = err instanceof WorkflowFailedError ? (reportInFailure<R>(err.cause) ?? (await reportInMemo<R>(handle))) : null;
    if (report) return report;
    throw err;
  }
}

async function reportInMemo<R extends { outcome: unknown }>(handle: WorkflowHandle<Workflow>): Promise<R | null> {
  const { memo } = await handle.describe();
  const report = memo?.report as R | undefined;
  return report?.outcome ? report : null;
}

/**
 * Polls `query` until `result` settles, calling `onProgress` on every change and last with the result:
 * the last steps often finish between two polls, and the report is the final state.
 */
export async function followRun<P, R extends P>(result: Promise<R>, query: () => Promise<P>, onProgress: (p: P) => void, everyMs: number): Promise<R> {
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => undefined);
  let last = '';
  while (!finished) {
    try {
      const progress = await query();
      const key = JSON.stringify(progress);
      if (key !== last) onProgress(progress);
      last = key;
    } catch {
      // A query can fail while no worker holds the run; the next poll tries again.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, everyMs))]);
  }
  const report = await result;
  onProgress(report);
  return report;
}
