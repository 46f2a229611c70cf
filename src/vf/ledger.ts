import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const bookingSchema = z.object({
  vfId: z.string(),
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
}

export class MemoryLedger implements VfLedger {
  private bookings: Booking[] = [];
  read(): Promise<Booking[]> {
    return Promise.resolve(this.bookings.map((b) => ({ ...b })));
  }
  write(bookings: Booking[]): Promise<void> {
    this.bookings = bookings.map((b) => ({ ...b }));
    return Promise.resolve();
  }
}

/** A JSON file, replaced atomically (write then rename) so a crash never leaves half a ledger. */
export class FileLedger implements VfLedger {
  constructor(private readonly file: string) {}

  async read(): Promise<Booking[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return z.array(bookingSchema).parse(JSON.parse(text));
  }

  async write(bookings: Booking[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(bookings, null, 2));
    await rename(tmp, this.file);
  }
}
