import { z } from 'zod';
import { formatZodIssues } from '../config/zod-problems.js';
import { shapeOf, type VmShape } from '../domain/vm-shape.js';
import { VfmigrateError } from '../errors.js';
import { vmNamePattern } from '../temporal/names.js';
import { toFailure } from './bind.js';
import type { HostServices } from './host-services.js';
import { ApplicationFailure } from '@temporalio/activity';

/**
 * The source host describes the shape of the VMs it runs (read-only): a run with no plan named, and an
 * evacuation, choose each VM's plan from it (plan/plan-choice.ts). Not a plan step: it runs before there is a plan.
 */
export type VmShapeAnswer = { ok: true; shape: VmShape } | { ok: false; vm: string; type: string; reason: string };

/** More VMs than this in one call are refused: callers ask in batches (the evacuation: 50 at a time). */
export const maxShapesPerCall = 200;
/** Domains described at once: each is one `virsh dumpxml` through the host's session pool. */
const concurrency = 8;

const vmNamesSchema = z.array(z.string().regex(vmNamePattern, { message: 'expected a VM name (letters, digits, . _ : + -)' })).max(maxShapesPerCall);

export function vmShapeActivities(host: HostServices) {
  return {
    describeVmShapes: async (raw: unknown): Promise<VmShapeAnswer[]> => {
      const parsed = vmNamesSchema.safeParse(raw);
      if (!parsed.success) {
        throw ApplicationFailure.create({ type: 'InvalidInput', nonRetryable: true, message: `describeVmShapes on ${host.name}: ${formatZodIssues(parsed.error.issues).join('; ')}` });
      }
      const vms = parsed.data;
      const answers: VmShapeAnswer[] = new Array<VmShapeAnswer>(vms.length);
      try {
        for (let i = 0; i < vms.length; i += concurrency) {
          await Promise.all(vms.slice(i, i + concurrency).map(async (vm, j) => (answers[i + j] = await describe(host, vm))));
        }
      } catch (err) {
        throw toFailure(err, 'describeVmShapes', host.name);
      }
      return answers;
    },
  };
}

/** A VM that cannot be described (gone, unreadable XML) is an answer about that VM, not a failure of the call. */
async function describe(host: HostServices, vm: string): Promise<VmShapeAnswer> {
  try {
    return { ok: true, shape: shapeOf(await host.hypervisor.describeVm(vm), host.primaryMode) };
  } catch (err) {
    if (err instanceof VfmigrateError && !err.retryable) return { ok: false, vm, type: err.type, reason: err.message };
    throw err;
  }
}

export type VmShapeActivities = ReturnType<typeof vmShapeActivities>;
