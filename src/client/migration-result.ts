import { ApplicationFailure, CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { migrateVm } from '../workflows/migrate-vm.js';
import type { MigrationProgress, MigrationReport } from '../workflows/migration-types.js';
import { progressQuery } from '../temporal/names.js';

/**
 * The run's report whatever its outcome: a migration that rolled back, degraded or was cancelled ends as a
 * failed/cancelled workflow (so the UI shows it red), with the same report in the failure's details.
 */
export async function migrationReport(handle: WorkflowHandle<typeof migrateVm>): Promise<MigrationReport> {
  try {
    return await handle.result();
  } catch (err) {
    const report = err instanceof WorkflowFailedError ? (reportIn(err.cause) ?? (await reportInMemo(handle))) : null;
    if (report) return report;
    throw err;
  }
}

function reportIn(cause: unknown): MigrationReport | null {
  if (cause instanceof ApplicationFailure || cause instanceof CancelledFailure) {
    const report = cause.details?.[0] as MigrationReport | undefined;
    return report?.outcome ? report : null;
  }
  return null;
}

async function reportInMemo(handle: WorkflowHandle<typeof migrateVm>): Promise<MigrationReport | null> {
  const { memo } = await handle.describe();
  const report = memo?.report as MigrationReport | undefined;
  return report?.outcome ? report : null;
}

export function queryProgress(handle: WorkflowHandle<typeof migrateVm>): Promise<MigrationProgress> {
  return handle.query<MigrationProgress>(progressQuery);
}

/** Polls the run's progress, calling `onProgress` on every change and last with the report; returns the report. */
export async function followMigration(
  handle: WorkflowHandle<typeof migrateVm>,
  onProgress: (p: MigrationProgress) => void,
  everyMs = 500,
): Promise<MigrationReport> {
  const result = migrationReport(handle);
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => undefined);
  let last = '';
  while (!finished) {
    try {
      const progress = await queryProgress(handle);
      const key = JSON.stringify(progress);
      if (key !== last) onProgress(progress);
      last = key;
    } catch {
      // A query can fail while no worker holds the run; the next poll tries again.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, everyMs))]);
  }
  // The last steps often finish between two polls: the report is the final state, show it too.
  const report = await result;
  onProgress(report);
  return report;
}
