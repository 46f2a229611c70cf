import type { DomainDescription } from '../domain/description.js';
import type { GuestInterface } from '../domain/guest-failover.js';
import type { PrimarySpec } from '../domain/primary-spec.js';

/**
 * The port every host activity talks to. Adapters: `virsh.ts` (libvirt through virsh) and `model.ts`
 * (the in-memory model used for unit tests, fault injection and benchmarks).
 *
 * Every mutating call is idempotent and confirmed: it returns only once the change is observable, and
 * calling it again when the change is already in place succeeds without acting twice.
 * Errors are the typed errors of `errors.ts`.
 */
export interface Hypervisor {
  readonly hostName: string;

  listVms(): Promise<VmSummary[]>;
  /** Throws VmNotFoundError when the VM is not defined on this host. */
  describeVm(vm: string): Promise<VmDescription>;
  freeMemoryMiB(): Promise<number>;
  /**
   * Every domain here that holds a VF: a PCI hostdev (address given) or, on the testbed, the emulated
   * primary (address null). The VF pool books these so it never hands out a VF someone holds.
   */
  vfHolders(): Promise<VfHolder[]>;
  /**
   * The guest's network interfaces as its qemu guest agent reports them (the guest's claim, not libvirt's).
   * Throws GuestAgentUnavailableError when the domain has no agent channel or no agent answers on it.
   */
  guestInterfaces(vm: string): Promise<GuestInterface[]>;

  /** Sets `<link state>` of one interface, addressed by alias (never by MAC: the teamed pair shares one). */
  setLinkState(vm: string, alias: string, state: 'up' | 'down'): Promise<void>;
  /** Hot-unplugs an interface by alias and waits until it is gone; absent already = success. */
  detachInterface(vm: string, alias: string, opts: { deadlineMs: number }): Promise<void>;
  /** Hot-plugs the teamed primary and waits until it is present; present already = success. */
  attachPrimary(vm: string, primary: PrimarySpec, opts: { deadlineMs: number }): Promise<void>;

  /**
   * Live-migrates the VM to `target` and resolves once it runs there (and no longer here). If a migration
   * of this VM is already in progress (e.g. started by an earlier attempt), follows it instead of starting
   * a second one. Aborting `signal` aborts the migration job and rejects with MigrationAbortedError once
   * the VM is confirmed running here again.
   */
  migrate(vm: string, target: MigrationTarget, opts: MigrateOptions, hooks: MigrateHooks): Promise<MigrationResult>;
  /** The running migration job of this VM, or null. */
  migrationJob(vm: string): Promise<MigrationProgress | null>;
  abortMigration(vm: string): Promise<void>;
  /** Sets the running job's max downtime (the pause QEMU may take to copy what is left), ms. */
  setMigrationMaxDowntime(vm: string, downtimeMs: number): Promise<void>;
  /**
   * Switches the running job (started with `postCopy: 'on-request'`) to post-copy: the destination runs
   * the guest from now on. A failure after this cannot be rolled back: `migrate` then rejects with
   * PostcopyFailedError, naming libvirt's state on both hosts.
   */
  startPostcopy(vm: string): Promise<void>;
}

export type RunState = 'running' | 'paused' | 'shutoff' | 'other';

export interface VmSummary {
  name: string;
  state: RunState;
  memoryMiB: number;
}

export interface VfHolder {
  vm: string;
  pciAddress: string | null;
}

export interface VmDescription extends DomainDescription {
  state: RunState;
}

export interface MigrationTarget {
  host: string;
  /** The peer URI the source libvirtd connects to (p2p), e.g. qemu+tcp://127.0.0.3/system. */
  uri: string;
}

export interface MigrateOptions {
  bandwidthMiBps?: number;
  autoConverge?: boolean;
  /** true: libvirt switches to post-copy after the first pass; 'on-request': only when startPostcopy asks. */
  postCopy?: boolean | 'on-request';
  maxDowntimeMs?: number;
}

export interface MigrationProgress {
  elapsedMs: number;
  dataTotalBytes: number;
  dataProcessedBytes: number;
  dataRemainingBytes: number;
  /** How fast the guest dirties memory, bytes/s, when the hypervisor says. */
  dirtyRateBytesPerSecond?: number;
  /** The pre-copy pass the job is in (1 = the first full copy), when the hypervisor says. */
  iteration?: number;
}

export interface MigrationResult {
  durationMs: number;
  dataProcessedBytes: number;
  downtimeMs: number | null;
  /** True when this call found the VM already on the target and did nothing. */
  alreadyThere: boolean;
}

export interface MigrateHooks {
  onProgress(progress: MigrationProgress): void;
  signal: AbortSignal;
}
