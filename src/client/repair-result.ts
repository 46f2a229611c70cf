import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { InputError } from '../errors.js';
import { controlQueue, hostNamePattern, hostQueue, repairScanWorkflowType } from '../temporal/names.js';
import { quoted } from '../util/printable.js';
import { repairProgressQuery } from '../workflows/definitions.js';
import type { findVmsToRepair } from '../workflows/find-vms-to-repair.js';
import type { repairVm } from '../workflows/repair-vm.js';
import type { RepairProgress, RepairReport, RepairScan } from '../workflows/repair-types.js';
import { followRun, runReport } from './run-report.js';
import { requireWorkers } from './worker-check.js';

/** The repair's report whatever its outcome (a repair that did not succeed ends as a failed workflow). */
export function repairReport(handle: WorkflowHandle<typeof repairVm>): Promise<RepairReport> {
  return runReport<RepairReport>(handle);
}

export function queryRepair(handle: WorkflowHandle<typeof repairVm>): Promise<RepairProgress> {
  return handle.query(repairProgressQuery);
}

export function followRepair(handle: WorkflowHandle<typeof repairVm>, onProgress: (p: RepairProgress) => void, everyMs = 500): Promise<RepairReport> {
  return followRun(repairReport(handle), () => queryRepair(handle), onProgress, everyMs);
}

/** Asks `host`'s worker (through a short findVmsToRepair run) which of its VMs need repair. */
export async function vmsToRepair(client: Client, opts: { host: string; namespace: string; queuePrefix: string }): Promise<RepairScan> {
  const { host, queuePrefix } = opts;
  if (!hostNamePattern.test(host)) throw new InputError(`--host: ${quoted(host)} is not a valid host name (letters, digits, . _ -)`);
  await requireWorkers(client, opts.namespace, [
    { queue: controlQueue(queuePrefix), kind: 'workflow', hint: 'start `vfmigrate worker --control`' },
    { queue: hostQueue(queuePrefix, host), kind: 'activity', hint: `is "${host}" the right host name? start \`vfmigrate worker --host ${host}\`` },
  ]);
  return client.workflow.execute<typeof findVmsToRepair>(repairScanWorkflowType, {
    workflowId: `repair-scan/${host}/${randomUUID()}`,
    taskQueue: controlQueue(queuePrefix),
    args: [{ host, queuePrefix }],
    workflowExecutionTimeout: '5m',
  });
}
