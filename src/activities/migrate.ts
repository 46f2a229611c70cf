import { Context } from '@temporalio/activity';
import { findPairs } from '../domain/teaming.js';
import { libvirtUriProblem } from '../config/libvirt-uri.js';
import { InputError, PreflightError, VfmigrateError } from '../errors.js';
import { VmNotFoundError } from '../hypervisor/errors.js';
import type { MigrationProgress, VmDescription } from '../hypervisor/hypervisor.js';
import { countConvergenceAction } from '../telemetry/metrics.js';
import { migrationProgressSignal } from '../temporal/migration-progress-signal.js';
import { defineActivity } from './define.js';
import { requireFact } from './facts.js';
import type { HostServices } from './host-services.js';
import { ConvergenceControl } from './convergence-control.js';
import { initialDowntimeMs, type ConvergenceState } from './convergence.js';
import { convergenceSettingsSchema, type ConvergenceSettings } from './convergence-settings.js';

export const migrate = defineActivity({
  name: 'migrate',
  summary: 'live-migrate the VM to the destination (the point of no return)',
  hosts: ['source'],
  readOnly: false,
  with: convergenceSettingsSchema,
  defaults: { startToClose: '30m', heartbeat: '30s' },
  secondPointOfNoReturn: (params) =>
    params.onBudgetExhausted === 'postcopy'
      ? 'onBudgetExhausted: postcopy switches a migration that runs out of budget to post-copy: from then on a failure cannot roll back to the source (the run ends NeedsAttention)'
      : null,
  async run({ host, input, params }) {
    const destination = requireFact(input.facts, 'destination', 'preflightDestination');
    // The URI reaches this host through the run, not from its own hosts file: whoever can write the run's
    // facts could otherwise make this host's libvirtd (root) open any URI.
    const uriProblem = libvirtUriProblem(destination.migrationUri);
    if (uriProblem) throw new InputError(`refusing to migrate ${input.vm} to ${destination.host}: its migrationUri ${uriProblem}`);
    const here = await refuseAttachedPrimary(host, input.vm);
    const ctx = Context.current();
    const abort = new AbortController();
    const carried = (ctx.info.heartbeatDetails as { convergence?: unknown } | undefined)?.convergence;
    const control = new ConvergenceControl(
      host.hypervisor,
      input.vm,
      params,
      ctx.log,
      () => abort.abort(),
      carried,
      (action) => countConvergenceAction(ctx.metricMeter, action, host.name),
      startingDowntimeMs(params, here?.virtType),
    );
    const report = progressReporter(ctx, input.workflowId, host.progressSignalMs, control);
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
          {
            bandwidthMiBps: params.bandwidthMiBps,
            autoConverge: params.autoConverge,
            postCopy: params.onBudgetExhausted === 'postcopy' ? 'on-request' : false,
            // What the control holds: a retry that has to start a new job keeps the raises already made.
            maxDowntimeMs: control.state.downtimeMs,
          },
          { onProgress: report.onProgress, signal: abort.signal },
        ),
        detached,
      ]);
      return { migration: result };
    } catch (err) {
      // Report an abort we were asked for as the cancellation it is, not as a migration failure.
      if (abort.signal.aborted && ctx.cancellationDetails?.cancelRequested) await ctx.cancelled;
      if (control.abortReason !== null) {
        throw new MigrationDidNotConvergeError(`${input.vm} did not converge: ${control.abortReason}; the migration was aborted and the VM keeps running on ${host.name} (${String(err instanceof Error ? err.message : err)})`);
      }
      throw err;
    } finally {
      // What was done to the job belongs in the run's record even when it ended between two signals.
      await report.flush();
    }
  },
});

/**
 * A real VF makes libvirt refuse the migration; the testbed's emulated primary would silently migrate
 * along. Refusing here keeps the procedure honest on both.
 */
/** The VM as it is here before the job starts (null: already gone, migrate() checks it arrived). */
async function refuseAttachedPrimary(host: HostServices, vm: string): Promise<VmDescription | null> {
  let here: VmDescription;
  try {
    here = await host.hypervisor.describeVm(vm);
  } catch (err) {
    if (err instanceof VmNotFoundError) return null;
    throw err;
  }
  const primary = findPairs(here, host.primaryMode).find((pair) => pair.primary)?.primary;
  if (primary) {
    throw new PreflightError(`${vm} on ${host.name} still has its primary ${primary.alias ?? '(no alias)'} attached; detach the VF before migrating`);
  }
  return here;
}

/**
 * The limit the job starts at. A TCG guest (domain type qemu) starts at no less than 300 ms: on the testbed,
 * QEMU 7.2's TCG lost guest memory in migrations that began at Nova's 50 ms (guest kernels panicking with list
 * corruption right after the switch, 6 of ~25 runs; none of 9 at 300 ms). KVM keeps Nova's schedule; the
 * escalation raises both from there once a step above it is due (never below: the control starts at it).
 */
export function startingDowntimeMs(settings: ConvergenceSettings, virtType: string | null | undefined): number {
  const initial = initialDowntimeMs(settings);
  return virtType === 'qemu' ? Math.max(initial, TCG_MIN_DOWNTIME_MS) : initial;
}

const TCG_MIN_DOWNTIME_MS = 300;

/** The job ran out of its budget (or stalled) and the plan said `abort`: the saga rolls back. */
export class MigrationDidNotConvergeError extends VfmigrateError {
  readonly type = 'MigrationDidNotConverge';
  readonly retryable = false;
}

/**
 * Feeds each sample to the convergence control, then heartbeats it with the control's state (which a
 * retry carries on from); signals the run (for its `progress` query) at most every `everyMs`.
 */
function progressReporter(ctx: Context, workflowId: string, everyMs: number, control: ConvergenceControl) {
  let lastSignal = 0;
  let last: MigrationProgress | null = null;
  let signalled: ConvergenceState | null = null;
  const signal = (progress: MigrationProgress, now: number): Promise<void> => {
    const convergence = (signalled = control.state);
    return ctx.client.workflow
      .getHandle(workflowId)
      .signal(migrationProgressSignal, {
        ...progress,
        at: new Date(now).toISOString(),
        maxDowntimeMs: convergence.downtimeMs,
        mode: convergence.mode,
        actions: convergence.actions.slice(-20),
      })
      .catch((err: unknown) => {
        ctx.log.warn('could not report migration progress to the run', { error: String(err) });
      });
  };
  return {
    onProgress: (progress: MigrationProgress): void => {
      control.observe(progress);
      last = progress;
      ctx.heartbeat({ ...progress, convergence: control.state });
      const now = Date.now();
      if (now - lastSignal < everyMs) return;
      lastSignal = now;
      void signal(progress, now);
    },
    /** One last signal if the control acted since the last one. */
    async flush(): Promise<void> {
      const now = control.state;
      if (last && (signalled?.actions.length !== now.actions.length || signalled.mode !== now.mode)) await signal(last, Date.now());
    },
  };
}
