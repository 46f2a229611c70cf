import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

/**
 * The report a vfmigrate run that did not succeed carries in its failure's details (see `end` in
 * migrate-vm.ts), or null. Plain @temporalio/common, so workflows (a child's failure) and clients (a run's
 * failure) read it the same way.
 */
export function reportInFailure<R extends { outcome: unknown }>(cause: unknown): R | null {
  if (!(cause instanceof ApplicationFailure || cause instanceof CancelledFailure)) return null;
  const report = cause.details?.[0] as R | undefined;
  return report?.outcome ? report : null;
}
