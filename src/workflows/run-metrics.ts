import * as wf from '@temporalio/workflow';
import { counter, gauge, histogram, metrics, seconds } from '../telemetry/metrics.js';
import type { EvacuationOutcome, VmEvacuationState } from '../evacuation/evacuation-types.js';
import type { MigrationReport } from './migration-types.js';

/**
 * What the workflows tell Prometheus (src/telemetry/metrics.ts), through the SDK's workflow meter: it
 * records nothing while a run is replayed, so a worker that picks a run up again counts nothing twice, and
 * it issues no command, so recorded histories replay unchanged.
 */

export function recordStep(plan: string, step: string, result: 'completed' | 'failed' | 'cancelled', durationMs: number | undefined): void {
  if (durationMs === undefined) return;
  histogram(wf.metricMeter, metrics.stepDuration).record(seconds(durationMs), { step, plan, result });
}

/** `outcome` is the run's end phase (Completed, RolledBack, …): the word `status` and the UI show. */
export function recordMigrationEnd(report: MigrationReport, outcome: string): void {
  const plan = report.plan.name;
  counter(wf.metricMeter, metrics.migrations).add(1, { outcome, plan });
  histogram(wf.metricMeter, metrics.migrationDuration).record(seconds(report.durationMs), { outcome, plan });
  if (report.downtimeMs !== null) histogram(wf.metricMeter, metrics.migrationDowntime).record(seconds(report.downtimeMs), { plan });
}

/** The evacuation gauges of `host`, from its VMs' states; all 0 once it has ended (its report keeps the rest). */
export function publishEvacuationProgress(host: string, counts: Record<VmEvacuationState, number>, ended: boolean): void {
  const left = ended ? 0 : counts.pending + counts.waiting + counts.migrating;
  const inFlight = ended ? 0 : counts.migrating;
  const failed = ended ? 0 : counts.failed + counts.degraded;
  gauge(wf.metricMeter, metrics.evacuationVmsLeft).set(left, { host });
  gauge(wf.metricMeter, metrics.evacuationVmsInFlight).set(inFlight, { host });
  gauge(wf.metricMeter, metrics.evacuationVmsFailed).set(failed, { host });
}

export function recordEvacuationEnd(outcome: EvacuationOutcome): void {
  counter(wf.metricMeter, metrics.evacuations).add(1, { outcome });
}
