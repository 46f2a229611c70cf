import type { MetricGauge, MetricMeter } from '@temporalio/common';
import { findVmsToRepair } from '../activities/find-vms-to-repair.js';
import type { HostServices } from '../activities/host-services.js';
import { autoRepairAllowance, type RepairCandidate } from '../domain/repair-candidates.js';
import { gauge, metrics } from '../telemetry/metrics.js';
import type { Logger } from '../util/logger.js';
import { PeriodicLook } from './periodic-look.js';

/** The number a metrics exporter reads: how many VMs on this host needed repair at the last look. */
export interface RepairGauge {
  vmsNeedingRepair(): number;
}

export interface RepairWatchOptions {
  host: HostServices;
  everyMs: number;
  autoRepair: { enabled: boolean; maxPerHour: number };
  /** Whether a run (by workflow id) is open. */
  isOpen(workflowId: string): Promise<boolean>;
  /** Starts repairVm for a VM on this host; returns its workflow id. */
  startRepair(vm: string): Promise<string>;
  log: Logger;
  now?: () => number;
  /** Where `vfmigrate_vms_needing_repair` goes (the runtime's meter when metrics are served). */
  metrics?: MetricMeter;
}

/**
 * A host worker's look at its own VMs, when it starts and then every `everyMs`: each VM left with its
 * standby up or its primary missing, no run of its own open, gets a log line saying what was found and what
 * was decided; with auto-repair on, a repair is started for it, at most `maxPerHour` an hour.
 */
export class RepairWatch implements RepairGauge {
  private count = 0;
  private readonly started: number[] = [];
  private readonly looks: PeriodicLook;
  private readonly gauge: MetricGauge | null;

  constructor(private readonly opts: RepairWatchOptions) {
    this.gauge = opts.metrics ? gauge(opts.metrics, metrics.vmsNeedingRepair) : null;
    const { host, log } = opts;
    this.looks = new PeriodicLook(opts.everyMs, () => this.scan(), (err) => {
      log.warn(`looking for VMs that need repair on ${host.name} failed: ${err instanceof Error ? err.message : String(err)}`, { host: host.name });
    });
  }

  vmsNeedingRepair(): number {
    return this.count;
  }

  /** One look: the VMs needing repair, each logged with the decision taken. */
  async scan(): Promise<RepairCandidate[]> {
    const { host, autoRepair, log } = this.opts;
    const candidates = await findVmsToRepair(host, (id) => this.opts.isOpen(id));
    this.count = candidates.length;
    this.gauge?.set(this.count, { host: host.name });
    const now = (this.opts.now ?? Date.now)();
    while (this.started.length && now - this.started[0]! >= 3_600_000) this.started.shift();
    let allowance = autoRepair.enabled ? autoRepairAllowance(this.started, now, autoRepair.maxPerHour) : 0;
    for (const c of candidates) {
      const meta = { host: host.name, vm: c.vm, findings: c.findings };
      const found = `${c.vm} on ${host.name} needs repair (${c.findings.join('; ')})`;
      if (!autoRepair.enabled) {
        log.warn(`${found}: auto-repair is off, run \`vfmigrate repair ${c.vm} --host ${host.name}\``, { ...meta, decision: 'reported' });
        continue;
      }
      if (allowance === 0) {
        log.warn(`${found}: not repaired now, ${autoRepair.maxPerHour} repairs were started here in the last hour (autoRepair.maxPerHour)`, { ...meta, decision: 'held-back' });
        continue;
      }
      try {
        const id = await this.opts.startRepair(c.vm);
        this.started.push(now);
        allowance -= 1;
        log.warn(`${found}: repair started as ${id}`, { ...meta, decision: 'repair-started', workflowId: id });
      } catch (err) {
        log.warn(`${found}: could not start its repair: ${err instanceof Error ? err.message : String(err)}`, { ...meta, decision: 'start-failed' });
      }
    }
    return candidates;
  }

  /** Looks now, then every `everyMs` (never two at once; a failed look is logged, not fatal). */
  start(): void {
    this.looks.start();
  }

  async stop(): Promise<void> {
    await this.looks.stop();
  }
}
