import * as wf from '@temporalio/workflow';
import type { Facts } from '../activities/facts.js';
import type { StepInput } from '../activities/step-input.js';
import { movedDespiteFailureV1, whereAfterFailedPivot, type SeenState } from '../domain/moved-despite-failure.js';
import { choosePlan, type PlanChoice } from '../plan/plan-choice.js';
import { defaultPlanName, planRefKind, type PlanRef } from '../plan/plan-ref.js';
import { flattenSteps, type ResolvedActivityStep, type ResolvedCall, type ResolvedPlan, type ResolvedStep } from '../plan/resolved.js';
import { compensationActivityId, controlQueue, hostQueue, repairWorkflowId } from '../temporal/names.js';
import { DestinationHost, MigrationPhase, SourceHost, VmName } from '../temporal/search-attributes.js';
import { migrationProgressQuery, migrationProgressSignal } from './definitions.js';
import { describeFailure } from './failure-info.js';
import { renderDetails } from './details.js';
import { invalidInput } from './invalid-input.js';
import { checkMigrationRequest, parseMigrationBytes, type CheckedMigrationRequest } from './migration-request.js';
import {
  migrationFailureTypes,
  type MigrationBytes,
  type MigrationProgress,
  type MigrationReport,
  type MigrationRequest,
  type Outcome,
  type RunRequest,
  type StepError,
} from './migration-types.js';
import { pairReports } from './pair-report.js';
import { runPlan } from './run-plan.js';
import { recordMigrationEnd, recordStep } from './run-metrics.js';
import { StepTracker } from './step-tracker.js';
import { describeVmShapes } from './vm-shapes.js';

/**
 * The interpreter: runs any valid MigrationPlan as a saga. Before the pivot a failure (or a cancel)
 * undoes the completed steps in reverse order; after it the run only goes forward, and a step that still
 * fails leaves the VM on the destination, degraded, and says so.
 */
export async function migrateVm(request: MigrationRequest): Promise<MigrationReport> {
  // Any client may start a run: its input is checked here, and a bad one ends the run at once, never touching a host.
  const checked = checkMigrationRequest(request, wf.workflowInfo().workflowId);
  // `status` right after the start: answered while the plan is resolved (the run replaces this handler).
  wf.setHandler(migrationProgressQuery, () => startingProgress(checked));
  const choice = checked.plan === undefined ? await choosePlanByShape(checked) : null;
  const ref: PlanRef = choice?.plan ?? (checked.plan as PlanRef);
  const plan = await runPlan(ref, checked.queuePrefix, wf.patched(patches.resolvePlanInRun), 'invalid migrateVm input');
  return new MigrationRun({ ...checked, plan }, choice?.reason).run();
}

/**
 * No plan named: the source host describes the VM (read-only) and plan-choice.ts picks the plan for its
 * shape. A shape that cannot be read (the VM is not there, the host does not answer) gets the default
 * plan, whose preflight then refuses with the full report and nothing changed.
 */
async function choosePlanByShape(req: CheckedMigrationRequest): Promise<PlanChoice> {
  // Only runs without a plan come here, and none was recorded before this: the marker keeps it that way.
  if (!wf.patched(patches.planByShape)) throw invalidInput('invalid migrateVm input', ['plan: missing']);
  let unknown: string;
  try {
    const [answer] = await describeVmShapes(req.source, [req.vm], req.queuePrefix);
    if (answer?.ok) return choosePlan(answer.shape);
    unknown = answer ? answer.reason : 'no answer';
  } catch (err) {
    unknown = err instanceof wf.ActivityFailure && err.cause ? err.cause.message : String(err);
  }
  return { plan: defaultPlanName, reason: `shape unknown (${unknown}) -> ${defaultPlanName}` };
}

function startingProgress(req: CheckedMigrationRequest): MigrationProgress {
  const named = req.plan === undefined ? '(chosen by the VM\'s shape)' : typeof req.plan === 'string' ? req.plan : '(document)';
  const plan = planRefKind(req.plan) === 'resolved' ? (req.plan as ResolvedPlan) : { name: named, version: 0, hash: '' };
  const { vm, source, destination } = req;
  return { vm, source, destination, plan: { name: plan.name, version: plan.version, hash: plan.hash }, phase: 'Starting', startedAt: new Date(wf.workflowInfo().startTime).toISOString(), steps: [], migration: null, cancelRequested: false, outcome: null };
}

/** A step whose compensation must run if the run rolls back. */
interface Undo {
  step: ResolvedActivityStep;
  compensate: ResolvedCall;
}

class MigrationRun {
  private readonly tracker: StepTracker;
  private readonly undo: Undo[] = [];
  private facts: Partial<Facts> = {};
  private phase = 'Starting';
  private migration: MigrationBytes | null = null;
  private cancelRequested = false;
  private outcome: Outcome | null = null;
  private phasePerMember = false;
  /** Search attribute MigrationPhase: one of Preflight, Preparing, Migrating, Finishing and the ends, not each step. */
  private coarsePhases = false;
  private searchPhase = '';
  private readonly startedAt = Date.now();

  constructor(
    private readonly req: RunRequest,
    /** Why this plan, when the run chose it. */
    private readonly planChoice?: string,
  ) {
    this.tracker = new StepTracker(flattenSteps(req.plan.steps), (call) => this.runsOn(call));
    wf.setHandler(migrationProgressQuery, () => this.progress());
    // Anyone can signal a run: a malformed report is dropped (a throw here would fail the workflow task).
    wf.setHandler(migrationProgressSignal, (raw) => {
      const parsed = parseMigrationBytes(raw);
      if (!parsed.ok) {
        wf.log.warn(`ignored a malformed ${migrationProgressSignal.name} signal`, { problems: parsed.problems });
        return;
      }
      this.migration = parsed.bytes;
      this.publishDetails();
    });
    wf.CancellationScope.current().cancelRequested.catch(() => {
      this.cancelRequested = true;
    });
  }

  async run(): Promise<MigrationReport> {
    // Clients set these at start (visible before the first task); a starter that did not gets them here.
    // Patched: runs recorded before this skipped nothing (and upserted a phase per group member).
    const fewerUpserts = wf.patched(patches.fewerUpserts);
    this.phasePerMember = !fewerUpserts;
    this.coarsePhases = wf.patched(patches.coarsePhases);
    if (!fewerUpserts || wf.workflowInfo().typedSearchAttributes.get(VmName) === undefined) {
      wf.upsertSearchAttributes([
        { key: VmName, value: this.req.vm },
        { key: SourceHost, value: this.req.source },
        { key: DestinationHost, value: this.req.destination },
      ]);
    }
    // Patched: runs recorded before this never asked. Each run checks for the other after its own start: a
    // repair refuses while a migration is open, a migration while a repair that started before it is open.
    // Of two that overlap, the later one always sees the earlier and is refused, and the earlier goes on.
    if (wf.patched(patches.refuseWhileRepairOpen)) {
      const refused = await this.refuseWhileRepairOpen();
      if (refused) return refused;
    }
    const steps = this.req.plan.steps;
    const pivot = steps.findIndex((s) => s.kind === 'activity' && s.pivot);
    for (const [i, step] of steps.entries()) {
      try {
        if (this.cancelRequested) throw new wf.CancelledFailure(`cancelled before step "${step.id}" started`);
        await this.runStep(step);
      } catch (err) {
        if (i === pivot && this.failedAfterPostcopy(err)) return this.postcopyFailed();
        if (i === pivot && wf.patched(patches.locateAfterFailedPivot) && (await this.movedAnyway())) {
          // Its error stays on the step: the move happened, its report did not arrive.
          this.tracker.complete(step.id);
          return this.finishForward(steps.slice(i + 1));
        }
        return this.rollBack(err);
      }
      if (i === pivot) return this.finishForward(steps.slice(i + 1));
    }
    return this.succeed();
  }

  /**
   * Ends the run, nothing touched, when a repair of the VM that started before it is open (or when whether
   * one is cannot be told). A repair that started after it refuses itself: it sees this run open.
   */
  private async refuseWhileRepairOpen(): Promise<MigrationReport | null> {
    const { vm, source } = this.req;
    const repair = repairWorkflowId(vm);
    let startedAt: string | null;
    try {
      startedAt = await wf.scheduleActivity<string | null>('openRunStartedAt', [repair], {
        taskQueue: controlQueue(this.req.queuePrefix),
        summary: `is a repair of ${vm} open, started before this run? (then the migration is refused): openRunStartedAt on control`,
        startToCloseTimeout: '30s',
        retry: { maximumAttempts: 5 },
      });
    } catch (err) {
      if (wf.isCancellation(err)) return this.end('cancelled', 'source', `${vm} stays on ${source}: migration cancelled before it started; nothing was changed`, null);
      const why = err instanceof wf.ActivityFailure && err.cause ? err.cause.message : String(err);
      return this.end('rolled-back', 'source', `${vm} stays on ${source}: could not tell whether a repair of it is open (${why}); nothing was changed, migrate it again`, null);
    }
    // The server stamps both starts; a tie refuses this run (the repair refuses too: both stop, neither acts).
    if (startedAt === null || Date.parse(startedAt) > wf.workflowInfo().startTime.getTime()) return null;
    return this.end('rolled-back', 'source', `${vm} stays on ${source}: refused, ${vm} is being repaired by run ${repair}; wait for it (\`vfmigrate status ${repair}\`), then migrate; nothing was changed`, null);
  }

  private async runStep(step: ResolvedStep, top = true): Promise<void> {
    if (top || this.phasePerMember) this.setPhase(step.id, step);
    if (step.kind === 'parallel') {
      const results = await Promise.allSettled(step.steps.map((s) => this.runStep(s, false)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return;
    }
    const skip = this.skipReason(step);
    if (skip) {
      this.tracker.skip(step.id, skip);
      this.publishDetails();
      return;
    }
    this.tracker.start(step.id);
    this.publishDetails();
    try {
      const patch = await this.call(step, step.id);
      this.facts = { ...this.facts, ...patch };
      this.tracker.complete(step.id);
      recordStep(this.req.plan.name, step.id, 'completed', this.tracker.get(step.id).durationMs);
    } catch (err) {
      this.tracker.fail(step.id, describeFailure(err, this.queueOf(step)));
      recordStep(this.req.plan.name, step.id, wf.isCancellation(err) ? 'cancelled' : 'failed', this.tracker.get(step.id).durationMs);
      // A failed step may have acted before failing (an unplug that completed after its deadline):
      // its compensation is idempotent, so run it too.
      if (step.compensate && !wf.isCancellation(err)) this.undo.push({ step, compensate: step.compensate });
      throw err;
    } finally {
      this.publishDetails();
    }
    if (step.compensate) this.undo.push({ step, compensate: step.compensate });
  }

  /** Why `call` has nothing to do on its host (preflight said the host lacks what it needs), or null. */
  private skipReason(call: ResolvedCall): string | null {
    if (!call.onlyIf || !wf.patched(patches.skipIncapable)) return null;
    const host = call.on === 'source' ? this.facts.source : call.on === 'destination' ? this.facts.destination : undefined;
    if (host?.network?.[call.onlyIf] !== false) return null;
    return `${this.runsOn(call)} has no ${call.onlyIf === 'vfMac' ? 'VF MAC handling' : 'FDB device'} configured`;
  }

  private async call(call: ResolvedCall, activityId: string): Promise<Partial<Facts>> {
    const input: StepInput = {
      vm: this.req.vm,
      source: this.req.source,
      destination: this.req.destination,
      role: call.on,
      step: activityId,
      with: call.with,
      facts: this.facts,
      workflowId: wf.workflowInfo().workflowId,
    };
    const { options } = call;
    return wf.scheduleActivity<Partial<Facts>>(call.activity, [input], {
      activityId,
      taskQueue: this.queueOf(call),
      summary: `${activityId}: ${call.activity} on ${this.runsOn(call)}`,
      startToCloseTimeout: options.startToCloseMs,
      ...(options.scheduleToStartMs ? { scheduleToStartTimeout: options.scheduleToStartMs } : {}),
      ...(options.heartbeatMs ? { heartbeatTimeout: options.heartbeatMs } : {}),
      retry: {
        maximumAttempts: options.retry.maximumAttempts,
        initialInterval: options.retry.initialIntervalMs,
        backoffCoefficient: options.retry.backoffCoefficient,
        maximumInterval: options.retry.maximumIntervalMs,
        nonRetryableErrorTypes: options.retry.nonRetryableErrorTypes,
      },
      // Compensations must not start while the step they undo may still be acting.
      cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
  }

  /**
   * Whether a failed pivot moved the VM all the same (its job finished, the result was lost on the way):
   * then nothing before it may be undone, the VF it left behind least of all. Asks both hosts; when
   * either cannot answer, the VM is taken to be where it was (the rollback then says what it finds).
   */
  private async movedAnyway(): Promise<boolean> {
    if (!wf.patched(patches.destinationDecidesMove)) {
      const [source, destination] = await this.lookForVm();
      return movedDespiteFailureV1(source, destination);
    }
    // A libvirtd restarting mid-job settles within seconds; a VM still unsettled after that is rolled back,
    // and a compensation that then cannot act says so (NeedsAttention).
    for (let look = 1; ; look++) {
      const [source, destination] = await this.lookForVm();
      const where = whereAfterFailedPivot(source, destination);
      wf.log.info(`after the failed pivot ${this.req.vm} is ${where}`, { look, source, destination, decision: where });
      if (where !== 'unsure' || look === lookAfterFailedPivot.times) return where === 'moved';
      await wf.CancellationScope.nonCancellable(() => wf.sleep(lookAfterFailedPivot.every));
    }
  }

  /** The VM's state on the source and the destination (undefined: that host did not answer). */
  private async lookForVm(): Promise<[SeenState | undefined, SeenState | undefined]> {
    const stateOn = (host: string): Promise<SeenState> =>
      wf.CancellationScope.nonCancellable(() =>
        wf.scheduleActivity<{ name: string; state: string }[]>('listHostVms', [], {
          taskQueue: hostQueue(this.req.queuePrefix, host),
          summary: `where is ${this.req.vm} after the failed pivot: listHostVms on ${host}`,
          startToCloseTimeout: '1m',
          retry: { maximumAttempts: 3 },
        }),
      ).then((vms) => vms.find((v) => v.name === this.req.vm)?.state ?? null);
    const seen = (r: PromiseSettledResult<SeenState>): SeenState | undefined => (r.status === 'fulfilled' ? r.value : undefined);
    const [source, destination] = await Promise.allSettled([stateOn(this.req.source), stateOn(this.req.destination)]);
    return [seen(source), seen(destination)];
  }

  /**
   * The pivot failed after it switched to post-copy: the guest's memory is split between the hosts, so
   * compensating would act on a VM that is on neither. Patched: runs recorded before this rolled back.
   */
  private failedAfterPostcopy(err: unknown): boolean {
    return describeFailure(err, '').type === postcopyFailedType && wf.patched(patches.postcopyNeedsAttention);
  }

  private postcopyFailed(): MigrationReport {
    const failed = this.failedStep();
    const why = failed?.error.message ?? 'the migration failed after it switched to post-copy';
    return this.end(
      'postcopy-failed',
      'destination',
      `${this.req.vm} NEEDS ATTENTION: ${why}. Nothing was undone: after the switch to post-copy the VM cannot go back to ${this.req.source}, and its VF on ${this.req.source} was left detached`,
      failed,
    );
  }

  /** Undo completed steps, newest first, whatever cancels arrive meanwhile. */
  private async rollBack(err: unknown): Promise<MigrationReport> {
    const cancelled = wf.isCancellation(err) || this.cancelRequested;
    const failedStep = this.failedStep();
    this.setPhase('Compensating');
    const stuck = await wf.CancellationScope.nonCancellable(() => this.compensate());
    if (stuck) {
      return this.end('compensation-failed', 'source', `${this.req.vm} on ${this.req.source} NEEDS ATTENTION: compensation of step "${stuck.id}" failed (${stuck.error.message}); compensations after it were not run, so the VM was not left without a network link`, stuck);
    }
    if (cancelled) {
      return this.end('cancelled', 'source', `${this.req.vm} stays on ${this.req.source}: migration cancelled before the VM moved; ${this.compensatedList()}`, failedStep);
    }
    const reason = failedStep ? `step "${failedStep.id}" (${failedStep.activity}) failed: ${failedStep.error.message}` : 'a step failed';
    return this.end('rolled-back', 'source', `${this.req.vm} stays on ${this.req.source}: ${reason}; ${this.compensatedList()}`, failedStep);
  }

  /** Runs compensations until one fails; returns that one. Stops there: the next could cut the VM's last link. */
  private async compensate(): Promise<{ id: string; activity: string; error: StepError } | null> {
    for (let entry = this.undo.pop(); entry; entry = this.undo.pop()) {
      const { step, compensate } = entry;
      this.tracker.compensating(step.id, compensate, this.runsOn(compensate));
      this.publishDetails();
      try {
        await this.call(compensate, compensationActivityId(step.id));
        this.tracker.compensated(step.id);
      } catch (err) {
        const error = describeFailure(err, this.queueOf(compensate));
        this.tracker.compensated(step.id, error);
        return { id: step.id, activity: compensate.activity, error };
      }
    }
    return null;
  }

  private async finishForward(rest: ResolvedStep[]): Promise<MigrationReport> {
    return wf.CancellationScope.nonCancellable(async () => {
      for (const step of rest) {
        try {
          await this.runStep(step);
        } catch {
          const failed = this.failedStep();
          const what = failed ? `step "${failed.id}" (${failed.activity}) failed after its retries: ${failed.error.message}` : `step "${step.id}" failed`;
          return this.end('degraded', 'destination', `${this.req.vm} moved to ${this.req.destination} but is DEGRADED: ${what}. It is running on its virtio standby; run the remaining steps by hand or migrate it again${this.sourceBookingLeft()}`, failed);
        }
      }
      return this.succeed();
    });
  }

  /** A source release that failed leaves a booking in the source's ledger, which only the source's worker writes. */
  private sourceBookingLeft(): string {
    const left = this.tracker.list().some((s) => s.activity === 'releaseVf' && s.on === 'source' && s.state !== 'completed' && s.state !== 'skipped');
    if (!left) return '';
    const { vm, source } = this.req;
    return `. Its VF booking on ${source} may be left in ${source}'s ledger (its release did not report success): ${source}'s worker reclaims it at its next ledger watch pass, the run having ended and the VM left, and \`vfmigrate repair ${vm}\` reconciles it at once`;
  }

  private succeed(): MigrationReport {
    const note = this.cancelRequested ? ' (a cancel arrived after the VM had moved, so the run finished forward)' : '';
    return this.end('migrated', 'destination', `${this.req.vm} migrated ${this.req.source} → ${this.req.destination}${note}`, null);
  }

  /** Records the outcome; returns the report on success and throws it (as a typed failure) otherwise. */
  private end(outcome: Outcome, location: 'source' | 'destination', message: string, failedStep: MigrationReport['failedStep']): MigrationReport {
    this.outcome = outcome;
    this.tracker.close();
    this.setPhase(phaseOf[outcome]);
    const moved = this.facts.migration;
    const report: MigrationReport = {
      ...this.progress(),
      outcome,
      location,
      message,
      durationMs: Date.now() - this.startedAt,
      failedStep,
      downtimeMs: moved?.downtimeMs ?? null,
      vf: { source: this.facts.vm?.primary?.vf?.id ?? null, destination: this.facts.reservedVf?.id ?? null },
      vfBackInGuestMs: this.facts.guestVf?.backInGuestMs ?? null,
    };
    const pairs = pairReports(this.facts);
    if (pairs) report.pairs = pairs;
    this.publishDetails(message);
    recordMigrationEnd(report, phaseOf[outcome]);
    // Kept in the memo too: a cancelled run's failure carries no details, and the memo outlives workers.
    wf.upsertMemo({ report });
    if (outcome === 'migrated') return report;
    if (outcome === 'cancelled') throw new wf.CancelledFailure(message, [report]);
    throw wf.ApplicationFailure.create({ type: migrationFailureTypes[outcome], message, nonRetryable: true, details: [report] });
  }

  private failedStep(): MigrationReport['failedStep'] {
    const failed = this.tracker.list().find((s) => s.state === 'failed' || (s.error && s.state !== 'completed'));
    return failed?.error ? { id: failed.id, activity: failed.activity, error: failed.error } : null;
  }

  private compensatedList(): string {
    const undone = this.tracker.list().filter((s) => s.state === 'compensated').map((s) => `${s.compensation?.activity} (${s.id})`);
    return undone.length ? `compensated: ${undone.join(', ')}` : 'nothing needed compensating';
  }

  private progress(): MigrationProgress {
    const { name, version, hash } = this.req.plan;
    return {
      vm: this.req.vm,
      source: this.req.source,
      destination: this.req.destination,
      plan: { name, version, hash },
      ...(this.planChoice ? { planChoice: this.planChoice } : {}),
      phase: this.phase,
      startedAt: new Date(this.startedAt).toISOString(),
      steps: this.tracker.list(),
      migration: this.migration,
      cancelRequested: this.cancelRequested,
      outcome: this.outcome,
    };
  }

  private setPhase(phase: string, step?: ResolvedStep): void {
    if (phase === this.phase) return;
    this.phase = phase;
    const searchPhase = this.coarsePhases && step ? this.coarsePhaseOf(step) : phase;
    if (searchPhase === this.searchPhase) return;
    this.searchPhase = searchPhase;
    wf.upsertSearchAttributes([{ key: MigrationPhase, value: searchPhase }]);
  }

  /** Fewer, steadier values for filtering runs in the UI (the step itself is in `progress` and the details). */
  private coarsePhaseOf(step: ResolvedStep): string {
    const index = this.req.plan.steps.indexOf(step);
    const pivot = this.req.plan.steps.findIndex((s) => s.kind === 'activity' && s.pivot);
    if (index === pivot) return 'Migrating';
    if (index > pivot) return 'Finishing';
    return flattenSteps([step]).every((s) => s.readOnly) ? 'Preflight' : 'Preparing';
  }

  private publishDetails(note?: string): void {
    wf.setCurrentDetails(renderDetails(this.progress(), note));
  }

  private runsOn(call: ResolvedCall): string {
    return call.on === 'source' ? this.req.source : call.on === 'destination' ? this.req.destination : 'control';
  }

  private queueOf(call: ResolvedCall): string {
    return call.on === 'control' ? controlQueue(this.req.queuePrefix) : hostQueue(this.req.queuePrefix, this.runsOn(call));
  }
}

/** Interpreter changes that alter the commands a run issues; each guarded with `patched()` (see test/replay). */
const patches = {
  fewerUpserts: 'fewer-search-attribute-upserts',
  skipIncapable: 'skip-steps-a-host-cannot-do',
  coarsePhases: 'coarse-migration-phase-attribute',
  resolvePlanInRun: 'resolve-and-check-plan-in-run',
  planByShape: 'choose-plan-by-vm-shape',
  locateAfterFailedPivot: 'locate-vm-after-failed-pivot',
  postcopyNeedsAttention: 'postcopy-failure-needs-attention',
  refuseWhileRepairOpen: 'refuse-while-repair-open',
  destinationDecidesMove: 'destination-decides-move-after-failed-pivot',
} as const;

/** How often, and how many times, a run looks for its VM after a failed pivot before it rolls back. */
const lookAfterFailedPivot = { times: 12, every: '5s' } as const;

/** The error type the migrate activity fails with after a switch to post-copy (hypervisor/errors.ts). */
const postcopyFailedType = 'PostcopyFailed';

const phaseOf: Record<Outcome, string> = {
  migrated: 'Completed',
  'rolled-back': 'RolledBack',
  degraded: 'Degraded',
  cancelled: 'Cancelled',
  'compensation-failed': 'NeedsAttention',
  'postcopy-failed': 'NeedsAttention',
};
