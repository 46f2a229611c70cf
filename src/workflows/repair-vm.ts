import * as wf from '@temporalio/workflow';
import type { Facts } from '../activities/facts.js';
import type { LedgerReconciliation, TeamingInspection } from '../activities/repair-host-activities.js';
import type { StepInput } from '../activities/step-input.js';
import { pairPrimaryAlias } from '../domain/primary-spec.js';
import type { PairHealth } from '../domain/repair-need.js';
import type { VfRef } from '../domain/vf-ref.js';
import type { ResolvedActivityStep, ResolvedCall } from '../plan/resolved.js';
import type { HostRole } from '../plan/schema.js';
import { compensationActivityId, controlQueue, hostQueue, migrationWorkflowId } from '../temporal/names.js';
import { repairProgressQuery } from './definitions.js';
import { renderStep } from './details.js';
import { describeFailure } from './failure-info.js';
import { checkRepairRequest } from './repair-request.js';
import { repairFailureTypes, type CheckedRepairRequest, type RepairOutcome, type RepairProgress, type RepairReport, type RepairRequest } from './repair-types.js';
import { StepTracker } from './step-tracker.js';

/**
 * Brings a VM left DEGRADED or NeedsAttention back to normal where it runs: its missing primary booked and
 * attached from that host's pool, its standby brought down once the primary is confirmed, and the ledgers of
 * that host and of the host it left reconciled. A healthy VM is left untouched. Not a plan run by the
 * migration interpreter: docs/design.md ("Repair") says why. In calls it shares with migrations the VM's
 * host is the `destination` role (where a migration leaves a VM) and the host it left is the `source`.
 */
export async function repairVm(request: RepairRequest): Promise<RepairReport> {
  const checked = checkRepairRequest(request, wf.workflowInfo().workflowId);
  return new RepairRun(checked).run();
}

const retry = (maximumAttempts: number) => ({ maximumAttempts, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 30_000, nonRetryableErrorTypes: [] });

function call(activity: string, on: HostRole, summary: string, startToCloseMs: number, attempts: number, extra: Partial<ResolvedCall> = {}): ResolvedCall {
  return { activity, on, with: {}, summary, options: { startToCloseMs, scheduleToStartMs: null, heartbeatMs: null, retry: retry(attempts) }, ...extra };
}

function step(id: string, c: ResolvedCall, extra: Partial<ResolvedActivityStep> = {}): ResolvedActivityStep {
  return { kind: 'activity', id, readOnly: false, pivot: false, compensate: null, ...c, ...extra };
}

/** The repair's steps, in order; the attach is its point of no return (the VM has its VF: the run goes forward). */
const steps = {
  checkRuns: step('check-runs', call('runIsOpen', 'control', 'is a migration of the VM open? (then the repair is refused)', 30_000, 5), { readOnly: true }),
  inspect: step('inspect', call('inspectTeaming', 'destination', "find the VM's teamed pairs and what is wrong with them", 60_000, 3, { options: { startToCloseMs: 60_000, scheduleToStartMs: 30_000, heartbeatMs: null, retry: retry(3) } }), { readOnly: true }),
  bookVf: step('book-vf', call('bookVfsHere', 'destination', "book a VF from the host's pool for each pair missing its primary, all or none", 60_000, 5), {
    compensate: call('releaseVf', 'destination', 'give the booked VFs back', 60_000, 5),
  }),
  attachVf: step('attach-vf', call('attachVf', 'destination', 'hot-plug each VF teamed with its standby and confirm it in the guest', 120_000, 3, { with: { deadline: '30s' } }), { pivot: true }),
  standbyDown: step('standby-down', call('setStandbyLink', 'destination', 'bring the standby link down', 60_000, 5, { with: { state: 'down' } })),
  reconcileHost: step('reconcile-ledger', call('reconcileLedger', 'destination', "reconcile the host's VF ledger with libvirt", 60_000, 5)),
  // The host the VM left may be down: the step gives up after 5 minutes without a worker instead of waiting for one.
  reconcileFormer: step(
    'reconcile-former-ledger',
    call('reconcileLedger', 'source', "reconcile the former host's VF ledger (the VM's booking there given back)", 60_000, 5, { options: { startToCloseMs: 60_000, scheduleToStartMs: 300_000, heartbeatMs: null, retry: retry(5) } }),
  ),
};

class RepairRun {
  private readonly tracker: StepTracker;
  private phase = 'Starting';
  private findings: string[] = [];
  private outcome: RepairOutcome | null = null;
  /** The VFs this run booked, one per pair missing its primary, in pair order. */
  private vfs: VfRef[] = [];
  private readonly startedAt = Date.now();

  constructor(private readonly req: CheckedRepairRequest) {
    this.tracker = new StepTracker(Object.values(steps), (c) => this.runsOn(c));
    wf.setHandler(repairProgressQuery, () => this.progress());
  }

  async run(): Promise<RepairReport> {
    const { vm } = this.req;
    let inspection: TeamingInspection | null = null;
    try {
      if (!(await this.runStep<boolean>(steps.checkRuns, [migrationWorkflowId(vm)]))) {
        inspection = await this.runStep<TeamingInspection>(steps.inspect, [vm]);
        if (inspection.need.kind === 'repair') await this.attachMissing(inspection);
      }
    } catch (err) {
      return this.notRepaired(err);
    }
    // Outside the try: end() throws the failure a refused run ends with, which is no step failing.
    if (!inspection) {
      this.skipRest('a migration of the VM is open');
      return this.end('refused', `repair of ${vm} refused: its migration ${migrationWorkflowId(vm)} is still open; wait for it to end (or cancel it), then repair`);
    }
    if (inspection.need.kind === 'healthy') {
      this.skipRest('the VM is healthy');
      return this.end('healthy', `${vm} on ${this.req.host} is healthy (every primary attached, every standby down); nothing was changed`);
    }
    const checked = inspection;
    return wf.CancellationScope.nonCancellable(() => this.finishForward(checked));
  }

  /** Books a VF for every pair missing its primary (all or none) and attaches them, if any pair is. */
  private async attachMissing(inspection: TeamingInspection): Promise<void> {
    const missing = inspection.need.kind === 'repair' ? inspection.need.attach : [];
    this.findings = inspection.need.kind === 'repair' ? inspection.need.findings : [];
    if (!missing.length) {
      for (const s of [steps.bookVf, steps.attachVf]) this.skip(s, 'every primary is in place');
      return;
    }
    const owner = wf.workflowInfo().workflowId;
    // Patched: runs recorded before this booked one VF with bookVfHere (a VM missing more was refused at inspect).
    this.vfs = wf.patched(patches.bookEveryMissingPair)
      ? await this.runStep<VfRef[]>(steps.bookVf, [this.req.vm, owner, missing.length])
      : [await this.runStep<VfRef>({ ...steps.bookVf, activity: 'bookVfHere' }, [this.req.vm, owner])];
    await this.runStep(steps.attachVf, [this.stepInput(steps.attachVf, this.missingFacts(inspection, missing))]);
  }

  /** After the attach (or with nothing to attach): standbys down, then both ledgers; a failure here is told, never undone. */
  private async finishForward(inspection: TeamingInspection): Promise<RepairReport> {
    const { vm, host, formerHost } = this.req;
    const need = inspection.need;
    if (need.kind !== 'repair') throw new Error('unreachable: a healthy VM ends before this');
    try {
      if (need.standbyDown.length === 0) this.skip(steps.standbyDown, 'every standby is down');
      else await this.runStep(steps.standbyDown, need.standbyDown.map((p) => this.stepInput(steps.standbyDown, this.pairFacts(inspection, p))), true);
      const former = formerHost ? this.runStep<LedgerReconciliation>(steps.reconcileFormer, [vm]) : Promise.resolve(this.skip(steps.reconcileFormer, 'no former host given'));
      await Promise.all([this.runStep<LedgerReconciliation>(steps.reconcileHost, [vm]), former]);
    } catch {
      const failed = this.failedStep();
      const what = failed ? `step "${failed.id}" (${failed.activity}) failed after its retries: ${failed.error.message}` : 'a step failed';
      return this.end('not-repaired', `${vm} on ${host}${this.vfs.length ? ` has its ${this.vfList()} attached, but` : ''} ${what}; repair it again (a repair is idempotent)`);
    }
    const done = [...(this.vfs.length ? [`${this.vfList()} attached`] : []), ...(need.standbyDown.length ? ['standby down'] : []), `ledger${formerHost ? `s of ${host} and ${formerHost}` : ` of ${host}`} reconciled`];
    return this.end('repaired', `${vm} on ${host} repaired: ${done.join(', ')}`);
  }

  /** A failure before the VM had its VF: the booking (if any) is given back and the VM is left as it was found. */
  private async notRepaired(err: unknown): Promise<RepairReport> {
    const { vm, host } = this.req;
    const failed = this.failedStep();
    // A booking that failed booked nothing of this run's: what the VM held before is not this run's to free.
    const booked = this.tracker.get(steps.bookVf.id).state === 'completed';
    let undo = 'nothing needed undoing';
    if (booked && steps.bookVf.compensate) {
      const comp = steps.bookVf.compensate;
      this.tracker.compensating(steps.bookVf.id, comp, this.runsOn(comp));
      try {
        await wf.CancellationScope.nonCancellable(() => this.schedule(comp, compensationActivityId(steps.bookVf.id), [this.stepInput(comp, {})]));
        this.tracker.compensated(steps.bookVf.id);
        undo = 'the booked VF was given back';
      } catch (e) {
        this.tracker.compensated(steps.bookVf.id, describeFailure(e, this.queueOf(comp)));
        undo = 'giving the booked VF back failed too (its lease lapses now that the run has ended)';
      }
    }
    const why = wf.isCancellation(err) ? 'cancelled' : failed ? `step "${failed.id}" (${failed.activity}) failed: ${failed.error.message}` : 'a step failed';
    return this.end('not-repaired', `${vm} on ${host} was not repaired: ${why}; ${undo}; the VM is as it was found`);
  }

  /** Runs one tracked step: one activity call per argument list (several: one per pair, in turn). */
  private async runStep<R = unknown>(s: ResolvedActivityStep, args: unknown[], perItem = false): Promise<R> {
    this.setPhase(s.id);
    this.tracker.start(s.id);
    this.publish();
    try {
      let result: unknown;
      const calls = perItem ? args.map((a) => [a]) : [args];
      for (const [i, a] of calls.entries()) result = await this.schedule(s, i === 0 ? s.id : `${s.id}/${i}`, a);
      this.tracker.complete(s.id);
      return result as R;
    } catch (err) {
      this.tracker.fail(s.id, describeFailure(err, this.queueOf(s)));
      throw err;
    } finally {
      this.publish();
    }
  }

  private schedule(c: ResolvedCall, activityId: string, args: unknown[]): Promise<unknown> {
    const { options } = c;
    return wf.scheduleActivity(c.activity, args, {
      activityId,
      taskQueue: this.queueOf(c),
      summary: `${activityId}: ${c.activity} on ${this.runsOn(c)}`,
      startToCloseTimeout: options.startToCloseMs,
      ...(options.scheduleToStartMs ? { scheduleToStartTimeout: options.scheduleToStartMs } : {}),
      retry: {
        maximumAttempts: options.retry.maximumAttempts,
        initialInterval: options.retry.initialIntervalMs,
        backoffCoefficient: options.retry.backoffCoefficient,
        maximumInterval: options.retry.maximumIntervalMs,
      },
      cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
  }

  /** The input the plan activities shared with migrations take (attachVf, setStandbyLink, releaseVf). */
  private stepInput(c: ResolvedCall, facts: Partial<Facts>): StepInput {
    const { vm, host, formerHost } = this.req;
    return { vm, source: formerHost ?? host, destination: host, role: c.on, step: c.activity, with: c.with, facts, workflowId: wf.workflowInfo().workflowId };
  }

  /** What setStandbyLink needs to act on one pair (it addresses the standby by alias). */
  private pairFacts(inspection: TeamingInspection, pair: PairHealth): Partial<Facts> {
    const primary = pair.primaryAlias ? { alias: pair.primaryAlias, mac: pair.mac, vf: null } : null;
    return { vm: { memoryMiB: inspection.memoryMiB, standby: { alias: pair.standbyAlias, mac: pair.mac }, primary } };
  }

  /**
   * What attachVf needs to plug the booked VFs: the pairs missing their primaries, each with the alias its
   * primary gets (by its place among all the VM's pairs, as a migration names them), and the VFs in that order.
   */
  private missingFacts(inspection: TeamingInspection, missing: PairHealth[]): Partial<Facts> {
    const pairs = missing.map((p) => ({ standby: { alias: p.standbyAlias, mac: p.mac }, primary: { alias: pairPrimaryAlias(inspection.need.pairs.findIndex((q) => q.standbyAlias === p.standbyAlias)), mac: p.mac, vf: null } }));
    const first = pairs[0]!;
    return { vm: { memoryMiB: inspection.memoryMiB, ...first, ...(pairs.length > 1 ? { pairs } : {}) }, reservedVf: this.vfs[0]!, reservedVfs: this.vfs };
  }

  private vfList(): string {
    return this.vfs.length === 1 ? `VF ${this.vfs[0]!.id}` : `VFs ${this.vfs.map((v) => v.id).join(', ')}`;
  }

  private skip(s: ResolvedActivityStep, why: string): void {
    this.tracker.skip(s.id, why);
  }

  private skipRest(why: string): void {
    for (const s of this.tracker.list()) if (s.state === 'pending') this.tracker.skip(s.id, why);
  }

  private end(outcome: RepairOutcome, message: string): RepairReport {
    this.outcome = outcome;
    this.tracker.close();
    this.setPhase(phaseOf[outcome]);
    const report: RepairReport = { ...this.progress(), outcome, message, durationMs: Date.now() - this.startedAt, failedStep: this.failedStep(), vf: this.vfs[0]?.id ?? null, ...(this.vfs.length > 1 ? { vfs: this.vfs.map((v) => v.id) } : {}) };
    this.publish(message);
    wf.upsertMemo({ report });
    if (outcome === 'repaired' || outcome === 'healthy') return report;
    throw wf.ApplicationFailure.create({ type: repairFailureTypes[outcome], message, nonRetryable: true, details: [report] });
  }

  private failedStep(): RepairReport['failedStep'] {
    const failed = this.tracker.list().find((s) => s.state === 'failed');
    return failed?.error ? { id: failed.id, activity: failed.activity, error: failed.error } : null;
  }

  private progress(): RepairProgress {
    const { vm, host, formerHost } = this.req;
    return { vm, host, formerHost, phase: this.phase, startedAt: new Date(this.startedAt).toISOString(), steps: this.tracker.list(), findings: this.findings, outcome: this.outcome };
  }

  private setPhase(phase: string): void {
    this.phase = phase;
  }

  private publish(note?: string): void {
    const p = this.progress();
    const lines = [`**${p.vm}**: repair on ${p.host}${p.formerHost ? ` (left ${p.formerHost})` : ''}`, `Phase: **${p.phase}**`];
    if (p.findings.length) lines.push('', ...p.findings.map((f) => `- found: ${f}`));
    if (note) lines.push('', note);
    lines.push('', ...p.steps.map((s) => renderStep(s, 'markdown')));
    wf.setCurrentDetails(lines.join('\n'));
  }

  private runsOn(c: ResolvedCall): string {
    return c.on === 'destination' ? this.req.host : c.on === 'source' ? (this.req.formerHost ?? '(none)') : 'control';
  }

  private queueOf(c: ResolvedCall): string {
    return c.on === 'control' ? controlQueue(this.req.queuePrefix) : hostQueue(this.req.queuePrefix, this.runsOn(c));
  }
}

/** Repair changes that alter the commands a run issues; each guarded with `patched()`, as migrateVm's are. */
const patches = {
  bookEveryMissingPair: 'repair-books-every-missing-pair',
} as const;

const phaseOf: Record<RepairOutcome, string> = { repaired: 'Repaired', healthy: 'Healthy', 'not-repaired': 'NotRepaired', refused: 'Refused' };
