/**
 * A host worker's look at its host, now and then every `everyMs`: a look never overlaps the one before,
 * and a failed look is logged (by `failed`), not fatal: the next one may well succeed.
 */
export class PeriodicLook {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly everyMs: number,
    private readonly look: () => Promise<unknown>,
    private readonly failed: (err: unknown) => void,
  ) {}

  start(): void {
    const next = () => {
      this.running = this.running.then(this.look).catch(this.failed);
    };
    next();
    this.timer = setInterval(next, this.everyMs);
    this.timer.unref();
  }

  /** Waits for a look under way: whatever it reads (a ledger, a pool) may be closed right after. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
