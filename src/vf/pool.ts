import type { VfRef } from '../domain/vf-ref.js';
import type { Hypervisor } from '../hypervisor/hypervisor.js';
import { IncomingLimitError, InsufficientMemoryError, NoFreeVfError } from '../errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { Serial } from '../util/serial.js';
import { CorruptLedgerError } from './errors.js';
import type { Booking, VfLedger } from './ledger.js';
import type { VfProvider } from './provider.js';

export interface ReserveRequest {
  vm: string;
  owner: string;
  memoryMiB: number;
  freeMemoryMiB: () => Promise<number>;
  /** Refuse when this many VMs are already on their way here (across every run that books here). */
  maxIncoming?: number;
  /**
   * Whether the run that owns a booking is still alive. A reservation is a lease: one whose run ended
   * without releasing it (terminated, crashed past its compensations) is taken back.
   */
  ownerAlive?: (owner: string) => Promise<boolean>;
}

/** Reservations younger than this are never taken back: their run may not have started yet. */
export const leaseGraceMs = 60_000;

export interface PoolStatus {
  total: number;
  free: number;
  /** Memory promised to VMs on their way here. */
  reservedMemoryMiB: number;
  /** VMs booked to arrive here and not yet attached. */
  incoming: number;
  /** VFs held by VMs on this host, as booked. */
  attached: number;
}

/**
 * One host's VFs and who holds them. Every change goes through one serial section, so two migrations
 * targeting this host at once can never book the same VF or promise the same memory twice. Bookings are
 * keyed by VM, which makes every call idempotent: a retried reservation gets the VF it already has.
 */
export class VfPool {
  private readonly serial = new Serial();
  private opened: Promise<void> | null = null;

  constructor(
    readonly host: string,
    private readonly provider: VfProvider,
    private readonly ledger: VfLedger,
    /** The host's domains: who holds a VF right now (including VMs vfmigrate never saw), and who is here at all. */
    private readonly hypervisor: Pick<Hypervisor, 'vfHolders' | 'listVms'>,
    /** Where the pool says which bookings it took back, took over or found on the host. */
    private readonly log: Logger = silentLogger,
  ) {}

  /**
   * Makes this process the only writer of the host's ledger (a second worker for the host refuses here,
   * naming the first) and checks that the ledger reads, so a worker with a corrupt ledger refuses to start
   * instead of failing its first booking. Idempotent until close().
   */
  open(): Promise<void> {
    this.opened ??= (async () => {
      await this.ledger.lock();
      try {
        await this.ledger.read();
      } catch (err) {
        await this.ledger.unlock();
        throw err;
      }
    })().catch((err: unknown) => {
      this.opened = null;
      throw err;
    });
    return this.opened;
  }

  /** Lets another process write the ledger, once the bookings in progress here are written. */
  async close(): Promise<void> {
    const opened = this.opened;
    if (!opened) return;
    this.opened = null;
    // A failed open() already threw to its caller, and left nothing locked to give back.
    await opened.catch(() => undefined);
    await this.serial.run(() => this.ledger.unlock());
  }

  /**
   * Rebuilds the ledger from libvirt: an unreadable one is set aside (kept for a post-mortem) and replaced
   * by what running domains hold, as attached; a readable one is only reconciled, its reservations kept.
   * Takes the lock as a worker does, so it refuses while this host's worker runs. libvirt is asked before
   * anything moves: when it cannot answer, the ledger stays as it was (and the worker keeps refusing).
   */
  async rebuild(): Promise<{ bookings: Booking[]; setAside: string | null }> {
    await this.ledger.lock();
    try {
      return await this.serial.run(async () => {
        // Not swallowed: setAsideIfCorrupt below keeps the corrupt file, and the caller reports where.
        const recorded = this.ledger.read().catch((err: unknown) => {
          if (err instanceof CorruptLedgerError) return [];
          throw err;
        });
        const bookings = await this.reconciled(await this.provider.list(), recorded);
        const setAside = await this.ledger.setAsideIfCorrupt();
        await this.ledger.write(bookings);
        return { bookings, setAside };
      });
    } finally {
      await this.ledger.unlock();
    }
  }

  reserve(req: ReserveRequest): Promise<VfRef> {
    return this.reserveVfs(req, 1).then((vfs) => vfs[0]!);
  }

  /**
   * Books `count` VFs for `vm` (one per teamed pair), all or none: the choice and the single ledger write
   * happen in one serial section under the ledger's lock, so a refusal books nothing and two runs never
   * split the last VFs between them. VFs already booked for the VM count (a retry, or an evacuation's
   * claim for the migration it starts); the asking run takes them over.
   */
  reserveVfs(req: ReserveRequest, count: number): Promise<VfRef[]> {
    return this.serial.run(async () => {
      const vfs = await this.provider.list();
      let bookings = await this.expireLeases(await this.reconcile(vfs), req.ownerAlive);
      const existing = bookings.filter((b) => b.vm === req.vm && vfs.some((v) => v.id === b.vfId));
      // The run that asks now owns them (an evacuation books for the migration it then starts).
      const takenOver = existing.filter((b) => b.owner !== req.owner);
      if (takenOver.length) {
        this.log.info('a VF booking changes owner', { host: this.host, vm: req.vm, vf: takenOver.map((b) => b.vfId).join(','), from: takenOver[0]!.owner, to: req.owner });
        bookings = bookings.map((b) => (takenOver.includes(b) ? { ...b, owner: req.owner } : b));
      }
      const held = existing.map((b) => vfs.find((v) => v.id === b.vfId)!);
      if (held.length >= count) {
        if (takenOver.length) await this.ledger.write(bookings);
        return held.slice(0, count);
      }
      if (!existing.length) {
        const incoming = incomingVms(bookings);
        if (req.maxIncoming !== undefined && incoming >= req.maxIncoming) {
          throw new IncomingLimitError(`${this.host} already has ${incoming} VM(s) on their way in (limit ${req.maxIncoming})`);
        }
      }
      const booked = new Set(bookings.map((b) => b.vfId));
      const fresh = vfs.filter((v) => !booked.has(v.id)).slice(0, count - held.length);
      if (fresh.length < count - held.length) {
        const wanted = count === 1 ? '' : ` (${count} VFs, one per teamed pair, ${held.length} already booked)`;
        throw new NoFreeVfError(`${this.host} has no free VF for ${req.vm}${wanted}: all ${vfs.length} are booked (${describe(bookings.filter((b) => b.vfId !== null))})`);
      }
      if (!existing.length) {
        const promised = sumReserved(bookings);
        const free = (await req.freeMemoryMiB()) - promised;
        if (free < req.memoryMiB) {
          throw new InsufficientMemoryError(
            `${this.host} has ${free} MiB free (after ${promised} MiB promised to incoming VMs); ${req.vm} needs ${req.memoryMiB} MiB`,
          );
        }
      }
      // A booking of a VF the pool no longer lists is replaced, not kept beside the new ones.
      const stale = bookings.filter((b) => b.vm === req.vm && !vfs.some((v) => v.id === b.vfId));
      await this.ledger.write([...bookings.filter((b) => !stale.includes(b)), ...fresh.map((vf) => booking(vf, req.vm, 'reserved', req.memoryMiB, req.owner))]);
      return [...held, ...fresh];
    });
  }

  /**
   * Books only memory, for a VM without a VF on its way here: the same lease, limits and memory check as
   * `reserve`, and it takes over the booking an evacuation made for the VM. Idempotent per VM.
   */
  reserveMemory(req: ReserveRequest): Promise<void> {
    return this.serial.run(async () => {
      const bookings = await this.expireLeases(await this.reconcile(await this.provider.list()), req.ownerAlive);
      const existing = bookings.find((b) => b.vm === req.vm);
      if (existing) {
        if (existing.owner !== req.owner) await this.ledger.write(bookings.map((b) => (b === existing ? { ...b, owner: req.owner } : b)));
        return;
      }
      const incoming = incomingVms(bookings);
      if (req.maxIncoming !== undefined && incoming >= req.maxIncoming) {
        throw new IncomingLimitError(`${this.host} already has ${incoming} VM(s) on their way in (limit ${req.maxIncoming})`);
      }
      const promised = sumReserved(bookings);
      const free = (await req.freeMemoryMiB()) - promised;
      if (free < req.memoryMiB) {
        throw new InsufficientMemoryError(`${this.host} has ${free} MiB free (after ${promised} MiB promised to incoming VMs); ${req.vm} needs ${req.memoryMiB} MiB`);
      }
      await this.ledger.write([...bookings, { vfId: null, vm: req.vm, state: 'reserved', memoryMiB: req.memoryMiB, owner: req.owner, at: new Date().toISOString() }]);
    });
  }

  /**
   * The VF `vm` holds here, booked as attached: by its PCI address, or (emulated, no address) the VF
   * already booked for it or a free one. Preflight calls this so a rollback can put back exactly that VF.
   */
  adopt(vm: string, pciAddress: string | null, owner: string): Promise<VfRef> {
    return this.adoptAll(vm, [pciAddress], owner).then((vfs) => vfs[0]!);
  }

  /** adopt() for every VF the VM holds (one per teamed pair, in pair order), in one ledger write. */
  adoptAll(vm: string, pciAddresses: (string | null)[], owner: string): Promise<VfRef[]> {
    return this.serial.run(async () => {
      const [vfs, bookings] = await Promise.all([this.provider.list(), this.ledger.read()]);
      const found: VfRef[] = [];
      for (const address of pciAddresses) {
        const vf = this.heldBy(vm, address, vfs, bookings, found);
        if (!vf) throw new NoFreeVfError(`${this.host}: ${vm} holds a VF this host's pool does not list, and none is free to record it as`);
        found.push(vf);
      }
      const missing = found.filter((vf) => !bookings.some((b) => b.vm === vm && b.vfId === vf.id));
      if (missing.length) {
        const ids = new Set(found.map((vf) => vf.id));
        await this.ledger.write([...bookings.filter((b) => b.vm !== vm || (b.vfId !== null && ids.has(b.vfId))), ...missing.map((vf) => booking(vf, vm, 'attached', 0, owner))]);
      }
      return found;
    });
  }

  /**
   * Books, as attached, every VF a domain holds that the ledger does not know about, and drops attached
   * bookings of VMs no longer defined here (they left; their run could only have undone anything here
   * while they were still here). Reservations are left to their leases.
   */
  private async reconcile(vfs: VfRef[]): Promise<Booking[]> {
    const recorded = this.ledger.read();
    const bookings = await this.reconciled(vfs, recorded);
    const all = await recorded;
    if (bookings.length !== all.length || bookings.some((b, i) => b !== all[i])) {
      this.log.info('VF ledger brought in line with the host', {
        host: this.host,
        dropped: all.filter((b) => !bookings.includes(b)).map(summary),
        foundOnHost: bookings.filter((b) => !all.includes(b)).map(summary),
      });
      await this.ledger.write(bookings);
    }
    return bookings;
  }

  /** `recorded` reconciled with the host (see reconcile), without writing anything. */
  private async reconciled(vfs: VfRef[], recorded: Promise<Booking[]>): Promise<Booking[]> {
    const [holders, vms, all] = await Promise.all([this.hypervisor.vfHolders(), this.hypervisor.listVms(), recorded]);
    const here = new Set(vms.map((v) => v.name));
    const bookings = all.filter((b) => b.state === 'reserved' || here.has(b.vm));
    const added: Booking[] = [];
    // Per VM: as many bookings as VFs it holds (one per teamed pair); the ones it already has count.
    for (const holder of holders) {
      const all = [...bookings, ...added];
      const heldByVm = holders.filter((h) => h.vm === holder.vm).length;
      if (all.filter((b) => b.vm === holder.vm).length >= heldByVm) continue;
      const theirs = vfs.filter((v) => all.some((b) => b.vm === holder.vm && b.vfId === v.id));
      const vf = this.heldBy(holder.vm, holder.pciAddress, vfs, all, theirs);
      if (vf && !all.some((b) => b.vfId === vf.id)) added.push(booking(vf, holder.vm, 'attached', 0, 'found-on-host'));
    }
    return [...bookings, ...added];
  }

  /** The VF behind `pciAddress`; without one (emulated), one of the VM's bookings or a free VF, none of `taken`. */
  private heldBy(vm: string, pciAddress: string | null, vfs: VfRef[], bookings: Booking[], taken: VfRef[] = []): VfRef | null {
    if (pciAddress) return vfs.find((v) => v.pciAddress === pciAddress) ?? { id: pciAddress, kind: 'pci', pciAddress };
    const used = new Set(taken.map((v) => v.id));
    const mine = bookings.filter((b) => b.vm === vm && !(b.vfId !== null && used.has(b.vfId))).map((b) => vfs.find((v) => v.id === b.vfId)).find((v) => v !== undefined);
    const booked = new Set(bookings.map((b) => b.vfId));
    return mine ?? vfs.find((v) => !booked.has(v.id) && !used.has(v.id)) ?? null;
  }

  /** Drops reservations whose owning run has ended; attached bookings are facts about VMs and stay. */
  private async expireLeases(bookings: Booking[], ownerAlive: ReserveRequest['ownerAlive']): Promise<Booking[]> {
    if (!ownerAlive) return bookings;
    const now = Date.now();
    const candidates = bookings.filter((b) => b.state === 'reserved' && now - Date.parse(b.at) > leaseGraceMs);
    const dead = new Set<Booking>();
    for (const b of candidates) if (!(await ownerAlive(b.owner))) dead.add(b);
    if (!dead.size) return bookings;
    this.log.info('VF reservations taken back: the runs that made them have ended', { host: this.host, reservations: [...dead].map((b) => `${summary(b)} by ${b.owner} at ${b.at}`) });
    const kept = bookings.filter((b) => !dead.has(b));
    await this.ledger.write(kept);
    return kept;
  }

  /**
   * Takes back the bookings of VMs not defined on this host whose run has ended: a source's booking that
   * its run could not release (release-source-vf failing past the pivot) belongs to nothing once the run
   * is over, and only this host's worker may write the ledger. A booking whose run is open is the run's
   * to release; a reservation younger than `leaseGraceMs` may belong to a run not started yet. Returns
   * what it took back, each with why.
   */
  reclaimLeft(ownerAlive: (owner: string) => Promise<boolean>): Promise<{ booking: Booking; why: string }[]> {
    return this.serial.run(async () => {
      const [vms, bookings] = await Promise.all([this.hypervisor.listVms(), this.ledger.read()]);
      const here = new Set(vms.map((v) => v.name));
      const now = Date.now();
      const taken: { booking: Booking; why: string }[] = [];
      for (const b of bookings) {
        if (here.has(b.vm) || (b.state === 'reserved' && now - Date.parse(b.at) <= leaseGraceMs)) continue;
        if (await ownerAlive(b.owner)) continue;
        taken.push({ booking: b, why: `${b.vm} is not defined on ${this.host} and ${b.owner}, the run that booked it, has ended` });
      }
      if (taken.length) await this.ledger.write(bookings.filter((b) => !taken.some((t) => t.booking === b)));
      return taken;
    });
  }

  /** Frees `vm`'s booking only if `owner` holds it: an evacuation never frees what another run booked. */
  releaseIfOwner(vm: string, owner: string): Promise<boolean> {
    return this.serial.run(async () => {
      const bookings = await this.ledger.read();
      const mine = bookings.filter((b) => b.vm === vm && b.owner === owner && b.state === 'reserved');
      if (mine.length) await this.ledger.write(bookings.filter((b) => !mine.includes(b)));
      return mine.length > 0;
    });
  }

  /** Records that `vm` holds `vf` on this host (after an attach). */
  markAttached(vm: string, vf: VfRef, owner: string): Promise<void> {
    return this.markAllAttached(vm, [vf], owner);
  }

  /** Records that `vm` holds exactly these VFs on this host (after attaching every pair's). */
  markAllAttached(vm: string, vfs: VfRef[], owner: string): Promise<void> {
    return this.serial.run(async () => {
      const bookings = await this.ledger.read();
      const ids = new Set(vfs.map((vf) => vf.id));
      const holder = bookings.find((b) => b.vfId !== null && ids.has(b.vfId) && b.vm !== vm);
      if (holder) {
        throw new NoFreeVfError(`${this.host}: VF ${holder.vfId} is booked by ${holder.vm} (${holder.owner}); ${vm} cannot hold it too`);
      }
      const mine = bookings.filter((b) => b.vm === vm);
      if (mine.length === ids.size && mine.every((b) => b.vfId !== null && ids.has(b.vfId) && b.state === 'attached')) return;
      await this.ledger.write([...bookings.filter((b) => b.vm !== vm), ...vfs.map((vf) => booking(vf, vm, 'attached', 0, owner))]);
    });
  }

  /** Frees whatever `vm` holds or has booked here; nothing booked is not an error. */
  release(vm: string): Promise<Booking | null> {
    return this.serial.run(async () => {
      const bookings = await this.ledger.read();
      const mine = bookings.find((b) => b.vm === vm) ?? null;
      if (mine) await this.ledger.write(bookings.filter((b) => b.vm !== vm));
      return mine;
    });
  }

  async bookingOf(vm: string): Promise<{ booking: Booking; vf: VfRef | null } | null> {
    const [vfs, bookings] = await Promise.all([this.provider.list(), this.ledger.read()]);
    const booking = bookings.find((b) => b.vm === vm);
    return booking ? { booking, vf: vfs.find((v) => v.id === booking.vfId) ?? null } : null;
  }

  async status(): Promise<PoolStatus> {
    const vfs = await this.provider.list();
    const bookings = await this.serial.run(() => this.reconcile(vfs));
    const booked = new Set(bookings.map((b) => b.vfId));
    return {
      total: vfs.length,
      free: vfs.filter((v) => !booked.has(v.id)).length,
      reservedMemoryMiB: sumReserved(bookings),
      incoming: incomingVms(bookings),
      attached: bookings.filter((b) => b.state === 'attached').length,
    };
  }
}

function booking(vf: VfRef, vm: string, state: Booking['state'], memoryMiB: number, owner: string): Booking {
  return { vfId: vf.id, vm, state, memoryMiB, owner, at: new Date().toISOString() };
}

/** Memory promised to VMs on their way: once per VM, however many VFs (pairs) it has booked. */
function sumReserved(bookings: Booking[]): number {
  const perVm = new Map<string, number>();
  for (const b of bookings) if (b.state === 'reserved') perVm.set(b.vm, Math.max(perVm.get(b.vm) ?? 0, b.memoryMiB));
  return [...perVm.values()].reduce((sum, m) => sum + m, 0);
}

/** VMs booked to arrive (a VM with two pairs holds two bookings but is one VM on its way). */
function incomingVms(bookings: Booking[]): number {
  return new Set(bookings.filter((b) => b.state === 'reserved').map((b) => b.vm)).size;
}

function summary(b: Booking): string {
  return `${b.vm} ${b.vfId ?? 'memory only'} ${b.state}`;
}

function describe(bookings: Booking[]): string {
  const shown = bookings.slice(0, 5).map((b) => `${b.vfId ?? 'memory only'}: ${b.vm} ${b.state}`);
  return bookings.length > 5 ? `${shown.join(', ')}, …` : shown.join(', ');
}
