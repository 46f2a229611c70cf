import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatZodIssues } from '../config/zod-problems.js';
import { CorruptLedgerError } from './errors.js';
import { LedgerLock } from './ledger-lock.js';

export const bookingSchema = z.object({
  /** null: memory only, for a VM without a VF (plans/plain-live-migration.yaml). */
  vfId: z.string().nullable(),
  vm: z.string(),
  /** reserved: booked for a VM on its way here; attached: the VM holds it. */
  state: z.enum(['reserved', 'attached']),
  /** Memory the VM will need here while it is on its way (counted against free memory). */
  memoryMiB: z.number(),
  /** The run that booked it (workflow id), for operators and lease checks. */
  owner: z.string(),
  at: z.string(),
});
export type Booking = z.infer<typeof bookingSchema>;

/** Where a host keeps its VF bookings. Survives worker restarts when file-backed. */
export interface VfLedger {
  read(): Promise<Booking[]>;
  write(bookings: Booking[]): Promise<void>;
  /** Makes this object the ledger's only writer, across processes, until unlock; refuses (LedgerLockedError) naming the holder. */
  lock(): Promise<void>;
  unlock(): Promise<void>;
  /** Moves an unreadable ledger aside, kept for a post-mortem, so it can be rebuilt; returns where, or null when it reads. */
  setAsideIfCorrupt(): Promise<string | null>;
}

/** The command that rebuilds a host's ledger from libvirt, as an operator would type it. */
export function rebuildCommand(host: string, hostsFile: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(hostsFile) ? hostsFile : `'${hostsFile.replace(/'/g, `'\\''`)}'`;
  return `vfmigrate ledger rebuild --host ${host} --hosts ${quoted}`;
}

/** A process's own bookings (model hosts): nobody else can write them, so the lock is nothing. */
export class MemoryLedger implements VfLedger {
  private bookings: Booking[] = [];
  read(): Promise<Booking[]> {
    return Promise.resolve(this.bookings.map((b) => ({ ...b })));
  }
  write(bookings: Booking[]): Promise<void> {
    this.bookings = bookings.map((b) => ({ ...b }));
    return Promise.resolve();
  }
  lock(): Promise<void> {
    return Promise.resolve();
  }
  unlock(): Promise<void> {
    return Promise.resolve();
  }
  setAsideIfCorrupt(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

/**
 * A JSON file, written only under its lock (`FILE.lock`, see ledger-lock.ts) and replaced atomically and
 * durably: a uniquely named temporary file, fsynced, renamed over the ledger, then the directory fsynced,
 * so neither a crash nor a power loss leaves half a ledger or an empty one.
 */
export class FileLedger implements VfLedger {
  private held: LedgerLock | null = null;

  constructor(
    readonly file: string,
    /** What an operator runs when the file is corrupt (named in the error). */
    private readonly rebuild = 'vfmigrate ledger rebuild --host HOST --hosts FILE',
  ) {}

  get lockFile(): string {
    return `${this.file}.lock`;
  }

  async read(): Promise<Booking[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    if (!text.trim()) throw this.corrupt('the file is empty');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw this.corrupt(`not JSON: ${(err as Error).message}`);
    }
    const parsed = z.array(bookingSchema).safeParse(data);
    if (!parsed.success) {
      const problems = formatZodIssues(parsed.error.issues);
      throw this.corrupt(`not a list of bookings: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}`);
    }
    return parsed.data;
  }

  async write(bookings: Booking[]): Promise<void> {
    if (!this.held) throw new Error(`${this.file}: written without its lock (a VfPool must be open()ed first)`);
    // Unique per write, not per process: two writes in flight here must never share (and rename away) one file.
    const tmp = `${this.file}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      const handle = await open(tmp, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify(bookings, null, 2));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDirectory(path.dirname(this.file));
  }

  async lock(): Promise<void> {
    if (this.held) throw new Error(`${this.file}: locked twice by the same ledger`);
    this.held = await LedgerLock.acquire(this.lockFile);
    // Temporary files left by a crash: now that nobody else writes here, none of them is in flight.
    const dir = path.dirname(this.file);
    const base = path.basename(this.file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const stray = new RegExp(`^${base}\\.[0-9a-f]+\\.tmp$`);
    await Promise.all((await readdir(dir)).filter((f) => stray.test(f)).map((f) => rm(path.join(dir, f), { force: true })));
  }

  async unlock(): Promise<void> {
    const held = this.held;
    this.held = null;
    await held?.release();
  }

  async setAsideIfCorrupt(): Promise<string | null> {
    if (!this.held) throw new Error(`${this.file}: set aside without its lock`);
    try {
      await this.read();
      return null;
    } catch (err) {
      if (!(err instanceof CorruptLedgerError)) throw err;
    }
    const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/:/g, '-')}`;
    await rename(this.file, aside);
    await syncDirectory(path.dirname(this.file));
    return aside;
  }

  private corrupt(problem: string): CorruptLedgerError {
    return new CorruptLedgerError(this.file, problem, this.rebuild);
  }
}

/** A rename is durable only once its directory is on disk too. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
