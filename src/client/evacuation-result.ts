import type { WorkflowHandle } from '@temporalio/client';
import type { EvacuationProgress, EvacuationReport } from '../evacuation/evacuation-types.js';
import { evacuationProgressQuery } from '../workflows/definitions.js';
import type { evacuateHost } from '../workflows/evacuate-host.js';
import { followRun, runReport } from './run-report.js';

/** The evacuation's report whatever its outcome (an incomplete or cancelled one ends as a failed workflow). */
export function evacuationReport(handle: WorkflowHandle<typeof evacuateHost>): Promise<EvacuationReport> {
  return runReport<EvacuationReport>(handle);
}

export function queryEvacuation(handle: WorkflowHandle<typeof evacuateHost>): Promise<EvacuationProgress> {
  return handle.query(evacuationProgressQuery);
}

/** Polls the evacuation's progress, calling `onProgress` on every change and last with the report. */
export function followEvacuation(
  handle: WorkflowHandle<typeof evacuateHost>,
  onProgress: (p: EvacuationProgress) => void,
  everyMs = 1000,
): Promise<EvacuationReport> {
  return followRun(evacuationReport(handle), () => queryEvacuation(handle), onProgress, everyMs);
}
