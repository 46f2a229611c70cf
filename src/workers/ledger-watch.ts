import type { Logger } from '../util/logger.js';
import type { VfPool } from '../vf/pool.js';
import { PeriodicLook } from './periodic-look.js';

export interface LedgerWatchOptions {
  pool: Pick<VfPool, 'host' | 'reclaimLeft'>;
  everyMs: number;
  /** Whether a run (by workflow id) is open. */
  isOpen(workflowId: string): Promise<boolean>;
  log: Logger;
}

/**
 * A host worker's look at its own VF ledger, when it starts and then every `everyMs`: bookings of VMs
 * that left the host and whose run has ended are taken back, each with a log line saying why. Only this
 * worker writes the ledger, so a booking its run could not release (a source's release failing after
 * the pivot) is this worker's to reclaim; the run's report says that it will be.
 */
export class LedgerWatch {
  private readonly looks: PeriodicLook;

  constructor(private readonly opts: LedgerWatchOptions) {
    const { pool, log } = opts;
    this.looks = new PeriodicLook(opts.everyMs, () => this.pass(), (err) => {
      log.warn(`looking for VF bookings of VMs that left ${pool.host} failed: ${err instanceof Error ? err.message : String(err)}`, { host: pool.host });
    });
  }

  /** One look; returns the VMs whose bookings were taken back. */
  async pass(): Promise<string[]> {
    const { pool, log } = this.opts;
    const taken = await pool.reclaimLeft((id) => this.opts.isOpen(id));
    for (const { booking: b, why } of taken) {
      log.warn(`reclaimed VF ${b.vfId ?? '(memory only)'} on ${pool.host}, booked (${b.state}) for ${b.vm} by ${b.owner}: ${why}`, {
        host: pool.host,
        vm: b.vm,
        vf: b.vfId,
        owner: b.owner,
        state: b.state,
        decision: 'reclaimed',
      });
    }
    return taken.map((t) => t.booking.vm);
  }

  /** Looks now, then every `everyMs` (never two at once; a failed look is logged, not fatal). */
  start(): void {
    this.looks.start();
  }

  async stop(): Promise<void> {
    await this.looks.stop();
  }
}
