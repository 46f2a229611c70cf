/**
 * vfmigrate's own Prometheus metrics: every name, its labels and what it means, in one place, so that the
 * code that records them, the exporter's histogram buckets and docs/operations.md (checked by
 * test/unit/metric-catalog.test.ts) cannot drift apart. Plain data and pure functions: workflow code
 * imports this file too.
 *
 * They are recorded through the Temporal SDK's metric meter, so they come out of the same endpoint as the
 * SDK's own (`temporal_…`), with the labels the SDK adds, in its spelling: `namespace` and `taskQueue`,
 * and `workflowType` or `activityType` for what a workflow or an activity records.
 */
import type { MetricCounter, MetricGauge, MetricHistogram, MetricMeter } from '@temporalio/common';

interface MetricBase {
  name: string;
  help: string;
  /** The labels vfmigrate sets (the SDK adds its own, above). */
  labels: readonly string[];
  /** Which worker's endpoint serves it. */
  from: 'control worker' | 'host worker';
}

export type MetricDefinition =
  | (MetricBase & { kind: 'counter' })
  | (MetricBase & { kind: 'gauge' })
  | (MetricBase & { kind: 'histogram'; unit: 's'; buckets: readonly number[] });

/** What ends a live migration job early or pushes it to converge (auto-converge is QEMU's own, set at start: never counted). */
export const convergenceActions = ['abort', 'postcopy', 'raise-downtime', 'auto-converge'] as const;
export type ConvergenceAction = (typeof convergenceActions)[number];

/** The states `vfmigrate_vf_pool_vfs` counts a host's VFs in; they add up to the pool's size. */
export const vfPoolStates = ['free', 'reserved', 'attached'] as const;

/** How often a host worker reads its VF pool for `vfmigrate_vf_pool_vfs`, besides after each activity it ran. */
export const vfPoolRefreshMs = 15_000;

export const metrics = {
  migrations: {
    name: 'vfmigrate_migrations_total',
    kind: 'counter',
    help: 'Migrations that ended, by outcome (Completed, RolledBack, Degraded, Cancelled, NeedsAttention) and plan.',
    labels: ['outcome', 'plan'],
    from: 'control worker',
  },
  migrationDuration: {
    name: 'vfmigrate_migration_duration_seconds',
    kind: 'histogram',
    unit: 's',
    help: 'How long migrations took from start to end, by outcome and plan.',
    labels: ['outcome', 'plan'],
    from: 'control worker',
    buckets: [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600],
  },
  migrationDowntime: {
    name: 'vfmigrate_migration_downtime_seconds',
    kind: 'histogram',
    unit: 's',
    help: "The VM's pause during the switch-over as the hypervisor measured it, by plan (runs that moved the VM).",
    labels: ['plan'],
    from: 'control worker',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10],
  },
  stepDuration: {
    name: 'vfmigrate_step_duration_seconds',
    kind: 'histogram',
    unit: 's',
    help: "How long each plan step took, by step id, plan and result (completed, failed after the step's retries, or cancelled).",
    labels: ['step', 'plan', 'result'],
    from: 'control worker',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  },
  convergenceActions: {
    name: 'vfmigrate_convergence_actions_total',
    kind: 'counter',
    help: `Actions taken on a running live migration job, by action (${convergenceActions.join(', ')}) and source host. Today only abort: a cancel that aborts the job.`,
    labels: ['action', 'host'],
    from: 'host worker',
  },
  vfPool: {
    name: 'vfmigrate_vf_pool_vfs',
    kind: 'gauge',
    help: `A host's VFs by state: free, reserved (booked for a VM on its way in: a lease its run holds) or attached (held by a VM on the host). Set on every booking or release and every ${vfPoolRefreshMs / 1000} s.`,
    labels: ['host', 'state'],
    from: 'host worker',
  },
  vmsNeedingRepair: {
    name: 'vfmigrate_vms_needing_repair',
    kind: 'gauge',
    help: "VMs on a host with a standby up or a primary missing and no run of theirs open, at the host worker's last repair watch pass (its host config's repair.scanEvery).",
    labels: ['host'],
    from: 'host worker',
  },
  evacuationVmsLeft: {
    name: 'vfmigrate_evacuation_vms_left',
    kind: 'gauge',
    help: 'VMs of a host being evacuated that are not migrated yet: waiting or in flight (0 once the evacuation ends).',
    labels: ['host'],
    from: 'control worker',
  },
  evacuationVmsInFlight: {
    name: 'vfmigrate_evacuation_vms_in_flight',
    kind: 'gauge',
    help: 'Migrations an evacuation has running now, by evacuated host (0 once the evacuation ends).',
    labels: ['host'],
    from: 'control worker',
  },
  evacuationVmsFailed: {
    name: 'vfmigrate_evacuation_vms_failed',
    kind: 'gauge',
    help: 'VMs of a host being evacuated whose migration failed or ended degraded (0 once the evacuation ends: its report keeps them).',
    labels: ['host'],
    from: 'control worker',
  },
  evacuations: {
    name: 'vfmigrate_evacuations_total',
    kind: 'counter',
    help: 'Evacuations that ended, by outcome (completed, incomplete, stopped, cancelled).',
    labels: ['outcome'],
    from: 'control worker',
  },
} as const satisfies Record<string, MetricDefinition>;

export const allMetrics: readonly MetricDefinition[] = Object.values(metrics);

/** Bucket boundaries for the exporter: the SDK's defaults are made for milliseconds. */
export function histogramBuckets(): Record<string, number[]> {
  return Object.fromEntries(allMetrics.flatMap((m) => (m.kind === 'histogram' ? [[m.name, [...m.buckets]]] : [])));
}

export function counter(meter: MetricMeter, m: MetricDefinition & { kind: 'counter' }): MetricCounter {
  return meter.createCounter(m.name, '', m.help);
}

export function gauge(meter: MetricMeter, m: MetricDefinition & { kind: 'gauge' }): MetricGauge {
  return meter.createGauge(m.name, 'int', '', m.help);
}

export function histogram(meter: MetricMeter, m: MetricDefinition & { kind: 'histogram' }): MetricHistogram {
  return meter.createHistogram(m.name, 'float', m.unit, m.help);
}

/** Milliseconds as the seconds the `_seconds` metrics hold. */
export function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}

/** One action taken on `host`'s running migration job (the source's: libvirt runs the job there). */
export function countConvergenceAction(meter: MetricMeter, action: ConvergenceAction, host: string): void {
  counter(meter, metrics.convergenceActions).add(1, { action, host });
}
