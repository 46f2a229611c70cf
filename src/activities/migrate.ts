import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { findPairs } from '../domain/teaming.js';
import { libvirtUriProblem } from '../config/libvirt-uri.js';
import { InputError, PreflightError } from '../errors.js';
import { VmNotFoundError } from '../hypervisor/errors.js';
import type { MigrationProgress, VmDescription } from '../hypervisor/hypervisor.js';
import { countConvergenceAction } from '../telemetry/metrics.js';
import { migrationProgressSignal } from '../temporal/migration-progress-signal.js';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';
import type { HostServices } from './host-services.js';
import { durationParam } from '../util/duration.js';

export const migrate = defineActivity({
  name: 'migrate',
  summary: 'live-migrate the VM to the destination (the point of no return)',
  hosts: ['source'],
  readOnly: false,
  with: z.strictObject({
    bandwidthMiBps: z.int().positive().optional(),
    autoConverge: z.boolean().default(false),
    postCopy: z.boolean().default(false),
    maxDowntime: durationParam('300ms'),
  }),
  defaults: { startToClose: '30m', heartbeat: '30s' },
  async run({ host, input, params }) {
    const destination = requireFact(input.facts, 'destination', 'preflightDestination');
    // The URI reaches this host through the run, not from its own hosts file: whoever can write the run's
    // facts could otherwise make this host's libvirtd (root) open any URI.
    const uriProblem = libvirtUriProblem(destination.migrationUri);
    if (uriProblem) throw new InputError(`refusing to migrate ${input.vm} to ${destination.host}: its migrationUri ${uriProblem}`);
    await refuseAttachedPrimary(host, input.vm);
    const ctx = Context.current();
    const abort = new AbortController();
    const report = progressReporter(ctx, input.workflowId, host.progressSignalMs);
    // Only a cancel the workflow asked for aborts the job. A worker shutting down or a lost heartbeat
    // just stops this attempt: libvirt keeps migrating and the next attempt follows the same job.
    const detached = new Promise<never>((_, reject) => {
      ctx.cancelled.catch((err: unknown) => {
        if (ctx.cancellationDetails?.cancelRequested) {
          abort.abort();
          countConvergenceAction(ctx.metricMeter, 'abort', host.name);
        } else reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
    try {
      const result = await Promise.race([
        host.hypervisor.migrate(
          input.vm,
          { host: destination.host, uri: destination.migrationUri },
          { bandwidthMiBps: params.bandwidthMiBps, autoConverge: params.autoConverge, postCopy: params.postCopy, maxDowntimeMs: params.maxDowntime },
          { onProgress: report, signal: abort.signal },
        ),
        detached,
      ]);
      return { migration: result };
    } catch (err) {
      // Report an abort we were asked for as the cancellation it is, not as a migration failure.
      if (abort.signal.aborted) await ctx.cancelled;
      throw err;
    }
  },
});

/**
 * A real VF makes libvirt refuse the migration; the testbed's emulated primary would silently migrate
 * along. Refusing here keeps the procedure honest on both.
 */
async function refuseAttachedPrimary(host: HostServices, vm: string): Promise<void> {
  let here: VmDescription;
  try {
    here = await host.hypervisor.describeVm(vm);
  } catch (err) {
    if (err instanceof VmNotFoundError) return; // already gone: migrate() checks it arrived
    throw err;
  }
  const primary = findPairs(here, host.primaryMode).find((pair) => pair.primary)?.primary;
  if (primary) {
    throw new PreflightError(`${vm} on ${host.name} still has its primary ${primary.alias ?? '(no alias)'} attached; detach the VF before migrating`);
  }
}

/** Heartbeats every report; signals the run (for its `progress` query) at most every `everyMs`. */
function progressReporter(ctx: Context, workflowId: string, everyMs: number): (p: MigrationProgress) => void {
  let lastSignal = 0;
  return (progress) => {
    ctx.heartbeat(progress);
    const now = Date.now();
    if (now - lastSignal < everyMs) return;
    lastSignal = now;
    ctx.client.workflow
      .getHandle(workflowId)
      .signal(migrationProgressSignal, { ...progress, at: new Date(now).toISOString() })
      .catch((err: unknown) => {
        ctx.log.warn('could not report migration progress to the run', { error: String(err) });
      });
  };
}
