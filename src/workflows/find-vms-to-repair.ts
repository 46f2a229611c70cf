import * as wf from '@temporalio/workflow';
import type { RepairCandidate } from '../domain/repair-candidates.js';
import { hostQueue } from '../temporal/names.js';
import { checkRepairScanRequest } from './repair-request.js';
import type { RepairScan, RepairScanRequest } from './repair-types.js';

/**
 * Asks one host's worker which of its VMs need repair (`vfmigrate status --host`): a client cannot call an
 * activity on a host's queue by itself. Read-only; a host whose worker is not polling fails it in 10 s.
 */
export async function findVmsToRepair(request: RepairScanRequest): Promise<RepairScan> {
  const { host, queuePrefix } = checkRepairScanRequest(request);
  const candidates = await wf.scheduleActivity<RepairCandidate[]>('vmsToRepair', [], {
    taskQueue: hostQueue(queuePrefix, host),
    summary: `vmsToRepair on ${host}`,
    scheduleToStartTimeout: '10s',
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 3 },
  });
  return { host, candidates };
}
