import type { MetricGauge, MetricMeter } from '@temporalio/common';
import { gauge, metrics, vfPoolRefreshMs, type vfPoolStates } from '../telemetry/metrics.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { PoolStatus, VfPool } from '../vf/pool.js';

/** What `vfmigrate_vf_pool_vfs` says for a pool: one value per state. */
export function poolGaugeValues(status: PoolStatus): Record<(typeof vfPoolStates)[number], number> {
  return { free: status.free, reserved: status.incoming, attached: status.attached };
}

/**
 * Keeps one host's `vfmigrate_vf_pool_vfs` current: read after each activity the host worker ran (bookings
 * and releases happen in activities) and every `vfPoolRefreshMs` (a VM defined or removed by hand shows
 * too). One read at a time, and at most one more queued behind it, however many activities end at once.
 */
export class VfPoolGauges {
  private readonly gauge: MetricGauge;
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: VfPool,
    meter: MetricMeter,
    private readonly log: Logger = silentLogger,
  ) {
    this.gauge = gauge(meter, metrics.vfPool);
  }

  start(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), vfPoolRefreshMs);
    this.timer.unref();
  }

  refresh(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read().finally(() => {
      this.reading = null;
      if (!this.again) return;
      this.again = false;
      this.refresh();
    });
  }

  /** Before the pool is closed: a read after it would find the ledger given up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.reading;
  }

  private async read(): Promise<void> {
    try {
      const values = poolGaugeValues(await this.pool.status());
      for (const [state, value] of Object.entries(values)) this.gauge.set(value, { host: this.pool.host, state });
    } catch (err) {
      // The gauge keeps its last value; the next activity or tick tries again.
      this.log.warn('could not read the VF pool for its metrics', { host: this.pool.host, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
