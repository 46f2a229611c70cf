/**
 * THE IN-MEMORY HYPERVISOR MODEL. A model, not a hypervisor: it implements the `Hypervisor` port with
 * plain objects so unit tests, fault injection and scale benchmarks run without libvirt. It mimics the
 * behaviour the engine relies on (idempotent, confirmed device changes; a migration job that outlives the
 * caller; libvirt refusing to migrate a domain that holds a VF), and nothing here is proof that the
 * libvirt adapter works: the two-host testbed is.
 */
import type { GuestAgentChannel, NetInterface } from '../domain/description.js';
import type { GuestInterface } from '../domain/guest-failover.js';
import { defaultPrimaryAlias, type PrimarySpec } from '../domain/primary-spec.js';
import {
  ConnectionFailedError,
  DeviceStuckError,
  GuestAgentUnavailableError,
  HypervisorFailureError,
  InvalidOperationError,
  MigrationAbortedError,
  MigrationFailedError,
  PostcopyFailedError,
  VmNotFoundError,
  type HypervisorError,
} from './errors.js';
import type {
  Hypervisor,
  MigrateHooks,
  MigrateOptions,
  MigrationProgress,
  MigrationResult,
  MigrationTarget,
  VfHolder,
  VmDescription,
  VmSummary,
} from './hypervisor.js';

export type ModelOp =
  | 'listVms'
  | 'describeVm'
  | 'freeMemoryMiB'
  | 'vfHolders'
  | 'setLinkState'
  | 'detachInterface'
  | 'attachPrimary'
  | 'migrate'
  | 'migrationJob'
  | 'abortMigration'
  | 'setMigrationMaxDowntime'
  | 'startPostcopy'
  | 'guestInterfaces';

export interface ModelFault {
  host: string;
  op: ModelOp;
  /** fail: throw `error` (default: a retryable HypervisorFailure); hang: never finish (detach: never released). */
  mode: 'fail' | 'hang';
  /** How many calls it hits; Infinity for always. */
  times?: number;
  /** Only calls about this VM. */
  vm?: string;
  /** Only calls about the device with this alias (a detach or attach of one pair's primary). */
  alias?: string;
  error?: (host: string) => HypervisorError;
}

export interface ModelVm {
  name: string;
  memoryMiB: number;
  paused: boolean;
  interfaces: NetInterface[];
  pcieRootPorts: number;
  /** The guest agent's channel (absent: the domain has none). */
  guestAgent?: GuestAgentChannel;
  /** The guest has no driver for its VF: a plugged primary never shows in the guest (net_failover incomplete). */
  guestLacksVfDriver?: boolean;
  /** What the domain's `<metadata>` labels would say (src/domain/vm-labels.ts). */
  labels: Record<string, string>;
  /** A busy guest (see ModelFleet.setDirty): migrations copy it pass by pass and may never converge. */
  dirty?: GuestDirtying;
  /** Post-copy of this VM fails after the switch (libvirt: paused, post-copy failed, on both hosts). */
  postcopyBreaks?: boolean;
}

/** How a guest dirties its memory: MiB per second, within a working set (no pass re-sends more than it). */
export interface GuestDirtying {
  MiBps: number;
  workingSetMiB: number;
}

export interface ModelOpRecord {
  host: string;
  op: ModelOp;
  vm: string | null;
  detail?: string;
}

interface Job {
  vm: string;
  target: string;
  progress: MigrationProgress;
  done: Promise<MigrationResult>;
  abort: () => void;
  /** The pause allowed at the switch-over, ms (QEMU's downtime-limit). */
  downtimeMs: number;
  postCopy: MigrateOptions['postCopy'];
  postcopyActive: boolean;
}

export interface ModelHostOptions {
  vfs: number;
  memoryMiB?: number;
}

export interface ModelOptions {
  /** Simulated duration of each operation, ms (0, the default, means no timer at all). */
  latencyMs?: Partial<Record<ModelOp, number>>;
  /** Simulated migration duration, ms (default 0). */
  migrationMs?: number;
  /** Per-VM migration duration, ms, overriding migrationMs (benchmarks with varied VMs). */
  migrationMsFor?: (vm: string) => number;
  /** How many progress reports a migration emits. */
  progressTicks?: number;
  /** The migration link of a busy guest's migration (see setDirty), MiB/s (default 1024). */
  linkMiBps?: number;
}

interface HostState {
  name: string;
  index: number;
  memoryMiB: number;
  vfAddresses: string[];
  vms: Map<string, ModelVm>;
  jobs: Map<string, Job>;
  down: boolean;
}

export const modelStandbyAlias = 'ua-backup0';

export class ModelFleet {
  private readonly hosts = new Map<string, HostState>();
  private readonly faults: (ModelFault & { left: number })[] = [];
  readonly log: ModelOpRecord[] = [];
  /** Migration jobs started per VM: a retry that follows a running job must not start a second one. */
  readonly jobsStarted = new Map<string, number>();
  /** Migration jobs running now and the most ever seen at once, per source and per destination host. */
  readonly running = { out: new Map<string, number>(), in: new Map<string, number>() };
  readonly peak = { out: new Map<string, number>(), in: new Map<string, number>() };

  jobStarted(source: string, target: string): void {
    for (const [dir, host] of [['out', source], ['in', target]] as const) {
      const now = (this.running[dir].get(host) ?? 0) + 1;
      this.running[dir].set(host, now);
      this.peak[dir].set(host, Math.max(now, this.peak[dir].get(host) ?? 0));
    }
  }

  jobEnded(source: string, target: string): void {
    this.running.out.set(source, (this.running.out.get(source) ?? 1) - 1);
    this.running.in.set(target, (this.running.in.get(target) ?? 1) - 1);
  }
  /** Per VM: since when it has had no usable link (VF gone and standby down), and the gaps so far. */
  private readonly offline = new Map<string, { since: number | null; gapsMs: number[] }>();

  /** Called after every change of what the hosts hold (model-state-file.ts persists the fleet from here). */
  onChange: (() => void) | null = null;

  constructor(readonly options: ModelOptions = {}) {}

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  addHost(name: string, opts: ModelHostOptions): ModelHypervisor {
    const index = this.hosts.size;
    const bus = (0x40 + index).toString(16);
    const vfAddresses = Array.from({ length: opts.vfs }, (_, i) => `0000:${bus}:${(0x10 + (i >> 3)).toString(16)}.${i & 7}`);
    this.hosts.set(name, { name, index, memoryMiB: opts.memoryMiB ?? 262_144, vfAddresses, vms: new Map(), jobs: new Map(), down: false });
    return this.hypervisor(name);
  }

  hypervisor(name: string): ModelHypervisor {
    return new ModelHypervisor(this, name);
  }

  vfAddresses(host: string): string[] {
    return [...this.state(host).vfAddresses];
  }

  /**
   * A correctly teamed, running VM with `pairs` teamed pairs (default 1), each holding the next VF nobody on
   * that host holds. Pair i: standby `ua-backup<i>`, primary `ua-primary<i>`, MAC modelPairMac(mac, i).
   * With `vf: false`, a VM without a VF: one plain virtio NIC, nothing teamed.
   */
  addVm(
    host: string,
    vm: {
      name: string;
      memoryMiB?: number;
      mac?: string;
      pairs?: number;
      form?: 'interface' | 'hostdev';
      vf?: boolean;
      labels?: Record<string, string>;
      guestAgent?: GuestAgentChannel;
      guestLacksVfDriver?: boolean;
    },
  ): ModelVm {
    const h = this.state(host);
    const used = new Set([...h.vms.values()].flatMap((v) => v.interfaces.map((i) => i.hostPciAddress)));
    const count = vm.vf === false ? 0 : (vm.pairs ?? 1);
    const vfs = h.vfAddresses.filter((a) => !used.has(a)).slice(0, count);
    if (vfs.length < count) throw new Error(`model: ${host} has no VF left for ${vm.name}`);
    const mac = vm.mac ?? macFor(vm.name);
    const model: ModelVm = {
      name: vm.name,
      memoryMiB: vm.memoryMiB ?? 2048,
      paused: false,
      pcieRootPorts: 2 * count + 2,
      labels: { ...(vm.labels ?? {}) },
      interfaces: vm.vf === false ? [plainNic(mac)] : vfs.flatMap((vf, i) => {
        const pair = modelPair(i);
        const pairMac = modelPairMac(mac, i);
        return [
          standbyNic(pairMac, 'down', pair.standby, 2 * i + 2),
          primaryNic({ alias: pair.primary, mac: pairMac, vf: { id: vf, kind: 'pci', pciAddress: vf }, standbyAlias: pair.standby, form: vm.form ?? 'interface' }, 2 * i + 1),
        ];
      }),
      ...(vm.guestAgent ? { guestAgent: vm.guestAgent } : {}),
      ...(vm.guestLacksVfDriver ? { guestLacksVfDriver: true } : {}),
    };
    h.vms.set(vm.name, model);
    this.offline.set(vm.name, { since: null, gapsMs: [] });
    return model;
  }

  /** Where the VM runs now, or null. */
  whereIs(vm: string): string | null {
    for (const h of this.hosts.values()) if (h.vms.has(vm)) return h.name;
    return null;
  }

  vm(vm: string): ModelVm | null {
    const host = this.whereIs(vm);
    return host ? structuredClone(this.state(host).vms.get(vm) ?? null) : null;
  }

  /** Makes the VM a busy guest: its migrations follow QEMU's pre-copy passes (see ModelHypervisor.runDirtyJob). */
  setDirty(vm: string, dirty: GuestDirtying | null, opts: { postcopyBreaks?: boolean } = {}): void {
    const host = this.whereIs(vm);
    const v = host ? this.state(host).vms.get(vm) : undefined;
    if (!v) throw new Error(`model: no VM ${vm}`);
    if (dirty) v.dirty = dirty;
    else delete v.dirty;
    v.postcopyBreaks = opts.postcopyBreaks ?? false;
  }

  setHostDown(host: string, down: boolean): void {
    this.state(host).down = down;
  }

  isHostDown(host: string): boolean {
    return this.state(host).down;
  }

  injectFault(fault: ModelFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Network gaps the guest would have seen (no VF attached and standby down), ms each. */
  gaps(vm: string): number[] {
    return [...(this.offline.get(vm)?.gapsMs ?? [])];
  }

  count(filter: Partial<ModelOpRecord>): number {
    return this.log.filter((r) => Object.entries(filter).every(([k, v]) => r[k as keyof ModelOpRecord] === v)).length;
  }

  // ---- used by ModelHypervisor ----

  state(host: string): HostState {
    const h = this.hosts.get(host);
    if (!h) throw new Error(`model: unknown host ${host}`);
    return h;
  }

  async enter(host: string, op: ModelOp, vm: string | null, detail?: string, alias?: string): Promise<'ok' | 'hang'> {
    const h = this.state(host);
    this.log.push({ host, op, vm, ...(detail ? { detail } : {}) });
    if (h.down) throw new ConnectionFailedError(`cannot connect to ${host}: the host is down (model)`, host);
    const fault = this.faults.find((f) => f.host === host && f.op === op && f.left > 0 && (!f.vm || f.vm === vm) && (!f.alias || f.alias === alias));
    const latency = op === 'migrate' ? 0 : (this.options.latencyMs?.[op] ?? 0);
    if (latency > 0) await sleep(latency);
    if (!fault) return 'ok';
    fault.left -= 1;
    if (fault.mode === 'hang') return 'hang';
    throw fault.error?.(host) ?? new HypervisorFailureError(`injected failure of ${op} on ${host} (model)`, host);
  }

  /** Recomputes whether the VM has a usable link on every pair and records the gap when it comes back. */
  trackLink(vm: ModelVm): void {
    const entry = this.offline.get(vm.name) ?? { since: null, gapsMs: [] };
    const standbys = vm.interfaces.filter((i) => i.teaming?.type === 'persistent');
    const online = standbys.every(
      (s) => s.link === 'up' || vm.interfaces.some((i) => i.type === 'hostdev' && i.teaming?.type === 'transient' && i.teaming.persistent === s.alias),
    );
    if (!online && entry.since === null) entry.since = performance.now();
    if (online && entry.since !== null) {
      entry.gapsMs.push(performance.now() - entry.since);
      entry.since = null;
    }
    this.offline.set(vm.name, entry);
    this.onChange?.();
  }
}

export class ModelHypervisor implements Hypervisor {
  constructor(
    private readonly fleet: ModelFleet,
    readonly hostName: string,
  ) {}

  async listVms(): Promise<VmSummary[]> {
    await this.fleet.enter(this.hostName, 'listVms', null);
    return [...this.host().vms.values()].map((v) => ({ name: v.name, state: v.paused ? 'paused' : 'running', memoryMiB: v.memoryMiB }));
  }

  async describeVm(vm: string): Promise<VmDescription> {
    await this.fleet.enter(this.hostName, 'describeVm', vm);
    const v = this.vm(vm);
    const busy = new Set(v.interfaces.map((i) => i.guestSlot?.bus));
    return {
      name: v.name,
      state: v.paused ? 'paused' : 'running',
      memoryMiB: v.memoryMiB,
      machine: 'pc-q35-7.2',
      interfaces: structuredClone(v.interfaces),
      hostdevs: [],
      labels: { ...v.labels },
      pcieRootPorts: Array.from({ length: v.pcieRootPorts }, (_, i) => ({ index: i + 1, free: !busy.has(i + 1) })),
      guestAgent: v.guestAgent ?? null,
    };
  }

  /** What net_failover makes of the VM's NICs: master and standby per teamed virtio NIC, plus each bound primary. */
  async guestInterfaces(vm: string): Promise<GuestInterface[]> {
    if ((await this.fleet.enter(this.hostName, 'guestInterfaces', vm)) === 'hang') return never();
    const v = this.vm(vm);
    if (v.guestAgent !== 'connected' && v.guestAgent !== 'unknown') {
      throw new GuestAgentUnavailableError(`${vm} on ${this.hostName}: QEMU guest agent is not ${v.guestAgent ? 'connected' : 'configured'}`, this.hostName);
    }
    return v.interfaces.flatMap((nic, i): GuestInterface[] => {
      if (nic.teaming?.type === 'persistent') return [{ name: `eth${i}`, mac: nic.mac }, { name: `eth${i}nsby`, mac: nic.mac }];
      if (nic.teaming?.type === 'transient' && !v.guestLacksVfDriver) {
        // A <hostdev> primary carries no MAC in its XML: the PF gave the VF its standby's.
        const standby = v.interfaces.find((s) => s.alias === (nic.teaming?.type === 'transient' ? nic.teaming.persistent : null));
        return [{ name: `enp${i}s0`, mac: nic.mac ?? standby?.mac ?? null }];
      }
      return [];
    });
  }

  async freeMemoryMiB(): Promise<number> {
    await this.fleet.enter(this.hostName, 'freeMemoryMiB', null);
    const h = this.host();
    return h.memoryMiB - [...h.vms.values()].reduce((sum, v) => sum + v.memoryMiB, 0);
  }

  async vfHolders(): Promise<VfHolder[]> {
    await this.fleet.enter(this.hostName, 'vfHolders', null);
    return [...this.host().vms.values()].flatMap((v) => v.interfaces.filter((i) => i.type === 'hostdev').map((i) => ({ vm: v.name, pciAddress: i.hostPciAddress })));
  }

  async setLinkState(vm: string, alias: string, state: 'up' | 'down'): Promise<void> {
    if ((await this.fleet.enter(this.hostName, 'setLinkState', vm, state)) === 'hang') return never();
    const nic = this.vm(vm).interfaces.find((i) => i.alias === alias);
    if (!nic) throw new InvalidOperationError(`${vm} on ${this.hostName} has no interface with alias ${alias}`, this.hostName);
    nic.link = state;
    this.fleet.trackLink(this.vm(vm));
  }

  async detachInterface(vm: string, alias: string, opts: { deadlineMs: number }): Promise<void> {
    const outcome = await this.fleet.enter(this.hostName, 'detachInterface', vm, alias, alias);
    const v = this.vm(vm);
    if (!v.interfaces.some((i) => i.alias === alias)) return;
    if (outcome === 'hang' || v.paused) {
      await sleep(opts.deadlineMs);
      throw new DeviceStuckError(`${vm} on ${this.hostName} did not release ${alias} within ${opts.deadlineMs} ms (guest unresponsive?)`, this.hostName);
    }
    v.interfaces = v.interfaces.filter((i) => i.alias !== alias);
    this.fleet.trackLink(v);
  }

  async attachPrimary(vm: string, primary: PrimarySpec, _opts: { deadlineMs: number }): Promise<void> {
    if ((await this.fleet.enter(this.hostName, 'attachPrimary', vm, primary.vf.id, primary.alias)) === 'hang') return never();
    const v = this.vm(vm);
    if (v.interfaces.some((i) => i.alias === primary.alias)) return;
    const holder = [...this.host().vms.values()].find((o) => o.interfaces.some((i) => i.hostPciAddress === primary.vf.pciAddress));
    if (holder) {
      throw new InvalidOperationError(`PCI device ${primary.vf.pciAddress} is in use by domain ${holder.name} on ${this.hostName}`, this.hostName);
    }
    const busy = new Set(v.interfaces.map((i) => i.guestSlot?.bus));
    const bus = Array.from({ length: v.pcieRootPorts }, (_, i) => i + 1).find((b) => !busy.has(b));
    if (bus === undefined) throw new InvalidOperationError(`${vm} on ${this.hostName} has no free PCIe root port for ${primary.alias}`, this.hostName);
    v.interfaces.push(primaryNic(primary, bus));
    this.fleet.trackLink(v);
  }

  async migrate(vm: string, target: MigrationTarget, opts: MigrateOptions, hooks: MigrateHooks): Promise<MigrationResult> {
    const outcome = await this.fleet.enter(this.hostName, 'migrate', vm, target.host);
    if (outcome === 'hang') return never();
    if (!this.host().vms.has(vm)) {
      if (this.fleet.state(target.host).vms.has(vm)) return { durationMs: 0, dataProcessedBytes: 0, downtimeMs: null, alreadyThere: true };
      throw new VmNotFoundError(`${vm} is neither on ${this.hostName} nor on ${target.host}`, this.hostName);
    }
    const job = this.host().jobs.get(vm) ?? this.startJob(vm, target, opts);
    const follow = setInterval(() => hooks.onProgress({ ...job.progress }), 50);
    const onAbort = () => job.abort();
    hooks.signal.addEventListener('abort', onAbort);
    try {
      return await job.done;
    } finally {
      clearInterval(follow);
      hooks.signal.removeEventListener('abort', onAbort);
    }
  }

  async migrationJob(vm: string): Promise<MigrationProgress | null> {
    await this.fleet.enter(this.hostName, 'migrationJob', vm);
    const job = this.host().jobs.get(vm);
    return job ? { ...job.progress } : null;
  }

  async abortMigration(vm: string): Promise<void> {
    await this.fleet.enter(this.hostName, 'abortMigration', vm);
    this.host().jobs.get(vm)?.abort();
  }

  async setMigrationMaxDowntime(vm: string, downtimeMs: number): Promise<void> {
    await this.fleet.enter(this.hostName, 'setMigrationMaxDowntime', vm, String(downtimeMs));
    const job = this.host().jobs.get(vm);
    if (job) job.downtimeMs = downtimeMs;
  }

  async startPostcopy(vm: string): Promise<void> {
    await this.fleet.enter(this.hostName, 'startPostcopy', vm);
    const job = this.host().jobs.get(vm);
    if (!job) throw new InvalidOperationError(`${vm} on ${this.hostName} has no migration job to switch to post-copy`, this.hostName);
    if (!job.postCopy) throw new InvalidOperationError(`the migration of ${vm} was not started with post-copy enabled`, this.hostName);
    job.postcopyActive = true;
  }

  /** The job runs on its own, like libvirt's: the caller going away does not stop it. */
  private startJob(vm: string, target: MigrationTarget, opts: MigrateOptions): Job {
    const v = this.vm(vm);
    if (v.interfaces.some((i) => i.type === 'hostdev')) {
      throw new InvalidOperationError(`cannot migrate ${vm}: domain has assigned non-USB host devices`, this.hostName);
    }
    const dest = this.fleet.state(target.host);
    if (dest.down) throw new MigrationFailedError(`cannot connect to ${target.uri}: ${target.host} is down (model)`, this.hostName);
    this.fleet.jobsStarted.set(vm, (this.fleet.jobsStarted.get(vm) ?? 0) + 1);
    this.fleet.jobStarted(this.hostName, target.host);
    const total = v.memoryMiB * 1048576;
    const progress: MigrationProgress = { elapsedMs: 0, dataTotalBytes: total, dataProcessedBytes: 0, dataRemainingBytes: total };
    if (v.dirty) return this.startDirtyJob(v, v.dirty, target, opts, progress);
    const durationMs = this.fleet.options.migrationMsFor?.(vm) ?? this.fleet.options.migrationMs ?? 0;
    const ticks = Math.max(1, this.fleet.options.progressTicks ?? 10);
    let aborted = false;
    const started = performance.now();
    const done = (async (): Promise<MigrationResult> => {
      for (let t = 1; t <= ticks && durationMs > 0; t++) {
        await sleep(durationMs / ticks);
        if (aborted) break;
        const processed = Math.round((total * t) / ticks);
        Object.assign(progress, { elapsedMs: Math.round(performance.now() - started), dataProcessedBytes: processed, dataRemainingBytes: total - processed });
      }
      this.host().jobs.delete(vm);
      this.fleet.jobEnded(this.hostName, target.host);
      if (aborted) throw new MigrationAbortedError(`migration of ${vm} to ${target.host} was aborted; it keeps running on ${this.hostName}`, this.hostName);
      if (dest.down) throw new MigrationFailedError(`lost the connection to ${target.host} while migrating ${vm} (model)`, this.hostName);
      this.host().vms.delete(vm);
      dest.vms.set(vm, v);
      this.fleet.onChange?.();
      return { durationMs: Math.round(performance.now() - started), dataProcessedBytes: total, downtimeMs: 0, alreadyThere: false };
    })();
    // Whoever follows the job awaits `done` and gets its failure; this only spares an unfollowed job an unhandled rejection.
    done.catch(() => undefined);
    const job: Job = { vm, target: target.host, progress, done, abort: () => (aborted = true), downtimeMs: opts.maxDowntimeMs ?? 300, postCopy: opts.postCopy, postcopyActive: false };
    this.host().jobs.set(vm, job);
    return job;
  }

  /**
   * QEMU's pre-copy, in real time: the first pass copies all memory at the link's speed while the guest
   * dirties its working set; each later pass copies what the previous one left dirty. The job completes
   * when a pass ends with no more left than the link copies within the allowed downtime. Auto-converge
   * throttles the guest from the third pass on (20 %, then 10 % more each pass, as QEMU's defaults);
   * post-copy stops the dirtying and copies the rest.
   */
  private startDirtyJob(v: ModelVm, dirty: GuestDirtying, target: MigrationTarget, opts: MigrateOptions, progress: MigrationProgress): Job {
    const dest = this.fleet.state(target.host);
    const mib = 1048576;
    const link = Math.min(opts.bandwidthMiBps ?? Infinity, this.fleet.options.linkMiBps ?? 1024) * mib;
    const total = progress.dataTotalBytes;
    const workingSet = Math.min(dirty.workingSetMiB * mib, total);
    let aborted = false;
    const job: Job = { vm: v.name, target: target.host, progress, done: Promise.resolve(null as never), abort: () => (aborted = true), downtimeMs: opts.maxDowntimeMs ?? 300, postCopy: opts.postCopy, postcopyActive: false };
    const started = performance.now();
    const finish = (): void => {
      this.host().jobs.delete(v.name);
      this.fleet.jobEnded(this.hostName, target.host);
    };
    job.done = (async (): Promise<MigrationResult> => {
      let pass = 1;
      let left = total;
      let dirtied = 0;
      let throttle = 0;
      let processed = 0;
      let last = performance.now();
      for (;;) {
        await sleep(10);
        const now = performance.now();
        const dt = (now - last) / 1000;
        last = now;
        if (aborted) {
          finish();
          throw new MigrationAbortedError(`migration of ${v.name} to ${target.host} was aborted; it keeps running on ${this.hostName}`, this.hostName);
        }
        const sent = Math.min(left, link * dt);
        left -= sent;
        processed += sent;
        const rate = job.postcopyActive ? 0 : dirty.MiBps * mib * (1 - throttle);
        dirtied = Math.min(workingSet, dirtied + rate * dt);
        Object.assign(progress, {
          elapsedMs: Math.round(now - started),
          dataProcessedBytes: Math.round(processed),
          dataRemainingBytes: Math.round(Math.min(total, left + dirtied)),
          dirtyRateBytesPerSecond: Math.round(rate),
          iteration: pass,
        });
        if (job.postcopyActive && v.postcopyBreaks && left < total / 2) {
          finish();
          this.host().vms.delete(v.name);
          v.paused = true;
          dest.vms.set(v.name, v);
          throw new PostcopyFailedError(
            `post-copy migration of ${v.name} from ${this.hostName} to ${target.host} failed after the switch (model: the link broke); it cannot go back to ${this.hostName}. libvirt says: ${this.hostName}: shut off (migrated); ${target.host}: paused (post-copy failed)`,
            this.hostName,
          );
        }
        if (left > 0) continue;
        if (job.postcopyActive || dirtied <= (link * job.downtimeMs) / 1000) {
          finish();
          this.host().vms.delete(v.name);
          dest.vms.set(v.name, v);
          const downtimeMs = job.postcopyActive ? 0 : Math.round((1000 * dirtied) / link);
          return { durationMs: Math.round(performance.now() - started), dataProcessedBytes: Math.round(processed + (job.postcopyActive ? 0 : dirtied)), downtimeMs, alreadyThere: false };
        }
        pass += 1;
        left = dirtied;
        dirtied = 0;
        if (opts.autoConverge && pass >= 3) throttle = Math.min(0.99, throttle === 0 ? 0.2 : throttle + 0.1);
      }
    })();
    job.done.catch(() => undefined);
    this.host().jobs.set(v.name, job);
    return job;
  }

  private host(): HostState {
    return this.fleet.state(this.hostName);
  }

  private vm(vm: string): ModelVm {
    const v = this.host().vms.get(vm);
    if (!v) throw new VmNotFoundError(`VM ${vm} is not defined on ${this.hostName}`, this.hostName);
    return v;
  }
}

/** The aliases of a model VM's pair `i` (pair 0: the single pair every model VM had before pairs). */
export function modelPair(i: number): { standby: string; primary: string } {
  return i === 0 ? { standby: modelStandbyAlias, primary: defaultPrimaryAlias } : { standby: `ua-backup${i}`, primary: `ua-primary${i}` };
}

/** Pair `i`'s MAC: the VM's own for pair 0, then the last byte counted up (wrapping), so each pair has its own. */
export function modelPairMac(mac: string, i: number): string {
  if (i === 0) return mac;
  const last = (parseInt(mac.slice(-2), 16) + i) & 0xff;
  return `${mac.slice(0, -2)}${last.toString(16).padStart(2, '0')}`;
}

function plainNic(mac: string): NetInterface {
  return { alias: 'ua-net0', type: 'bridge', model: 'virtio', mac, link: 'up', teaming: null, hostPciAddress: null, network: null, guestSlot: { busController: 'pcie-root-port', bus: 2 } };
}

function standbyNic(mac: string, link: 'up' | 'down', alias = modelStandbyAlias, bus = 2): NetInterface {
  return { alias, type: 'bridge', model: 'virtio', mac, link, teaming: { type: 'persistent' }, hostPciAddress: null, network: null, guestSlot: { busController: 'pcie-root-port', bus } };
}

/** The primary as libvirt would describe it: a plain `<hostdev>` (form hostdev) has no MAC in its XML. */
function primaryNic(p: PrimarySpec, bus: number): NetInterface {
  return {
    alias: p.alias,
    type: 'hostdev',
    model: null,
    mac: p.form === 'hostdev' ? null : p.mac,
    link: 'up',
    teaming: { type: 'transient', persistent: p.standbyAlias },
    hostPciAddress: p.vf.pciAddress ?? null,
    network: null,
    guestSlot: { busController: 'pcie-root-port', bus },
    ...(p.form === 'hostdev' ? { form: 'hostdev' as const } : {}),
  };
}

function macFor(name: string): string {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const b = [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];
  return `52:54:00:${b.map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}
