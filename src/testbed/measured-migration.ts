import { stat } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { followMigration } from '../client/migration-result.js';
import { startMigration, type StartMigrationOptions, type StartedMigration } from '../client/start-migration.js';
import { coveredMs, type TimedCall } from '../hypervisor/timed.js';
import type { MigrationProgress, MigrationReport } from '../workflows/migration-types.js';
import { guestBlackout, type GuestBlackout } from './guest-blackout.js';
import { readProbeLog, topologyAt } from './probe-log.js';
import { serialLogPath } from './testbed.js';

export interface MeasuredMigration {
  run: StartedMigration;
  report: MigrationReport;
  guest: GuestBlackout;
  /** Steps from the run's own timings; total = the workflow run, from its start to its close (Temporal's clock). */
  phases: { detachMs: number | null; migrateMs: number | null; attachMs: number | null; totalMs: number };
  /** Before the run: the client's checks (names, plan, workers polling) and the start request. */
  startMs: number;
  /** Time inside hypervisor operations during the run (overlaps counted once), and the rest of the run. */
  libvirtMs: number;
  overheadMs: number;
}

/**
 * Runs one migration of a testbed guest and reads what its network probe saw. `calls` is where the host
 * workers' timed hypervisors record their operations (see hypervisor/timed.ts).
 */
export async function measureMigration(
  client: Client,
  opts: StartMigrationOptions,
  calls: TimedCall[],
  onProgress: (p: MigrationProgress, run: StartedMigration) => void = () => undefined,
): Promise<MeasuredMigration> {
  const log = serialLogPath(opts.vm);
  const offset = (await stat(log)).size;
  const t0 = performance.now();
  const run = await startMigration(client, opts);
  const report = await followMigration(run.handle, (p) => onProgress(p, run));
  const t1 = performance.now();
  await waitForPrimaryLink(log, offset);
  const chunk = await readProbeLog(log, offset);
  // The run's own window, on this machine's clock like the timed calls (performance.now() + timeOrigin).
  const { startTime, closeTime } = await run.handle.describe();
  const runStart = startTime.getTime() - performance.timeOrigin;
  const runEnd = (closeTime?.getTime() ?? performance.timeOrigin + t1) - performance.timeOrigin;
  const libvirtMs = coveredMs(calls, runStart, runEnd);
  const step = (id: string): number | null => report.steps.find((s) => s.id === id)?.durationMs ?? null;
  return {
    run,
    report,
    guest: guestBlackout(chunk),
    phases: { detachMs: step('detach-vf'), migrateMs: step('migrate'), attachMs: step('attach-vf'), totalMs: Math.round(runEnd - runStart) },
    startMs: Math.round(runStart - t0),
    libvirtMs,
    overheadMs: runEnd - runStart - libvirtMs,
  };
}

/** The gap after the attach only ends when the new primary's link is up (seconds later): wait for it, plus one report. */
async function waitForPrimaryLink(log: string, offset: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const chunk = await readProbeLog(log, offset);
    const now = topologyAt(chunk.topology);
    const lastReport = chunk.reports.at(-1);
    if (now?.primary?.operstate === 'up' && lastReport && lastReport.t > now.t + 1000) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
