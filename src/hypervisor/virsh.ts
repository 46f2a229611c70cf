/**
 * The libvirt adapter of the `Hypervisor` port, driving one host's libvirtd through `virsh` (the npm
 * bindings lack attach/detach/update/migrate/job support). Every mutating call checks the
 * live state first (so a retry never acts twice) and confirms its effect in the live XML before returning.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainDescription } from '../domain/description.js';
import type { GuestInterface } from '../domain/guest-failover.js';
import { nicByAlias, primaryIn, sameBacking, vfHoldersOf } from '../domain/device-facts.js';
import { interfaceXml, interfaceXmlWithLink, primaryInterfaceXml } from '../domain/interface-xml.js';
import { parseDomainXml } from '../domain/parse-domain-xml.js';
import type { PrimarySpec } from '../domain/primary-spec.js';
import type { PrimaryMode } from '../domain/teaming.js';
import {
  ConnectionFailedError,
  DeviceStuckError,
  HypervisorError,
  HypervisorFailureError,
  InvalidOperationError,
  MigrationAbortedError,
  MigrationFailedError,
  PostcopyFailedError,
  TimedOutError,
  VmNotFoundError,
} from './errors.js';
import type {
  Hypervisor,
  MigrateHooks,
  MigrateOptions,
  MigrationProgress,
  MigrationResult,
  MigrationTarget,
  RunState,
  VfHolder,
  VmDescription,
  VmSummary,
} from './hypervisor.js';
import { classifyVirshError, sessionErrors, withXmlFile } from './virsh-command.js';
import { migrateArgs } from './virsh-migrate-args.js';
import { migrationOutProgress, parseDomainReads, parseGuestInterfaces, parseJobInfo, parseNodeMemStats, runState, vmSummary, type DomainRead } from './virsh-output.js';
import { virshConnection, type ConnectVirsh, type VirshEndpoint, type VirshRunner } from './virsh-runner.js';
import { uuidPattern } from '../domain/libvirt-names.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { quoted } from '../util/printable.js';

export interface VirshHypervisorOptions {
  hostName: string;
  uri: string;
  primaryMode: PrimaryMode;
  /** Timeout of each virsh call, and the bound on confirming a link change or an abort. Default 30 s. */
  commandTimeoutMs?: number;
  /**
   * How often a device change is re-checked in the live XML. Default 25 ms: a check is one `dumpxml` in
   * the session (1-3 ms), and the sooner an unplug is confirmed, the sooner the migration starts.
   */
  pollMs?: number;
  /** How often a running migration job is polled for progress. Default 500 ms. */
  progressMs?: number;
  /** Where the adapter says what it retried, ignored or decided, and why. */
  log?: Logger;
}

/**
 * The `virsh migrate` client only waits for libvirtd, which runs the p2p job on its own (killing the
 * client does not stop it); so this timeout is hygiene, and the job is followed further if it fires.
 */
const MIGRATE_PROCESS_TIMEOUT_MS = 6 * 3600_000;

export class VirshHypervisor implements Hypervisor {
  readonly hostName: string;
  private readonly uri: string;
  private readonly primaryMode: PrimaryMode;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly progressMs: number;
  private readonly log: Logger;
  /** Every short call goes through long-lived virsh sessions; `virsh migrate` gets a process of its own. */
  private readonly sessions: VirshRunner;
  private readonly targets = new Map<string, VirshRunner>();
  private nextRead: Promise<DomainRead[]> | null = null;
  /** VMs whose job this adapter switched to post-copy: a failure from then on is PostcopyFailed. */
  private readonly postcopy = new Set<string>();

  /** `connect` reaches virsh: tests script it; everything else takes the default, which enforces virsh-arguments.ts. */
  constructor(
    opts: VirshHypervisorOptions,
    private readonly connect: ConnectVirsh = virshConnection,
  ) {
    this.hostName = opts.hostName;
    this.uri = opts.uri;
    this.primaryMode = opts.primaryMode;
    this.timeoutMs = opts.commandTimeoutMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 25;
    this.progressMs = opts.progressMs ?? 500;
    this.log = opts.log ?? silentLogger;
    this.sessions = connect({ uri: opts.uri, host: opts.hostName }, 4);
  }

  // ---- inventory -------------------------------------------------------------------------------

  /**
   * Every domain with its state, by UUID: listings that print names (`domstats`, `list --name`) put them
   * raw, one per line, and a name holding a line break would forge another domain's entry there.
   */
  async listVms(): Promise<VmSummary[]> {
    return (await this.everyDomain()).map(vmSummary);
  }

  async describeVm(vm: string): Promise<VmDescription> {
    const [xml, state] = await Promise.all([this.liveXml(vm), this.state(vm)]);
    return { ...parseDomainXml(xml), state };
  }

  async freeMemoryMiB(): Promise<number> {
    return parseNodeMemStats(await this.virsh(['nodememstats']));
  }

  /** Only a domain that runs (in any state but shut off) holds a device; a defined one's XML only names it. */
  async vfHolders(): Promise<VfHolder[]> {
    return (await this.everyDomain()).filter((d) => d.state !== 'shutoff').flatMap((d) => vfHoldersOf(d.description, this.primaryMode));
  }

  async guestInterfaces(vm: string): Promise<GuestInterface[]> {
    return parseGuestInterfaces(await this.virsh(['domifaddr', '--domain', vm, '--source', 'agent']));
  }

  /**
   * Every domain's state and live XML. Calls made in the same turn of the event loop (the VF pool asks for
   * holders and VMs side by side) share one read, which starts after all of them: none gets an answer older
   * than its call. Fifty domains cost two round trips, not a hundred and one.
   */
  private everyDomain(): Promise<DomainRead[]> {
    this.nextRead ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.nextRead = null;
      return this.readEveryDomain();
    });
    return this.nextRead;
  }

  private async readEveryDomain(): Promise<DomainRead[]> {
    const uuids = await this.uuids();
    const { stdout } = await this.eachDomain(uuids, (uuid) => [['domstate', '--domain', uuid], ['dumpxml', '--domain', uuid]]);
    return parseDomainReads(stdout);
  }

  /** The UUIDs `virsh list --uuid --all` prints: hex, whatever the names hold. */
  private async uuids(): Promise<string[]> {
    const lines = (await this.virsh(['list', '--uuid', '--all'])).split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const odd = lines.find((l) => !uuidPattern.test(l));
    if (odd !== undefined) throw new HypervisorFailureError(`virsh list --uuid on ${this.hostName} printed ${quoted(odd)}, not a UUID`, this.hostName);
    return lines;
  }

  /**
   * `commands(uuid)` for every domain, in one session line: fifty domains cost one round trip, not fifty.
   * A domain that went away in between is simply absent; any other error is an error.
   */
  private async eachDomain(uuids: string[], commands: (uuid: string) => string[][]): Promise<{ stdout: string }> {
    if (!uuids.length) return { stdout: '' };
    const { stdout, stderr } = await this.sessions.run(uuids.flatMap(commands), this.timeoutMs);
    const lines = (sessionErrors(stderr) ?? '').split('\n').filter((l) => l.trim() !== '');
    const gone = lines.filter((l) => classifyVirshError(l, this.hostName) instanceof VmNotFoundError);
    if (gone.length) this.log.debug('domains that went away while every domain was read are left out', { host: this.hostName, errors: gone });
    const failures = lines.filter((l) => !gone.includes(l));
    if (failures.length) throw classifyVirshError(failures.join('\n'), this.hostName, 'virsh (every domain)');
    return { stdout };
  }

  // ---- devices ---------------------------------------------------------------------------------

  async setLinkState(vm: string, alias: string, state: 'up' | 'down'): Promise<void> {
    const xml = await this.liveXml(vm);
    const nic = nicByAlias(parseDomainXml(xml), alias);
    if (!nic) throw new InvalidOperationError(`${vm} on ${this.hostName} has no interface with alias ${alias}`, this.hostName);
    if (nic.link === state) return;
    await this.virshWithFile(interfaceXmlWithLink(xml, alias, state), (file) => ['update-device', '--domain', vm, '--file', file, '--live']);
    const done = await this.pollUntil(Date.now() + this.timeoutMs, async () => nicByAlias(await this.liveDescription(vm), alias)?.link === state);
    if (!done) throw new TimedOutError(`${vm} on ${this.hostName}: link of ${alias} did not turn ${state} within ${this.timeoutMs} ms`, this.hostName);
  }

  /**
   * Also removes the interface from the persistent definition: `migrate --persistent` sends the source's
   * definition, and a VF detached only live would come back on the destination with the source's PCI address.
   */
  async detachInterface(vm: string, alias: string, opts: { deadlineMs: number }): Promise<void> {
    const deadline = Date.now() + opts.deadlineMs;
    const inLive = await this.requestDetach(vm, alias).catch((err: unknown) => {
      // The device left between our look and our request (an earlier unplug completing): look again.
      if (err instanceof InvalidOperationError && err.message.includes('no device found with alias')) {
        this.log.info('the device left between our look and our detach request: looking again', { host: this.hostName, vm, alias, error: err.message });
        return this.requestDetach(vm, alias);
      }
      throw err;
    });
    if (!inLive) return;
    // detach-device-alias only asks the guest; the device is gone once libvirt saw QEMU's DEVICE_DELETED.
    const gone = await this.pollUntil(deadline, async () => nicByAlias(await this.liveDescription(vm), alias) === null);
    if (!gone) {
      throw new DeviceStuckError(
        `${vm} on ${this.hostName} did not release ${alias} within ${opts.deadlineMs} ms (guest paused or unresponsive?); ` +
          'the unplug request stays pending and may still complete later',
        this.hostName,
      );
    }
  }

  /** Asks libvirt to remove the interface wherever it still is; says whether the live domain had it. */
  private async requestDetach(vm: string, alias: string): Promise<boolean> {
    const { live, config } = await this.look(vm);
    const inLive = nicByAlias(live, alias) !== null;
    const inConfig = config !== null && nicByAlias(config, alias) !== null;
    const scopes = [...(inLive ? ['--live'] : []), ...(inConfig ? ['--config'] : [])];
    // libvirt checks every scope before touching any, so a failed request changed nothing.
    if (scopes.length > 0) await this.virsh(['detach-device-alias', '--domain', vm, '--alias', alias, ...scopes]);
    return inLive;
  }

  async attachPrimary(vm: string, primary: PrimarySpec, opts: { deadlineMs: number }): Promise<void> {
    const deadline = Date.now() + opts.deadlineMs;
    const inLive = await this.requestAttach(vm, primary).catch((err: unknown) => {
      // Another attempt attached it between our look and our request: look again.
      if (err instanceof InvalidOperationError && err.message.includes('non unique alias')) {
        this.log.info('the primary was attached between our look and our attach request: looking again', {
          host: this.hostName,
          vm,
          alias: primary.alias,
          error: err.message,
        });
        return this.requestAttach(vm, primary);
      }
      throw err;
    });
    if (inLive) return;
    const present = await this.pollUntil(deadline, async () => primaryIn(await this.liveDescription(vm), primary) !== null);
    if (!present) {
      throw new TimedOutError(`${vm} on ${this.hostName}: ${primary.alias} was attached but is not in the live XML after ${opts.deadlineMs} ms`, this.hostName);
    }
  }

  /** Attaches the primary wherever it is missing (live, persistent definition); says whether the live domain had it. */
  private async requestAttach(vm: string, primary: PrimarySpec): Promise<boolean> {
    const { xml, live, config } = await this.look(vm);
    const inLive = primaryIn(live, primary) !== null;
    const inConfig = config === null || (await this.configPrimaryCurrent(vm, config, primary));
    if (inLive && inConfig) return true;
    const device = primaryInterfaceXml(primary, this.primaryMode, this.standbyTemplate(vm, xml, primary));
    const scopes = [...(inLive ? [] : ['--live']), ...(inConfig ? [] : ['--config'])];
    await this.virshWithFile(device, (file) => ['attach-device', '--domain', vm, '--file', file, ...scopes]);
    return inLive;
  }

  /** The emulated primary is modelled on the standby (its type and source); a real VF needs no template. */
  private standbyTemplate(vm: string, xml: string, primary: PrimarySpec): string | null {
    if (this.primaryMode === 'hostdev') return null;
    const standby = interfaceXml(xml, primary.standbyAlias);
    if (standby === null) {
      throw new InvalidOperationError(`${vm} on ${this.hostName} has no standby interface ${primary.standbyAlias} to team the primary with`, this.hostName);
    }
    return standby;
  }

  /**
   * True when the persistent definition already holds this very primary. A stale one (e.g. the source's
   * VF, carried over by `migrate --persistent`) is removed so the new one replaces it.
   */
  private async configPrimaryCurrent(vm: string, config: DomainDescription, primary: PrimarySpec): Promise<boolean> {
    const nic = primaryIn(config, primary);
    if (nic === null) return false;
    if (sameBacking(nic, primary, this.primaryMode)) return true;
    if (nic.alias === null) {
      throw new InvalidOperationError(`${vm} on ${this.hostName}: the persistent definition holds another primary without an alias; remove it by hand`, this.hostName);
    }
    await this.virsh(['detach-device-alias', '--domain', vm, '--alias', nic.alias, '--config']);
    return false;
  }

  // ---- migration -------------------------------------------------------------------------------

  async migrate(vm: string, target: MigrationTarget, opts: MigrateOptions, hooks: MigrateHooks): Promise<MigrationResult> {
    if ((await this.locate(vm, target)) === 'target') {
      return { durationMs: 0, dataProcessedBytes: 0, downtimeMs: null, alreadyThere: true };
    }
    const job = await this.migrationJob(vm);
    if (job === null && hooks.signal.aborted) throw this.abortedError(vm, target);
    return this.runMigration(vm, target, hooks, job === null ? await this.startMigration(vm, target, opts) : null);
  }

  async migrationJob(vm: string): Promise<MigrationProgress | null> {
    try {
      return migrationOutProgress(parseJobInfo(await this.virsh(['domjobinfo', '--domain', vm, '--rawstats'])));
    } catch (err) {
      // Gone, or shut off while a finished migration is being cleaned up: no job either way.
      if (err instanceof VmNotFoundError || err instanceof InvalidOperationError) {
        this.log.debug('no migration job: the VM is gone or not running', { host: this.hostName, vm, error: err.message });
        return null;
      }
      throw err;
    }
  }

  /** Aborts the migration job (if any) and waits until libvirt no longer reports it. */
  async abortMigration(vm: string): Promise<void> {
    if ((await this.migrationJob(vm)) === null) return;
    await this.requestAbort(vm);
    const over = await this.pollUntil(Date.now() + this.timeoutMs, async () => (await this.migrationJob(vm)) === null);
    if (!over) throw new TimedOutError(`the migration job of ${vm} on ${this.hostName} was still running ${this.timeoutMs} ms after domjobabort`, this.hostName);
  }

  async setMigrationMaxDowntime(vm: string, downtimeMs: number): Promise<void> {
    await this.virsh(['migrate-setmaxdowntime', '--domain', vm, '--downtime', String(Math.max(1, Math.round(downtimeMs)))]);
  }

  async startPostcopy(vm: string): Promise<void> {
    // Marked first: if virsh fails after libvirt switched, the job is in post-copy all the same.
    this.postcopy.add(vm);
    try {
      await this.virsh(['migrate-postcopy', '--domain', vm]);
    } catch (err) {
      if (!(await this.inPostcopy(vm))) this.postcopy.delete(vm);
      throw err;
    }
  }

  /** The source says post-copy in its state reason (`paused (post-copy)`, `paused (post-copy failed)`). */
  private async inPostcopy(vm: string): Promise<boolean> {
    return /post-copy/.test(await this.stateReason(vm).catch(() => ''));
  }

  private async stateReason(vm: string, on?: MigrationTarget): Promise<string> {
    const out = await this.virsh(['domstate', '--domain', vm, '--reason'], on);
    return out.trim().split('\n')[0]?.trim() ?? '';
  }

  /** What libvirt says of the VM on both hosts, for a person to act on after post-copy failed. */
  private async postcopyFailure(vm: string, target: MigrationTarget, cause: string): Promise<PostcopyFailedError> {
    const [here, there] = await Promise.all([this.stateReason(vm).catch(describeFailure), this.stateReason(vm, target).catch(describeFailure)]);
    this.postcopy.delete(vm);
    return new PostcopyFailedError(
      `post-copy migration of ${vm} from ${this.hostName} to ${target.host} failed after the switch (${cause}); it cannot go back to ${this.hostName}. libvirt says: ${this.hostName}: ${here}; ${target.host}: ${there}. Recover it by hand (virsh migrate --postcopy-resume, or destroy and restart it)`,
      this.hostName,
    );
  }

  /** Where the VM runs now: here (also mid-migration) or already on the target. */
  private async locate(vm: string, target: MigrationTarget): Promise<'here' | 'target'> {
    const here = await this.state(vm).catch(notFoundAsNull);
    if (here === 'running' || here === 'paused') return 'here';
    const there = await this.targetState(vm, target).catch(notFoundAsNull);
    if (there === 'running' || there === 'paused') return 'target';
    if (here !== null) {
      throw new InvalidOperationError(`${vm} is ${here} on ${this.hostName}: only a running VM can be live-migrated`, this.hostName);
    }
    throw new VmNotFoundError(`${vm} is neither on ${this.hostName} nor on ${target.host}`, this.hostName);
  }

  private async startMigration(vm: string, target: MigrationTarget, opts: MigrateOptions): Promise<MigrateProcess> {
    // libvirt 9's `virsh migrate` has no downtime option; set before the job starts, QEMU keeps it for the job.
    if (opts.maxDowntimeMs !== undefined) {
      await this.virsh(['migrate-setmaxdowntime', '--domain', vm, '--downtime', String(Math.round(opts.maxDowntimeMs))]);
    }
    const args = migrateArgs(vm, target.uri, opts);
    const proc: MigrateProcess = { startedAt: Date.now(), exited: false, error: null, done: Promise.resolve() };
    proc.done = this.sessions.runProcess(args, MIGRATE_PROCESS_TIMEOUT_MS).then(
      () => void (proc.exited = true),
      (err: unknown) => {
        proc.exited = true;
        proc.error = err instanceof HypervisorError ? err : new MigrationFailedError(String(err), this.hostName);
      },
    );
    return proc;
  }

  /** Watches the job (ours: `proc`; an earlier attempt's: null) until it is over, then decides the outcome. */
  private async runMigration(vm: string, target: MigrationTarget, hooks: MigrateHooks, proc: MigrateProcess | null): Promise<MigrationResult> {
    const watched = await this.watchJob(vm, hooks, proc);
    const here = await this.state(vm).catch(notFoundAsNull);
    // A worker that restarted after the switch has no mark: the source's state reason still says post-copy.
    const switched = this.postcopy.has(vm) || (here === 'paused' && (await this.inPostcopy(vm)));
    if (switched && (here !== null || proc?.error)) {
      // Post-copy ends with the VM gone from here; anything else (still defined here, or virsh failing) failed.
      if (here !== null || (await this.targetState(vm, target).catch(notFoundAsNull)) !== 'running') {
        throw await this.postcopyFailure(vm, target, proc?.error?.message ?? `the VM is still ${here ?? 'defined'} on ${this.hostName}`);
      }
    }
    this.postcopy.delete(vm);
    if (here === 'running' || here === 'paused') {
      // Our `virsh migrate` lost a race with another attempt's job, or timed out while libvirtd carries on.
      if (!hooks.signal.aborted && (await this.migrationJob(vm)) !== null) return this.runMigration(vm, target, hooks, null);
      throw this.failure(vm, target, proc?.error ?? null, hooks.signal.aborted);
    }
    return this.arrived(vm, target, watched);
  }

  /** Polls the job, reporting progress; while `signal` is aborted, asks libvirt to abort on every round. */
  private async watchJob(vm: string, hooks: MigrateHooks, proc: MigrateProcess | null): Promise<Watched> {
    const watched: Watched = { startedAt: proc?.startedAt ?? null, last: null };
    const abortFired = abortPromise(hooks.signal);
    for (;;) {
      if (hooks.signal.aborted && !proc?.exited) {
        // Asked again on the next round; the outcome is decided from where the VM runs, not from this call.
        await this.requestAbort(vm).catch((err: unknown) => this.log.warn('domjobabort failed; asking again on the next round', { host: this.hostName, vm, error: message(err) }));
      }
      if (proc?.exited) return watched;
      // While our `virsh migrate` runs, its end (not a poll) says when the job is over: a failed poll only costs one progress report.
      const job = proc
        ? await this.migrationJob(vm).catch((err: unknown) => {
            this.log.warn('could not read the migration job; waiting for virsh migrate to end', { host: this.hostName, vm, error: message(err) });
            return null;
          })
        : await this.migrationJob(vm);
      if (job !== null) {
        watched.startedAt ??= Date.now() - job.elapsedMs;
        watched.last = job;
        hooks.onProgress(job);
      } else if (!proc) {
        return watched;
      }
      // Once aborted, abortFired is settled for good: only the timer (or the process ending) paces the loop.
      const wakers = [...(hooks.signal.aborted ? [] : [abortFired]), ...(proc ? [proc.done] : [])];
      await Promise.race([sleep(this.progressMs), ...wakers]);
    }
  }

  private async requestAbort(vm: string): Promise<void> {
    try {
      await this.virsh(['domjobabort', '--domain', vm]);
    } catch (err) {
      // "no job is active on the domain": it ended (or has not started) meanwhile.
      if (!(err instanceof InvalidOperationError || err instanceof VmNotFoundError)) throw err;
      this.log.debug('no migration job to abort', { host: this.hostName, vm, error: err.message });
    }
  }

  /** The VM left this host: confirm it runs on the target and take the downtime from its completed job. */
  private async arrived(vm: string, target: MigrationTarget, watched: Watched): Promise<MigrationResult> {
    const there = await this.targetState(vm, target).catch(notFoundAsNull);
    if (there !== 'running' && there !== 'paused') {
      throw new MigrationFailedError(`${vm} left ${this.hostName} but does not run on ${target.host} (state there: ${there ?? 'not defined'})`, this.hostName);
    }
    const stats = await this.virsh(['domjobinfo', '--domain', vm, '--completed', '--keep-completed', '--rawstats'], target)
      .then(parseJobInfo)
      // The VM runs on the target, which is what counts; only the figures of the report are lost.
      .catch((err: unknown) => {
        this.log.warn('arrived, but the completed job could not be read on the target: no downtime figure', { host: this.hostName, vm, target: target.host, error: message(err) });
        return null;
      });
    return {
      durationMs: watched.startedAt === null ? (stats?.values.time_elapsed ?? 0) : Date.now() - watched.startedAt,
      dataProcessedBytes: stats?.values.data_processed ?? watched.last?.dataProcessedBytes ?? 0,
      downtimeMs: stats?.values.downtime ?? null,
      alreadyThere: false,
    };
  }

  /** The VM still runs here: the migration was aborted, could not reach the target, or failed. */
  private failure(vm: string, target: MigrationTarget, error: HypervisorError | null, abortRequested: boolean): HypervisorError {
    if (abortRequested || error instanceof MigrationAbortedError) return this.abortedError(vm, target);
    const reason = error?.message ?? 'the migration job ended without a result (libvirt keeps no reason for a job it did not report to us)';
    if (error instanceof ConnectionFailedError && this.lostOwnConnection(error)) {
      return new ConnectionFailedError(`lost the connection to libvirtd on ${this.hostName} while migrating ${vm} to ${target.host}: ${reason}`, this.hostName);
    }
    if (error instanceof ConnectionFailedError) {
      return new ConnectionFailedError(`${this.hostName} could not reach ${target.host} (${target.uri}) to migrate ${vm}: ${reason}`, target.host);
    }
    return new MigrationFailedError(`migration of ${vm} from ${this.hostName} to ${target.host} failed; it keeps running on ${this.hostName}: ${reason}`, this.hostName);
  }

  /** virsh's own connection (not libvirtd's p2p connection to the target) broke. */
  private lostOwnConnection(error: ConnectionFailedError): boolean {
    return error.message.includes('failed to connect to the hypervisor') || error.message.includes(`Disconnected from ${this.uri}`);
  }

  private abortedError(vm: string, target: MigrationTarget): MigrationAbortedError {
    return new MigrationAbortedError(`migration of ${vm} from ${this.hostName} to ${target.host} was aborted; it keeps running on ${this.hostName}`, this.hostName);
  }

  // ---- small virsh helpers ---------------------------------------------------------------------

  /** One virsh command in a session to this host (or a migration target): its stdout, or its error classified. */
  private async virsh(args: string[], on: VirshEndpoint = { uri: this.uri, host: this.hostName }): Promise<string> {
    const { stdout, stderr } = await this.sessionsTo(on).run([args], this.timeoutMs);
    const errors = sessionErrors(stderr);
    if (errors !== null) throw classifyVirshError(errors, on.host, `virsh ${args.join(' ')}`);
    return stdout;
  }

  /** A target is only asked where the VM went and how its job ended: one session each is plenty. */
  private sessionsTo(on: VirshEndpoint): VirshRunner {
    if (on.uri === this.uri) return this.sessions;
    let runner = this.targets.get(on.uri);
    if (!runner) this.targets.set(on.uri, (runner = this.connect(on, 1)));
    return runner;
  }

  private virshWithFile(xml: string, args: (file: string) => string[]): Promise<string> {
    return withXmlFile(xml, (file) => this.virsh(args(file)));
  }

  private liveXml(vm: string): Promise<string> {
    return this.virsh(['dumpxml', '--domain', vm]);
  }

  private async liveDescription(vm: string): Promise<DomainDescription> {
    return parseDomainXml(await this.liveXml(vm));
  }

  /** The live domain and, when it is persistent, its definition (read in parallel: three virsh calls). */
  private async look(vm: string): Promise<{ xml: string; live: DomainDescription; config: DomainDescription | null }> {
    const [xml, info, inactive] = await Promise.all([
      this.liveXml(vm),
      this.virsh(['dominfo', '--domain', vm]),
      this.virsh(['dumpxml', '--domain', vm, '--inactive']),
    ]);
    // A transient domain has no definition to keep in step (its --inactive XML is the live one).
    const persistent = /^Persistent:\s+yes$/m.test(info);
    return { xml, live: parseDomainXml(xml), config: persistent ? parseDomainXml(inactive) : null };
  }

  private async state(vm: string): Promise<RunState> {
    return runState(await this.virsh(['domstate', '--domain', vm]));
  }

  private async targetState(vm: string, target: MigrationTarget): Promise<RunState> {
    return runState(await this.virsh(['domstate', '--domain', vm], target));
  }

  /** Checks until `check` holds or `deadline` (epoch ms) passes; checks at least once. */
  private async pollUntil(deadline: number, check: () => Promise<boolean>): Promise<boolean> {
    for (;;) {
      if (await check()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(this.pollMs, left));
    }
  }
}

interface MigrateProcess {
  startedAt: number;
  exited: boolean;
  error: HypervisorError | null;
  done: Promise<void>;
}

interface Watched {
  /** Epoch ms the job started (ours: when we ran virsh; followed: derived from its elapsed time). */
  startedAt: number | null;
  last: MigrationProgress | null;
}

// ---- async helpers -------------------------------------------------------------------------------

function describeFailure(err: unknown): string {
  return `unknown (${message(err)})`;
}

function notFoundAsNull(err: unknown): null {
  if (err instanceof VmNotFoundError) return null;
  throw err;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function abortPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
