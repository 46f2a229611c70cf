import type { WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { runReport } from '../client/run-report.js';
import { findTeams, type PrimaryMode } from '../domain/teaming.js';
import { VmNotFoundError } from '../hypervisor/errors.js';
import type { Hypervisor } from '../hypervisor/hypervisor.js';
import type { VfLedger } from '../vf/ledger.js';
import type { MigrationReport } from '../workflows/migration-types.js';
import type { FleetSnapshot, HostSnapshot, RunSnapshot } from './fleet-snapshot.js';

export interface HostToRead {
  name: string;
  /** The port, so the model and libvirt are read alike. */
  hypervisor: Pick<Hypervisor, 'listVms' | 'describeVm' | 'vfHolders'>;
  /** Read only: a ledger is read without its lock (a FileLedger reads a whole, renamed-in file). */
  ledger: Pick<VfLedger, 'read'>;
  primaryMode: PrimaryMode;
}

/** What the checker judges: every host a run of `vm` touched, read side by side, and those runs. */
export async function readFleetSnapshot(vm: string, hosts: HostToRead[], runs: RunSnapshot[], pairs?: number): Promise<FleetSnapshot> {
  return { vm, hosts: await Promise.all(hosts.map((h) => readHostSnapshot(h, vm))), runs, ...(pairs === undefined ? {} : { pairs }) };
}

/** One host's side of the snapshot: what it says of `vm`, who holds its VFs, and its ledger. */
export async function readHostSnapshot(host: HostToRead, vm: string): Promise<HostSnapshot> {
  const [domains, holders, bookings] = await Promise.all([host.hypervisor.listVms(), host.hypervisor.vfHolders(), host.ledger.read()]);
  let description = null;
  try {
    description = await host.hypervisor.describeVm(vm);
  } catch (err) {
    if (!(err instanceof VmNotFoundError)) throw err;
  }
  return {
    name: host.name,
    vm: description && {
      state: description.state,
      teams: findTeams(description, host.primaryMode).map((t) => ({
        standby: t.standby.alias ?? t.standby.mac ?? '(standby)',
        standbyLink: t.standby.link,
        primaries: t.primaries.map((p) => ({ alias: p.alias, pciAddress: p.hostPciAddress })),
      })),
    },
    holders,
    domains: domains.map((d) => ({ name: d.name, state: d.state })),
    bookings,
  };
}

/** A migration run as the checker sees it: open, or ended with the report it left (none when terminated). */
export async function readRunSnapshot(handle: WorkflowHandle<Workflow>, hosts: { source: string; destination: string }): Promise<RunSnapshot> {
  const { status } = await handle.describe();
  const base = { workflowId: handle.workflowId, ...hosts };
  if (status.name === 'RUNNING') return { ...base, open: true, outcome: null, location: null, failedStep: null, message: '' };
  const report = await runReport<MigrationReport>(handle).catch(() => null);
  if (!report) return { ...base, open: false, outcome: null, location: null, failedStep: null, message: `the run ended ${status.name} without a report` };
  return { ...base, open: false, outcome: report.outcome, location: report.location, failedStep: report.failedStep?.id ?? null, message: report.message };
}
