import type { WorkflowHandle } from '@temporalio/client';
import { migrationProgressQuery } from '../workflows/definitions.js';
import type { migrateVm } from '../workflows/migrate-vm.js';
import type { MigrationProgress, MigrationReport } from '../workflows/migration-types.js';
import { followRun, runReport } from './run-report.js';

/** The migration's report whatever its outcome (rolled back, degraded or cancelled runs end as failed workflows). */
export function migrationReport(handle: WorkflowHandle<typeof migrateVm>): Promise<MigrationReport> {
  return runReport<MigrationReport>(handle);
}

export function queryProgress(handle: WorkflowHandle<typeof migrateVm>): Promise<MigrationProgress> {
  return handle.query(migrationProgressQuery);
}

/** Polls the run's progress, calling `onProgress` on every change and last with the report; returns the report. */
export function followMigration(
  handle: WorkflowHandle<typeof migrateVm>,
  onProgress: (p: MigrationProgress) => void,
  everyMs = 500,
): Promise<MigrationReport> {
  return followRun(migrationReport(handle), () => queryProgress(handle), onProgress, everyMs);
}
