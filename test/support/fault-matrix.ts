import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { loadModelFleetState } from '../../src/hypervisor/model-state-file.js';
import { brokenInvariants } from '../../src/invariants/check-invariants.js';
import type { RunSnapshot } from '../../src/invariants/fleet-snapshot.js';
import { readFleetSnapshot, readRunSnapshot } from '../../src/invariants/read-snapshot.js';
import { resolvedPlanHash } from '../../src/plan/resolve.js';
import type { ResolvedCall, ResolvedStep } from '../../src/plan/resolved.js';
import { FileLedger } from '../../src/vf/ledger.js';
import { faultFileName, firedLogName, type ModelFaultDirective } from '../../src/workers/model-fault-file.js';
import { modelStatePaths } from '../../src/workers/model-fleet-hosts.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import type { MatrixCell } from './fault-cells.js';
import { exited, killChild, MatrixTemporal, sleep, spawnWorker, vfmigrateBin, type Child } from './matrix-temporal.js';
import { shippedPlan, type LoadedPlan } from './plans.js';

/** A libvirtd restart: the host is gone for less than a step's retries last. */
export const restartMs = 2_000;
/** Longer than any step's retries with matrixPlan's timings (10 attempts, 1 s apart at most). */
export const unreachableMs = 60_000;
/** A run that has not ended by then is stuck: a broken invariant of its own. */
export const runDeadlineMs = 150_000;
/** How often the fleet's host workers take back bookings of VMs that left (ledger-watch.ts): short, so a cell waits little for it. */
const watchEveryMs = 1_000;

/** The migrated VM: one teamed pair, two, or none (one plain virtio NIC). */
export type MatrixVmShape = 'one-pair' | 'two-pairs' | 'plain';
const vmShapeSpec: Record<MatrixVmShape, string> = { 'one-pair': '', 'two-pairs': ', pairs: 2', plain: ', vf: false' };
/** The VFs the VM needs on the destination, beside the one its neighbour there holds. */
const vfsOf: Record<MatrixVmShape, number> = { 'one-pair': 1, 'two-pairs': 2, plain: 0 };

export interface CellResult {
  cell: MatrixCell;
  /** `migrated`, `rolled-back (detach-vf)`, … as the run's report says. */
  outcome: string;
  /** Whether the run got to the point (a step the hosts skip is never reached). */
  reached: boolean;
  /**
   * The run's report said a source worker reclaims a booking it left (ledger-watch.ts): the invariants were
   * checked after that worker's next watch pass, not at once.
   */
  afterWatchPass?: boolean;
  broken: string[];
  ms: number;
}

/**
 * The fault matrix on the model, with real processes: a file-backed Temporal dev server, a control worker
 * and, per cell, a model fleet worker (`vfmigrate worker --model`, its state on disk), so a fault can
 * SIGKILL any of them. Faults reach the fleet worker through its fault file (model-fault-file.ts), which
 * also pauses a step at its point while a process is killed. Cells run one after the other: a Temporal
 * kill would hit every run in flight.
 */
export class FaultMatrix {
  private temporal!: MatrixTemporal;
  /** The running cell's fleet worker, so stop() leaves nothing behind when a run is interrupted. */
  private fleet: Child | null = null;
  private cells = 0;

  private constructor(
    readonly dir: string,
    private readonly plan: LoadedPlan,
    private readonly log: (line: string) => void,
    private readonly shape: MatrixVmShape,
  ) {}

  /** `shape`: the migrated VM's (its plan by default: plain-live-migration for `plain`, else the default plan). */
  static async start(opts: { plan?: string; shape?: MatrixVmShape; log?: (line: string) => void } = {}): Promise<FaultMatrix> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vfm-matrix-'));
    const shape = opts.shape ?? 'one-pair';
    const plan = opts.plan ?? (shape === 'plain' ? 'plain-live-migration' : 'sriov-live-migration');
    const matrix = new FaultMatrix(dir, await matrixPlan(plan), opts.log ?? (() => undefined), shape);
    matrix.temporal = await MatrixTemporal.start(dir);
    return matrix;
  }

  get resolvedPlan(): LoadedPlan['resolved'] {
    return this.plan.resolved;
  }

  async stop(): Promise<void> {
    await killChild(this.fleet);
    await this.temporal?.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  async runCell(cell: MatrixCell): Promise<CellResult> {
    const started = Date.now();
    const n = ++this.cells;
    const [source, destination, vm] = [`m${n}-src`, `m${n}-dst`, `vm-m${n}`];
    const dir = path.join(this.dir, `cell-${n}`);
    const stateDir = path.join(dir, 'state');
    await mkdir(stateDir, { recursive: true });
    const fleetFile = path.join(dir, 'fleet.yaml');
    await writeFile(
      fleetFile,
      [
        'apiVersion: vfmigrate/v1',
        'kind: ModelFleet',
        'spec:',
        '  migrationTime: 1s',
        '  stateDir: state',
        '  hosts:',
        `    - { name: ${source}, vfs: 2, vms: [{ name: ${vm}${vmShapeSpec[this.shape]} }] }`,
        // A neighbour holds the destination's first VF: booking it twice would show.
        `    - { name: ${destination}, vfs: ${1 + vfsOf[this.shape]}, vms: [{ name: nb-m${n} }] }`,
        `  watchEvery: ${watchEveryMs}ms`,
        '',
      ].join('\n'),
    );
    const directive = directiveFor(cell, { source, destination });
    await writeFaults(stateDir, [directive]);
    await this.temporal.ensureControl();
    let fleet = await this.startFleet(fleetFile);
    const notes: string[] = [];
    let handle: WorkflowHandle<typeof migrateVm> | null = null;
    let afterWatchPass = false;
    const fired = firedAt(stateDir);
    const phases: string[] = [];
    const phase = (name: string): void => void phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)}`);
    try {
      phase('worker');
      handle = await this.temporal.startRun({ vm, from: source, to: destination, plan: this.plan });
      phase('started');
      // The deadline counts from the fault's end: a control worker restarting takes its own time (webpack).
      const deadline = { at: Date.now() + runDeadlineMs };
      const ended = this.temporal.runEnded(handle, deadline);
      const first = await Promise.race([fired.done.then(() => 'fired' as const), ended.then(() => 'ended' as const)]);
      if (first === 'fired' && directive.action === 'pause') {
        switch (cell.fault) {
          case 'host-worker-killed':
            await killChild(fleet);
            await writeFaults(stateDir, []);
            fleet = await this.startFleet(fleetFile);
            break;
          case 'control-worker-killed':
            await this.temporal.restartControl();
            await writeFaults(stateDir, []);
            break;
          case 'temporal-killed':
            await this.temporal.restartServer();
            await writeFaults(stateDir, []);
            break;
          default:
            await writeFaults(stateDir, []);
        }
        deadline.at = Date.now() + runDeadlineMs;
      }
      if (!(await ended)) notes.push(`the run did not end within ${runDeadlineMs / 1000} s`);
      phase('ended');
      afterWatchPass = await this.leftToWatch(handle, source, destination);
      if (afterWatchPass) {
        await this.watchPass(fleet, vm);
        phase('watch pass');
      }
    } catch (err) {
      notes.push(`the cell could not run: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      fired.cancel();
      if (exited(fleet)) notes.push(`the fleet worker exited on its own (${fleet.proc.exitCode})`);
      await killChild(fleet);
    }
    const reached = (await readFile(path.join(stateDir, firedLogName), 'utf8').catch(() => '')).length > 0;
    const run = handle ? await readRunSnapshot(handle, { source, destination }).catch((err: unknown) => noRun(err, source, destination)) : noRun('not started', source, destination);
    const broken = [...notes, ...(await this.brokenAfter(vm, stateDir, [source, destination], run))];
    const result: CellResult = { cell, outcome: outcomeOf(run), reached, broken, ms: Date.now() - started, ...(afterWatchPass ? { afterWatchPass } : {}) };
    this.log(cellLine(result, phases));
    return result;
  }

  /** Whether the run's report leaves a booking to the source worker's ledger watch (migrate-vm.ts, sourceBookingLeft). */
  private async leftToWatch(handle: WorkflowHandle<typeof migrateVm>, source: string, destination: string): Promise<boolean> {
    const run = await readRunSnapshot(handle, { source, destination }).catch(() => null);
    return run !== null && !run.open && run.message.includes(`${source}'s worker reclaims it at its next ledger watch pass`);
  }

  /**
   * Waits for the fleet worker to say it reclaimed `vm`'s booking, or for a few of its watch intervals:
   * either way the invariants are checked next, so a pass that reclaims nothing shows as a broken one.
   */
  private async watchPass(fleet: Child, vm: string): Promise<void> {
    const until = Date.now() + 3 * watchEveryMs + 3_000;
    const reclaimed = (): boolean => fleet.output().split('\n').some((line) => line.includes('reclaimed VF') && line.includes(` for ${vm} by `));
    while (Date.now() < until && !reclaimed()) await sleep(100);
  }

  /** The invariants, read from the fleet's state on disk through the Hypervisor port, as a worker would see it. */
  private async brokenAfter(vm: string, stateDir: string, hosts: string[], run: RunSnapshot): Promise<string[]> {
    const fleet = new ModelFleet();
    for (const h of hosts) fleet.addHost(h, { vfs: 2 });
    loadModelFleetState(fleet, modelStatePaths.fleet(stateDir));
    const toRead = hosts.map((h) => ({ name: h, hypervisor: fleet.hypervisor(h), ledger: new FileLedger(modelStatePaths.ledger(stateDir, h)), primaryMode: 'hostdev' as const }));
    return brokenInvariants(await readFleetSnapshot(vm, toRead, [run], vfsOf[this.shape]));
  }

  private async startFleet(fleetFile: string): Promise<Child> {
    this.fleet = await spawnWorker([vfmigrateBin, 'worker', '--model', fleetFile], this.temporal.env());
    return this.fleet;
  }
}

/** One line per cell for the log: its outcome, what broke, and where its time went. */
export function cellLine(result: CellResult, phases: string[]): string {
  const { cell, outcome, reached, broken, ms } = result;
  const when = result.afterWatchPass ? " (after the source worker's watch pass)" : '';
  return `${cell.id}: ${outcome}${reached ? '' : ' (point not reached)'} ${broken.length ? `✘ ${broken.join(' | ')}` : '✔'}${when} (${(ms / 1000).toFixed(1)} s: ${phases.join(', ')})`;
}

/**
 * The shipped plan with its time limits cut to seconds (its steps, order, retry counts and compensations
 * unchanged), so a lost activity is retried in seconds rather than minutes; migrate keeps its retry spacing. Still a resolved plan the run
 * checks: its hash is recomputed.
 */
export async function matrixPlan(name: string): Promise<LoadedPlan> {
  const loaded = await shippedPlan(name);
  const fast = (call: ResolvedCall): ResolvedCall => ({
    ...call,
    options: {
      ...call.options,
      startToCloseMs: call.activity === 'migrate' ? 60_000 : 10_000,
      heartbeatMs: call.options.heartbeatMs === null ? null : 3_000,
      // migrate keeps the plan's own spacing (1 s, then 2 s): it is what rides out a libvirtd restart; cut to
      // 200 ms its three attempts would all fall inside the 2 s restart and the cell would test the harness.
      retry: call.activity === 'migrate' ? call.options.retry : { ...call.options.retry, initialIntervalMs: 200, maximumIntervalMs: 1_000 },
    },
  });
  const step = (s: ResolvedStep): ResolvedStep => (s.kind === 'parallel' ? { ...s, steps: s.steps.map(step) } : { ...fast(s), kind: 'activity', id: s.id, readOnly: s.readOnly, pivot: s.pivot, compensate: s.compensate && fast(s.compensate) });
  const steps = loaded.resolved.steps.map(step);
  const resolved = { ...loaded.resolved, steps, hash: resolvedPlanHash({ ...loaded.resolved, steps }) };
  return { ...loaded, resolved };
}

function directiveFor(cell: MatrixCell, hosts: { source: string; destination: string }): ModelFaultDirective {
  if (cell.at.point === 'during') throw new Error(`${cell.id}: a model step has no during (its migration is a timer), only before and after`);
  const at = { step: cell.at.step, point: cell.at.point };
  switch (cell.fault) {
    case 'activity-fails':
      return { ...at, action: 'fail' };
    case 'host-worker-killed':
    case 'control-worker-killed':
    case 'temporal-killed':
      return { ...at, action: 'pause' };
    case 'source-libvirtd-restart':
      return { ...at, action: 'host-down', host: hosts.source, forMs: restartMs };
    case 'destination-libvirtd-restart':
      return { ...at, action: 'host-down', host: hosts.destination, forMs: restartMs };
    case 'destination-unreachable':
      return { ...at, action: 'host-down', host: hosts.destination, forMs: unreachableMs };
  }
}

export async function writeFaults(stateDir: string, faults: ModelFaultDirective[]): Promise<void> {
  const file = path.join(stateDir, faultFileName);
  await writeFile(`${file}.tmp`, JSON.stringify({ faults }));
  await rename(`${file}.tmp`, file);
}

/** `done` resolves once the fleet worker says a fault fired; `cancel` stops the polling. */
export function firedAt(stateDir: string): { done: Promise<void>; cancel: () => void } {
  let cancelled = false;
  const done = (async () => {
    while (!cancelled) {
      if ((await readFile(path.join(stateDir, firedLogName), 'utf8').catch(() => '')).length) return;
      await sleep(50);
    }
    await new Promise<never>(() => undefined);
  })();
  return { done, cancel: () => (cancelled = true) };
}

export function outcomeOf(run: RunSnapshot): string {
  if (run.open) return 'still open';
  if (!run.outcome) return run.message;
  return run.failedStep ? `${run.outcome} (${run.failedStep})` : run.outcome;
}

export function noRun(err: unknown, source: string, destination: string): RunSnapshot {
  const message = `no run to read: ${err instanceof Error ? err.message : String(err)}`;
  return { workflowId: '', source, destination, open: false, outcome: null, location: null, failedStep: null, message };
}

