import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { z } from 'zod';
import type { ModelFleet } from '../hypervisor/model.js';

const faultSchema = z.strictObject({
  /** The activity id: a plan step's id (a compensation's id never matches one). */
  step: z.string().min(1),
  /** before: as the step's activity starts, nothing done; after: its work done, its result not yet reported. */
  point: z.enum(['before', 'after']),
  /**
   * fail: every attempt fails (retryable, so the step's retries run out); pause: the activity waits until
   * the fault leaves the file (meanwhile the matrix kills a process); host-down: `host` is unreachable for
   * `forMs` (a libvirtd restart, or a host gone for longer than the retry budget).
   */
  action: z.enum(['fail', 'pause', 'host-down']),
  host: z.string().optional(),
  forMs: z.int().positive().optional(),
});
export type ModelFaultDirective = z.infer<typeof faultSchema>;

const faultFileSchema = z.strictObject({ faults: z.array(faultSchema) });

export const faultFileName = 'faults.json';
/** One JSON line per fault that fired: the matrix waits on it, and tells a point no run reached from one it did. */
export const firedLogName = 'faults-fired.log';

/**
 * Faults a model fleet's worker reads from its state directory, at step boundaries: what the in-process
 * ModelFleet.injectFault does for tests that hold the fleet, for a matrix that runs the fleet as a real
 * `vfmigrate worker --model` process it can kill. The file is read at every activity, so the matrix
 * changes faults while the worker runs. Model fleets only: a real host worker never reads one (the testbed
 * matrix's test-only host worker, test/e2e/testbed-host-worker.ts, reads one for fail and pause, and stops
 * libvirtd itself where a model host goes down).
 */
export function modelFaultInterceptors(fleet: Pick<ModelFleet, 'setHostDown'>, dir: string): ActivityInterceptorsFactory[] {
  const once = new Set<string>();
  const faultsFile = path.join(dir, faultFileName);
  const fire = async (fault: ModelFaultDirective, attempt: number): Promise<void> => {
    await appendFile(path.join(dir, firedLogName), `${JSON.stringify({ ...fault, attempt, pid: process.pid, at: new Date().toISOString() })}\n`);
    switch (fault.action) {
      case 'fail':
        throw ApplicationFailure.retryable(`injected failure ${fault.point} step ${fault.step} (model fault file)`, 'InjectedFault');
      case 'pause':
        while ((await readFaults(faultsFile)).some((f) => same(f, fault))) await new Promise((r) => setTimeout(r, 100));
        return;
      case 'host-down': {
        const host = fault.host;
        if (!host) return;
        fleet.setHostDown(host, true);
        setTimeout(() => fleet.setHostDown(host, false), fault.forMs ?? 5000).unref();
        return;
      }
    }
  };
  const at = async (step: string, point: ModelFaultDirective['point'], attempt: number): Promise<void> => {
    for (const fault of await readFaults(faultsFile)) {
      if (fault.step !== step || fault.point !== point) continue;
      const key = JSON.stringify(fault);
      // A failure fails every attempt; the others happen once per worker process.
      if (fault.action !== 'fail') {
        if (once.has(key)) continue;
        once.add(key);
      }
      await fire(fault, attempt);
    }
  };
  return [
    (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          const { activityId, attempt } = ctx.info;
          await at(activityId, 'before', attempt);
          const result = await next(input);
          await at(activityId, 'after', attempt);
          return result;
        },
      },
    }),
  ];
}

export async function readFaults(file: string): Promise<ModelFaultDirective[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const parsed = faultFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: not a fault file (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data.faults;
}

function same(a: ModelFaultDirective, b: ModelFaultDirective): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
