import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { execa } from 'execa';
import { queryProgress } from '../../src/client/migration-result.js';
import { repairReport } from '../../src/client/repair-result.js';
import { startRepair } from '../../src/client/start-repair.js';
import { InputError } from '../../src/errors.js';
import { brokenInvariants } from '../../src/invariants/check-invariants.js';
import { hostsToRead } from '../../src/invariants/hosts-from-config.js';
import { readFleetSnapshot, readRunSnapshot } from '../../src/invariants/read-snapshot.js';
import { resolvedPlanHash } from '../../src/plan/resolve.js';
import type { ResolvedStep } from '../../src/plan/resolved.js';
import { guestHost, hostUri, removeGuest, startHost, stopHost, type TestbedHost } from '../../src/testbed/testbed.js';
import { testbedHostsFile } from '../../src/testbed/testbed-workers.js';
import { firedLogName, type ModelFaultDirective } from '../../src/workers/model-fault-file.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import type { MatrixCell } from '../support/fault-cells.js';
import { cellLine, firedAt, matrixPlan, noRun, outcomeOf, restartMs, runDeadlineMs, unreachableMs, writeFaults, type CellResult } from '../support/fault-matrix.js';
import { exited, killChild, MatrixTemporal, sleep, spawnWorker, type Child } from '../support/matrix-temporal.js';
import type { LoadedPlan } from '../support/plans.js';
import { waitFor } from '../support/wait.js';
import { bootGuest, guestTeamed } from './support.js';

const hostWorkerScript = path.join(import.meta.dirname, 'testbed-host-worker.js');
/** A migration of the 256 MiB TCG guest capped at 20 MiB/s lasts ~4-5 s: time to hit it while it runs. */
const bandwidthMiBps = 20;

/**
 * The fault matrix on the real testbed (scripts/testbed.sh): one guest, booted by the caller, migrated
 * between hostA and hostB once per cell, from wherever the last cell left it. Everything a fault hits is
 * real: a file-backed Temporal dev server and a control worker (`vfmigrate worker --control`) it SIGKILLs
 * and restarts, one host worker process per host (testbed-host-worker.ts, killed with its virsh children),
 * libvirtd stopped and started by the testbed script, a migration job aborted with `virsh domjobabort`.
 * A cell is judged by the same invariant checker as the model's, reading libvirt through the virsh
 * adapter and the hosts' VF ledgers, then the testbed is restored: `repairVm` where the VM runs (a run
 * left DEGRADED gets its primary back), and the guest teamed again, so the next cell starts clean.
 */
export class TestbedFaultMatrix {
  private temporal!: MatrixTemporal;
  private readonly hostWorkers = new Map<TestbedHost, Child>();
  /** libvirtds this matrix stopped and has not started again: stop() starts them whatever happened. */
  private readonly stopped = new Set<TestbedHost>();
  private cells = 0;

  private constructor(
    readonly dir: string,
    readonly vm: string,
    private readonly plan: LoadedPlan,
    private readonly log: (line: string) => void,
  ) {}

  /** `vm` must run on a testbed host, teamed (bootGuest). */
  static async start(opts: { vm: string; log?: (line: string) => void }): Promise<TestbedFaultMatrix> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vfm-tbmatrix-'));
    const matrix = new TestbedFaultMatrix(dir, opts.vm, await testbedMatrixPlan(), opts.log ?? (() => undefined));
    matrix.temporal = await MatrixTemporal.start(dir);
    return matrix;
  }

  get resolvedPlan(): LoadedPlan['resolved'] {
    return this.plan.resolved;
  }

  async stop(): Promise<void> {
    for (const host of this.stopped) await startHost(host).catch(() => undefined);
    await this.stopHostWorkers();
    await this.temporal?.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  async runCell(cell: MatrixCell): Promise<CellResult> {
    const started = Date.now();
    const n = ++this.cells;
    const faultDir = path.join(this.dir, `cell-${n}`);
    await mkdir(faultDir, { recursive: true });
    const phases: string[] = [];
    const phase = (name: string): void => void phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)}`);
    const source = await guestHost(this.vm);
    if (!source) throw new Error(`${this.vm} runs on no testbed host: the last cell left the testbed broken`);
    const destination: TestbedHost = source === 'hostA' ? 'hostB' : 'hostA';
    const hosts = { source, destination };
    const directive = directiveFor(cell);
    await writeFaults(faultDir, directive ? [directive] : []);
    await this.temporal.ensureControl();
    await this.startHostWorkers(faultDir);
    const notes: string[] = [];
    let handle: WorkflowHandle<typeof migrateVm> | null = null;
    let reached = false;
    const fired = firedAt(faultDir);
    try {
      phase('workers');
      handle = await this.temporal.startRun({ vm: this.vm, from: source, to: destination, plan: this.plan });
      phase('started');
      const deadline = { at: Date.now() + runDeadlineMs };
      const ended = this.temporal.runEnded(handle, deadline);
      const underWay = cell.at.point === 'during' ? migrationUnderWay(handle) : null;
      const atPoint = underWay?.done ?? fired.done;
      reached = await Promise.race([atPoint.then(() => true), ended.then(() => false)]);
      underWay?.cancel();
      if (reached) {
        phase('fault');
        await this.inject(cell, hosts, faultDir);
        deadline.at = Date.now() + runDeadlineMs;
      }
      if (!(await ended)) notes.push(`the run did not end within ${runDeadlineMs / 1000} s`);
      phase('ended');
    } catch (err) {
      notes.push(`the cell could not run: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      fired.cancel();
      for (const host of [...this.stopped]) await this.startLibvirt(host).catch((err: unknown) => notes.push(`could not start ${host}'s libvirtd again: ${String(err)}`));
      for (const [host, child] of this.hostWorkers) if (exited(child)) notes.push(`${host}'s worker exited on its own (${child.proc.exitCode})`);
    }
    // The run may end between two looks at the fired log: the log has the last word.
    if (cell.at.point !== 'during') reached ||= (await readFile(path.join(faultDir, firedLogName), 'utf8').catch(() => '')).length > 0;
    const run = handle ? await readRunSnapshot(handle, hosts).catch((err: unknown) => noRun(err, source, destination)) : noRun('not started', source, destination);
    const snapshot = await readFleetSnapshot(this.vm, await hostsToRead(testbedHostsFile, [source, destination]), [run]);
    const broken = [...notes, ...brokenInvariants(snapshot)];
    phase('checked');
    broken.push(...(await this.restore(handle, faultDir)));
    phase('restored');
    await this.stopHostWorkers();
    const result = { cell, outcome: outcomeOf(run), reached, broken, ms: Date.now() - started };
    this.log(cellLine(result, phases));
    return result;
  }

  /** The fault itself, once the run is at the cell's point (paused there, or its migration job under way). */
  private async inject(cell: MatrixCell, hosts: { source: TestbedHost; destination: TestbedHost }, faultDir: string): Promise<void> {
    const release = (): Promise<void> => writeFaults(faultDir, []);
    const on = cell.at.on === 'source' ? hosts.source : hosts.destination;
    switch (cell.fault) {
      case 'activity-fails':
        // At a step boundary the worker fails every attempt itself; while migrate runs, the job really fails.
        if (cell.at.point === 'during') await execa('virsh', ['-c', hostUri(hosts.source), 'domjobabort', this.vm], { env: { LC_ALL: 'C' }, timeout: 30_000 });
        return;
      case 'host-worker-killed':
        await killChild(this.hostWorkers.get(on) ?? null);
        await release();
        await this.startHostWorker(on, faultDir);
        return;
      case 'control-worker-killed':
        await this.temporal.restartControl();
        return release();
      case 'temporal-killed':
        await this.temporal.restartServer();
        return release();
      case 'source-libvirtd-restart':
        return this.libvirtDown(hosts.source, restartMs, release);
      case 'destination-libvirtd-restart':
        return this.libvirtDown(hosts.destination, restartMs, release);
      case 'destination-unreachable':
        return this.libvirtDown(hosts.destination, unreachableMs, release);
    }
  }

  /** The host's libvirtd stopped for `forMs` (its guests keep running), the paused step released meanwhile. */
  private async libvirtDown(host: TestbedHost, forMs: number, release: () => Promise<void>): Promise<void> {
    this.stopped.add(host);
    await stopHost(host);
    await release();
    await sleep(forMs);
    await this.startLibvirt(host);
  }

  private async startLibvirt(host: TestbedHost): Promise<void> {
    await startHost(host);
    this.stopped.delete(host);
  }

  /**
   * Back to one clean guest for the next cell: no run left open, the VM repaired where it runs (a VM already
   * whole is left alone, and both hosts' ledgers are reconciled), and its guest teamed again. A VM that runs
   * nowhere is booted again on hostA. Returns what could not be restored: the next cells would not be clean.
   */
  private async restore(handle: WorkflowHandle<typeof migrateVm> | null, faultDir: string): Promise<string[]> {
    const problems: string[] = [];
    try {
      // Repair's activities must not meet the cell's fault.
      await writeFaults(faultDir, []);
      if (handle && (await handle.describe()).status.name === 'RUNNING') await handle.terminate('the fault matrix cell is over');
      for (const host of ['hostA', 'hostB'] as const) if (!this.hostWorkers.get(host) || exited(this.hostWorkers.get(host)!)) await this.startHostWorker(host, faultDir);
      const where = await guestHost(this.vm);
      if (!where) {
        problems.push(`restoring the testbed: ${this.vm} ran nowhere, booted again on hostA`);
        await removeGuest(this.vm);
        await bootGuest(this.vm, { host: 'hostA' });
        return problems;
      }
      const opts = { vm: this.vm, host: where, namespace: this.temporal.namespace, queuePrefix: this.temporal.queuePrefix };
      // Workers restarted (or a server restarted) a moment ago may not have polled yet.
      const repair = await waitFor(
        'the repair started (the server sees the host workers)',
        () =>
          startRepair(this.temporal.client, opts).catch((err: unknown) => {
            if (err instanceof InputError && err.message.includes('no worker is polling')) return undefined;
            throw err;
          }),
        60_000,
      );
      const report = await repairReport(repair.handle);
      if (report.outcome !== 'repaired' && report.outcome !== 'healthy') problems.push(`restoring the testbed: repair of ${this.vm} on ${where} ended ${report.outcome}: ${report.message}`);
      // From the start of the log: a guest whose teaming never changed in this cell is teamed already.
      await guestTeamed(this.vm, 0, 60_000);
    } catch (err) {
      problems.push(`restoring the testbed: ${err instanceof Error ? err.message : String(err)}`);
    }
    return problems;
  }

  private async startHostWorkers(faultDir: string): Promise<void> {
    await Promise.all((['hostA', 'hostB'] as const).map((h) => this.startHostWorker(h, faultDir)));
  }

  private async startHostWorker(host: TestbedHost, faultDir: string): Promise<void> {
    this.hostWorkers.set(host, await spawnWorker([hostWorkerScript, host, faultDir], this.temporal.env(), { group: true }));
  }

  private async stopHostWorkers(): Promise<void> {
    for (const [host, child] of this.hostWorkers) {
      this.hostWorkers.delete(host);
      await killChild(child);
    }
  }
}

/**
 * The model matrix's plan (time limits in seconds, steps and retries unchanged) with its migration capped
 * at 20 MiB/s, so a fault lands while the job runs. Still a resolved plan the run checks.
 */
export async function testbedMatrixPlan(): Promise<LoadedPlan> {
  const fast = await matrixPlan('sriov-live-migration');
  const cap = (s: ResolvedStep): ResolvedStep =>
    s.kind === 'parallel' ? { ...s, steps: s.steps.map(cap) } : s.pivot ? { ...s, with: { ...s.with, bandwidthMiBps } } : s;
  const steps = fast.resolved.steps.map(cap);
  return { ...fast, resolved: { ...fast.resolved, steps, hash: resolvedPlanHash({ ...fast.resolved, steps }) } };
}

/** What the host workers' fault file holds for the cell: a step failing or pausing at its point; nothing while a job runs. */
function directiveFor(cell: MatrixCell): ModelFaultDirective | null {
  if (cell.at.point === 'during') return null;
  return { step: cell.at.step, point: cell.at.point, action: cell.fault === 'activity-fails' ? 'fail' : 'pause' };
}

/** `done` resolves once the run's migration job has moved data (never, if it does not: the caller races the run's end). */
function migrationUnderWay(handle: WorkflowHandle<typeof migrateVm>): { done: Promise<void>; cancel: () => void } {
  let cancelled = false;
  const done = (async () => {
    while (!cancelled) {
      const progress = await queryProgress(handle).catch(() => null);
      if ((progress?.migration?.dataProcessedBytes ?? 0) > 0) return;
      await sleep(200);
    }
    await new Promise<never>(() => undefined);
  })();
  return { done, cancel: () => (cancelled = true) };
}
