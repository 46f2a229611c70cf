import { ApplicationFailure, CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { EvacuationProgress, EvacuationReport } from '../evacuation/evacuation-types.js';
import { progressQuery } from '../temporal/names.js';
import type { evacuateHost } from '../workflows/evacuate-host.js';

/** The evacuation's report whatever its outcome (an incomplete or cancelled one ends as a failed workflow). */
export async function evacuationReport(handle: WorkflowHandle<typeof evacuateHost>): Promise<EvacuationReport> {
  try {
    return await handle.result();
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : null;
    const fromFailure = cause instanceof ApplicationFailure || cause instanceof CancelledFailure ? (cause.details?.[0] as EvacuationReport | undefined) : undefined;
    const report = fromFailure?.outcome ? fromFailure : ((await handle.describe()).memo?.report as EvacuationReport | undefined);
    if (report?.outcome) return report;
    throw err;
  }
}

export function queryEvacuation(handle: WorkflowHandle<typeof evacuateHost>): Promise<EvacuationProgress> {
  return handle.query<EvacuationProgress>(progressQuery);
}
