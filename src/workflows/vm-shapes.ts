import * as wf from '@temporalio/workflow';
import type { VmShapeAnswer } from '../activities/vm-shapes.js';
import { hostQueue } from '../temporal/names.js';

/** The source host's activity that describes its VMs' shapes (src/activities/vm-shapes.ts). */
export const describeVmShapesActivity = 'describeVmShapes';

/**
 * Each VM's shape as `host` describes it, in the order asked. Read-only, so retried a little; a host whose
 * worker does not pick the call up within a minute fails the caller rather than leaving it waiting.
 */
export function describeVmShapes(host: string, vms: string[], queuePrefix: string): Promise<VmShapeAnswer[]> {
  return wf.scheduleActivity<VmShapeAnswer[]>(describeVmShapesActivity, [vms], {
    taskQueue: hostQueue(queuePrefix, host),
    summary: `describe the shape of ${vms.length === 1 ? vms[0] : `${vms.length} VMs`} on ${host}`,
    scheduleToStartTimeout: '1m',
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: ['InvalidInput'] },
  });
}
