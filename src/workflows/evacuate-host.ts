import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { ClaimResult, EvacuationActivities, HostCapacity } from '../activities/evacuation-host-activities.js';
import type { VmShapeAnswer } from '../activities/vm-shapes.js';
import { afterRefusal, chooseDestination, orderVms, unplaceableReason, withBooking, withoutBooking, type DestinationView } from '../evacuation/placement.js';
import {
  evacuationFailureType,
  type CarriedState,
  type EvacuationOutcome,
  type EvacuationProgress,
  type EvacuationReport,
  type EvacuationRequest,
  type VmEntry,
  type VmEvacuationState,
} from '../evacuation/evacuation-types.js';
import { hostQueue, migrationWorkflowId, migrationWorkflowType } from '../temporal/names.js';
import { EvacuatedHost, EvacuationState } from '../temporal/search-attributes.js';
import { choosePlan, planBooksVf } from '../plan/plan-choice.js';
import type { ResolvedPlan } from '../plan/resolved.js';
import { evacuationProgressQuery, pauseUpdate, resumeUpdate } from './definitions.js';
import { checkEvacuationRequest, noArguments, type CheckedEvacuationRequest } from './evacuation-request.js';
import type { migrateVm } from './migrate-vm.js';
import { migrationStartOptions } from './migration-start.js';
import { runPlan } from './run-plan.js';
import { reportInFailure } from './report-in-failure.js';
import { publishEvacuationProgress, recordEvacuationEnd } from './run-metrics.js';
import type { MigrationReport, RunRequest } from './migration-types.js';
import { describeVmShapes } from './vm-shapes.js';

/**
 * Drains one host: one child migration per VM, within the policy's limits, each destination's VF booked
 * on that destination's own worker before the child starts. Children outlive the evacuation: a cancel
 * or a stop only stops new migrations. Continues as new between batches on hosts with many VMs.
 */
export async function evacuateHost(request: EvacuationRequest): Promise<EvacuationReport> {
  // Any client may start one: a bad input ends the run at once, before any host is asked anything.
  return new Evacuation(checkEvacuationRequest(request, wf.workflowInfo().workflowId)).run();
}

/** Changes that alter the commands a run issues, each guarded with `patched()` (see migrate-vm.ts). */
const patches = {
  resolvePlanInRun: 'resolve-and-check-plan-in-run',
  /** Each VM's plan from the policy's rules or its shape (before: the policy's plan for every VM, a VF booked for each). */
  planPerVm: 'choose-plan-per-vm',
  /** A VF per teamed pair booked on the destination (before: one per VM, and a two-pair VM's child failed to book its second). */
  vfsPerPair: 'book-vf-per-teamed-pair',
} as const;

/**
 * Time limits of the evacuation's own host activities (docs/design.md "Evacuation"). Each is far above
 * what the call takes on a healthy host (milliseconds: a virsh listing, a ledger read) and short enough
 * that a dead worker is noticed while the evacuation still has other work to do.
 */
const timeouts = {
  /** How long a destination's worker gets to pick up a capacity question before the host counts as unavailable. */
  capacityPickUp: '10s',
  /** A capacity answer: the VF pool's reconcile with libvirt and the host's free memory. */
  capacity: '30s',
  /** Listing the source's VMs: one libvirt listing, which a host with many domains makes slower. */
  listVms: '2m',
  /** Booking or releasing a VF on a destination: one serialised ledger write there, possibly behind others. */
  booking: '1m',
} as const;
/** Host activities are retried a little (a worker restarting); a host that keeps failing is reported, not waited for. */
const hostActivityRetry = { maximumAttempts: 3, initialInterval: '1s' } as const;
/**
 * VMs described per call. Each answer is recorded in the history; 50 keeps one under 1 MiB even when every
 * VM carries the most labels a domain may (64 of up to 63 + 256 characters), below Temporal's payload limit.
 */
const shapesPerCall = 50;
/** While someone else's migrations may free room on a full destination, look again this often. */
const recheckEvery = '5s';

class Evacuation {
  private readonly vms: VmEntry[];
  private readonly views = new Map<string, DestinationView>();
  private readonly inFlight = new Set<string>();
  private unavailable: { host: string; reason: string }[];
  private paused: boolean;
  private stopping: boolean;
  private cancelled = false;
  private stoppedByPolicy = false;
  private changes = 0;
  private outcome: EvacuationOutcome | null = null;
  private readonly startedAt: string;
  private readonly runs: number;
  private readonly id = wf.workflowInfo().workflowId;
  /** The policy's plan, for VMs with a VF: resolved and checked by the run's first activity (see `run`). */
  private plan: ResolvedPlan | null = null;
  /** Every other plan a VM was given (plan-choice.ts), by name, resolved the same way. */
  private readonly plans = new Map<string, ResolvedPlan>();

  /** Handlers are set before the first await: an update or query sent right after the start finds them. */
  constructor(private readonly req: CheckedEvacuationRequest) {
    const carried = req.carried;
    this.vms = carried?.vms ?? [];
    this.unavailable = carried?.unavailable ?? [];
    this.paused = carried?.paused ?? false;
    this.stopping = carried?.stopping ?? false;
    this.startedAt = carried?.startedAt ?? new Date().toISOString();
    this.runs = (carried?.runs ?? 0) + 1;
    wf.setHandler(evacuationProgressQuery, () => this.progress());
    wf.setHandler(
      pauseUpdate,
      () => {
        this.paused = true;
        this.changed();
        return this.progress();
      },
      { validator: (...args: unknown[]) => noArguments(pauseUpdate.name, args) },
    );
    wf.setHandler(
      resumeUpdate,
      () => {
        this.paused = false;
        this.changed();
        return this.progress();
      },
      { validator: (...args: unknown[]) => noArguments(resumeUpdate.name, args) },
    );
    wf.CancellationScope.current().cancelRequested.catch(() => {
      this.cancelled = this.stopping = true;
      this.changed();
    });
  }

  /** The evacuation is never cancelled mid-step: a cancel only stops new migrations (see the handler above). */
  async run(): Promise<EvacuationReport> {
    this.plan = await runPlan(this.req.plan, this.req.queuePrefix, wf.patched(patches.resolvePlanInRun), 'invalid evacuateHost input');
    // A continued run resolves again the plans its VMs were given (they are carried by name).
    await this.resolvePlans();
    return wf.CancellationScope.nonCancellable(() => this.drive());
  }

  private async drive(): Promise<EvacuationReport> {
    this.publishState();
    if (!this.req.carried) await this.takeInventory();
    await this.refreshCapacity();
    for (;;) {
      await this.launch();
      if (this.inFlight.size === 0) {
        if (this.stopping || !this.waiting().length) break;
        if (this.paused) {
          await wf.condition(() => !this.paused || this.stopping);
          continue;
        }
        if (this.continueAsNewDue()) return this.continueAsNew();
        if (await this.stuck()) break;
        continue;
      }
      const seen = this.changes;
      await wf.condition(() => this.changes !== seen);
    }
    return this.finish();
  }

  private async takeInventory(): Promise<void> {
    const vms = await this.onHost(this.req.host, timeouts.listVms).listHostVms();
    const running = vms.filter((v) => v.state === 'running').map((v) => ({ vm: v.name, memoryMiB: v.memoryMiB }));
    for (const v of orderVms(running, this.req.policy.order)) this.vms.push({ ...v, state: 'pending' });
    if (wf.patched(patches.planPerVm)) await this.choosePlans();
    for (const v of vms.filter((v) => v.state !== 'running')) {
      this.vms.push({ vm: v.name, memoryMiB: v.memoryMiB, state: 'skipped', message: `not running (${v.state}): only running VMs are live-migrated` });
    }
  }

  /**
   * Each running VM's plan: the policy's first matching rule, else its shape as the drained host describes
   * it (plan-choice.ts). A VM that cannot be described (gone meanwhile) is skipped, saying why.
   */
  private async choosePlans(): Promise<void> {
    const pending = this.vms.filter((v) => v.state === 'pending');
    if (!pending.length) return;
    const answers: VmShapeAnswer[] = [];
    for (let i = 0; i < pending.length; i += shapesPerCall) {
      answers.push(...(await describeVmShapes(this.req.host, pending.slice(i, i + shapesPerCall).map((v) => v.vm), this.req.queuePrefix)));
    }
    const teamedPlan = this.resolvedPlan().name;
    const countPairs = wf.patched(patches.vfsPerPair);
    for (const [i, entry] of pending.entries()) {
      const answer = answers[i];
      if (!answer?.ok) {
        Object.assign(entry, { state: 'skipped', message: `its shape could not be read on ${this.req.host}: ${answer ? answer.reason : 'no answer'}` });
        continue;
      }
      const choice = choosePlan(answer.shape, this.req.policy.planRules, teamedPlan);
      // Every standby, with its VF plugged or not: the child books one VF for each (reserveVf).
      Object.assign(entry, { plan: choice.plan, planChoice: choice.reason, ...(countPairs ? { pairs: answer.shape.standbys } : {}) });
    }
    await this.resolvePlans();
  }

  /** Resolves (once per name, on the control queue, recorded) every plan a VM was given other than the policy's. */
  private async resolvePlans(): Promise<void> {
    const names = [...new Set(this.vms.map((v) => v.plan).filter((p): p is string => p !== undefined))];
    for (const name of names) {
      if (name === this.resolvedPlan().name || this.plans.has(name)) continue;
      this.plans.set(name, await runPlan(name, this.req.queuePrefix, true, 'invalid evacuateHost input'));
    }
  }

  /** The plan `entry` runs: the one chosen for it, or (evacuations recorded before plans were chosen per VM) the policy's. */
  private planOf(entry: VmEntry): ResolvedPlan {
    const plan = entry.plan === undefined || entry.plan === this.resolvedPlan().name ? this.resolvedPlan() : this.plans.get(entry.plan);
    if (!plan) throw new Error(`evacuation: the plan ${entry.plan} of ${entry.vm} was not resolved`);
    return plan;
  }

  /**
   * VFs `entry` takes on its destination: one per teamed pair, none when its plan attaches none. At least one
   * for a plan that books (a VF without a standby: its preflight says what to fix); one for an entry recorded
   * before pairs were counted.
   */
  private vfsOf(entry: VmEntry): number {
    return entry.plan === undefined || planBooksVf(this.planOf(entry)) ? Math.max(1, entry.pairs ?? 1) : 0;
  }

  /** Asks every candidate for its room; one whose worker does not answer promptly is reported and left out. */
  private async refreshCapacity(): Promise<void> {
    const answers = await Promise.all(
      this.req.candidates.map(async (host): Promise<HostCapacity | { host: string; reason: string }> => {
        try {
          return await this.onHost(host, timeouts.capacity, timeouts.capacityPickUp).hostCapacity();
        } catch (err) {
          return { host, reason: `no answer from its worker within ${timeouts.capacityPickUp} (${rootMessage(err)})` };
        }
      }),
    );
    this.unavailable = answers.filter((a): a is { host: string; reason: string } => 'reason' in a);
    for (const a of answers) {
      if ('reason' in a) {
        this.views.delete(a.host);
        continue;
      }
      const ours = this.vms.filter((v) => v.state === 'migrating' && v.destination === a.host).length;
      const placed = this.views.get(a.host)?.placed ?? 0;
      this.views.set(a.host, { host: a.host, freeVfs: a.freeVfs, freeMemoryMiB: a.freeMemoryMiB, incoming: ours, placed });
    }
    this.changed();
  }

  /** Starts migrations while the limits allow and some waiting VM has a destination. */
  private async launch(): Promise<void> {
    const { maxParallel, maxOutgoingPerSource } = this.req.policy;
    const slots = (): number => Math.min(maxParallel, maxOutgoingPerSource) - this.inFlight.size;
    while (!this.paused && !this.stopping && !this.continueAsNewDue() && slots() > 0) {
      let started = false;
      for (const entry of this.waiting()) {
        const destination = await this.place(entry);
        if (!destination) {
          entry.state = 'waiting';
          continue;
        }
        this.start(entry, destination);
        started = true;
        break;
      }
      if (!started) return;
    }
  }

  /** Picks a destination and books a VF there; a refusal updates what we know and tries the next best. */
  private async place(entry: VmEntry): Promise<string | null> {
    const { placement, maxIncomingPerDestination } = this.req.policy;
    const tried = new Set<string>();
    for (;;) {
      const vfs = this.vfsOf(entry);
      const host = chooseDestination({ ...entry, vfs }, [...this.views.values()], placement, maxIncomingPerDestination, tried);
      if (!host) return null;
      tried.add(host);
      const claim = await this.claim(host, entry, vfs);
      // A host that did not answer was dropped from the views meanwhile (see claim).
      const view = this.views.get(host);
      if (claim.ok) {
        if (view) this.views.set(host, withBooking(view, { ...entry, vfs }));
        return host;
      }
      if (view) this.views.set(host, afterRefusal(view, { ...entry, vfs }, claim.type));
    }
  }

  private async claim(host: string, entry: VmEntry, vfs: number): Promise<ClaimResult> {
    try {
      return await this.onHost(host, timeouts.booking, timeouts.capacityPickUp).claimIncoming({
        vm: entry.vm,
        memoryMiB: entry.memoryMiB,
        owner: this.id,
        maxIncoming: this.req.policy.maxIncomingPerDestination,
        // Sent only when it differs from what every evacuation asked before plans were chosen per VM.
        ...(vfs !== 1 ? { vfs } : {}),
      });
    } catch (err) {
      this.views.delete(host);
      this.unavailable.push({ host, reason: `could not book a VF there: ${rootMessage(err)}` });
      return { ok: false, type: 'Unavailable', reason: rootMessage(err) };
    }
  }

  /** Runs the child migration in the background; its end is recorded and wakes the main loop. */
  private start(entry: VmEntry, destination: string): void {
    Object.assign(entry, { state: 'migrating', destination, startedAt: new Date().toISOString(), message: undefined });
    this.inFlight.add(entry.vm);
    this.changed();
    const started = Date.now();
    void this.migrate(entry, destination)
      .then(
        (state) => this.settle(entry, state.state, state.message, Date.now() - started),
        (err: unknown) => this.settle(entry, 'failed', rootMessage(err), Date.now() - started),
      )
      .finally(() => {
        this.inFlight.delete(entry.vm);
        this.changed();
      });
  }

  private async migrate(entry: VmEntry, destination: string): Promise<{ state: VmEvacuationState; message: string }> {
    const plan = this.planOf(entry);
    const request: RunRequest = { vm: entry.vm, source: this.req.host, destination, plan, queuePrefix: this.req.queuePrefix };
    let child: wf.ChildWorkflowHandle<typeof migrateVm>;
    try {
      const by = entry.planChoice ? { evacuation: this.id, planChoice: entry.planChoice } : { evacuation: this.id };
      child = await wf.startChild<typeof migrateVm>(migrationWorkflowType, migrationStartOptions(request, by));
    } catch (err) {
      await this.onHost(destination, timeouts.booking).releaseClaim(entry.vm, this.id);
      this.unbook(destination, entry);
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        return { state: 'skipped', message: `already being migrated by another run (${migrationWorkflowId(entry.vm)}); not migrated twice` };
      }
      throw err;
    }
    try {
      const report = await child.result();
      return { state: 'migrated', message: report.message };
    } catch (err) {
      const report = childReport(err);
      if (report?.outcome !== 'degraded') {
        // A child that failed before its own reserve step never took the booking over: free it here.
        await this.onHost(destination, timeouts.booking).releaseClaim(entry.vm, this.id);
        this.unbook(destination, entry);
      }
      if (!report) return { state: 'failed', message: rootMessage(err) };
      return { state: report.outcome === 'degraded' ? 'degraded' : report.outcome === 'cancelled' ? 'cancelled' : 'failed', message: report.message };
    }
  }

  /** The VM did not arrive: its booking there was released (by the child's compensation or by us). */
  private unbook(destination: string, entry: VmEntry): void {
    const view = this.views.get(destination);
    if (view) this.views.set(destination, withoutBooking(view, { ...entry, vfs: this.vfsOf(entry) }));
  }

  private settle(entry: VmEntry, state: VmEvacuationState, message: string, durationMs: number): void {
    Object.assign(entry, { state, message, durationMs });
    const view = entry.destination ? this.views.get(entry.destination) : undefined;
    if (view) view.incoming -= 1;
    if (state !== 'failed' && state !== 'degraded') return;
    if (this.req.policy.onFailure === 'pause') this.paused = true;
    if (this.req.policy.onFailure === 'stop') this.stopping = this.stoppedByPolicy = true;
  }

  /**
   * Nothing of ours in flight and VMs still waiting: look again. Someone else's migrations into a
   * candidate may free room (or fail and release it): wait for them; if there are none, it is final.
   */
  private async stuck(): Promise<boolean> {
    await this.refreshCapacity();
    if (this.waiting().some((e) => chooseDestination({ ...e, vfs: this.vfsOf(e) }, [...this.views.values()], this.req.policy.placement, this.req.policy.maxIncomingPerDestination))) return false;
    const othersIncoming = await this.othersInFlight();
    if (othersIncoming) {
      await wf.sleep(recheckEvery);
      return false;
    }
    for (const e of this.waiting()) {
      Object.assign(e, { state: 'unplaceable', message: unplaceableReason({ ...e, vfs: this.vfsOf(e) }) });
    }
    return true;
  }

  private async othersInFlight(): Promise<boolean> {
    const answers = await Promise.all(
      // A host that does not answer has nothing in flight we could wait for; it is reported unavailable elsewhere.
      [...this.views.keys()].map((h) => this.onHost(h, timeouts.capacity, timeouts.capacityPickUp).hostCapacity().catch(() => null)),
    );
    return answers.some((a) => a && a.incoming > 0);
  }

  private continueAsNewDue(): boolean {
    const info = wf.workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= this.req.historyLimit;
  }

  private continueAsNew(): Promise<never> {
    const carried: CarriedState = { vms: this.vms, startedAt: this.startedAt, paused: this.paused, stopping: this.stopping, unavailable: this.unavailable, runs: this.runs };
    return wf.continueAsNew<typeof evacuateHost>({ ...this.req, plan: this.resolvedPlan(), carried });
  }

  private resolvedPlan(): ResolvedPlan {
    if (!this.plan) throw new Error('evacuation: the plan is used before it was resolved');
    return this.plan;
  }

  private finish(): EvacuationReport {
    const counts = this.counts();
    const left = counts.failed + counts.degraded + counts.unplaceable + counts.pending + counts.waiting + counts.cancelled;
    this.outcome = this.cancelled ? 'cancelled' : this.stoppedByPolicy ? 'stopped' : left ? 'incomplete' : 'completed';
    const message = `${this.req.host}: ${counts.migrated} migrated, ${counts.failed} failed, ${counts.degraded} degraded, ${counts.skipped} skipped, ${counts.unplaceable} unplaceable${
      counts.pending + counts.waiting ? `, ${counts.pending + counts.waiting} not started` : ''
    } (${this.outcome})`;
    const report: EvacuationReport = { ...this.progress(), outcome: this.outcome, message };
    this.publishState();
    recordEvacuationEnd(this.outcome);
    wf.upsertMemo({ report });
    if (this.outcome === 'completed') return report;
    if (this.outcome === 'cancelled') throw new wf.CancelledFailure(message, [report]);
    throw wf.ApplicationFailure.create({ type: evacuationFailureType, message, nonRetryable: true, details: [report] });
  }

  private waiting(): VmEntry[] {
    return this.vms.filter((v) => v.state === 'pending' || v.state === 'waiting');
  }

  private changed(): void {
    this.changes += 1;
    this.publishState();
  }

  private publishState(): void {
    const state = this.state();
    wf.upsertSearchAttributes([
      { key: EvacuatedHost, value: this.req.host },
      { key: EvacuationState, value: state },
    ]);
    const c = this.counts();
    publishEvacuationProgress(this.req.host, c, this.outcome !== null);
    wf.setCurrentDetails(
      `**Evacuating ${this.req.host}** (policy ${this.req.policyName}): ${state}\n\n` +
        `${c.migrated} migrated · ${c.migrating} migrating · ${c.pending + c.waiting} waiting · ${c.failed} failed · ${c.degraded} degraded · ${c.skipped} skipped · ${c.unplaceable} unplaceable` +
        (this.unavailable.length ? `\n\nUnavailable: ${this.unavailable.map((u) => `${u.host} (${u.reason})`).join('; ')}` : ''),
    );
  }

  private state(): EvacuationProgress['state'] {
    return this.outcome ?? (this.stopping ? 'stopping' : this.paused ? 'paused' : 'running');
  }

  private counts(): Record<VmEvacuationState, number> {
    const counts = { pending: 0, waiting: 0, migrating: 0, migrated: 0, degraded: 0, failed: 0, cancelled: 0, skipped: 0, unplaceable: 0 };
    for (const v of this.vms) counts[v.state] += 1;
    return counts;
  }

  private progress(): EvacuationProgress {
    const elapsedMs = Date.now() - Date.parse(this.startedAt);
    const done = this.vms.filter((v) => v.state === 'migrated' && v.durationMs !== undefined);
    const remaining = this.waiting().length + this.inFlight.size;
    const parallel = Math.min(this.req.policy.maxParallel, this.req.policy.maxOutgoingPerSource);
    const mean = done.length ? done.reduce((s, v) => s + (v.durationMs ?? 0), 0) / done.length : null;
    return {
      host: this.req.host,
      policy: this.req.policyName,
      state: this.state(),
      counts: this.counts(),
      vms: this.vms.map((v) => ({ ...v })),
      startedAt: this.startedAt,
      elapsedMs,
      etaMs: mean === null ? null : Math.round((mean * remaining) / parallel),
      unavailable: [...this.unavailable],
      runs: this.runs,
    };
  }

  private onHost(host: string, startToClose: string, scheduleToStart?: string): EvacuationActivities {
    return wf.proxyActivities<EvacuationActivities>({
      taskQueue: hostQueue(this.req.queuePrefix, host),
      startToCloseTimeout: startToClose,
      ...(scheduleToStart ? { scheduleToStartTimeout: scheduleToStart } : {}),
      retry: hostActivityRetry,
    });
  }
}

function childReport(err: unknown): MigrationReport | null {
  return err instanceof wf.ChildWorkflowFailure ? reportInFailure<MigrationReport>(err.cause) : null;
}

function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && 'cause' in e && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
