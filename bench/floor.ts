/**
 * The platform floor the benchmarks compare against: a workflow of N sequential no-op activities on
 * another task queue, on the same server and machine, with nothing of vfmigrate in it.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { flattenSteps, type ResolvedPlan } from '../src/plan/resolved.js';

/**
 * Sequential activity rounds of a plan on hosts without host networking: one per top-level step
 * (a group's members run side by side), except those whose every call is skipped on such hosts.
 */
export function planRounds(plan: ResolvedPlan): number {
  return plan.steps.filter((step) => flattenSteps([step]).some((s) => !s.onlyIf)).length;
}

export interface FloorTimes {
  /** From the start request to the result, as a client sees it. */
  clientMs: number[];
  /** The workflow run alone, from its start to its close (Temporal's clock). */
  runMs: number[];
}

/** Runs the floor workflow `count` times after one warm-up. */
export async function measureFloor(connection: NativeConnection, client: Client, namespace: string, rounds: number, count: number): Promise<FloorTimes> {
  const workflowsPath = fileURLToPath(new URL('./floor-workflow.js', import.meta.url));
  const wfWorker = await Worker.create({ connection, namespace, taskQueue: 'floor', workflowsPath });
  const actWorker = await Worker.create({ connection, namespace, taskQueue: 'floor-act', activities: { noop: () => Promise.resolve() } });
  const running = Promise.all([wfWorker.run(), actWorker.run()]);
  const times: FloorTimes = { clientMs: [], runMs: [] };
  try {
    for (let i = 0; i <= count; i++) {
      const t0 = performance.now();
      const handle = await client.workflow.start('floor', { taskQueue: 'floor', workflowId: `floor-${i}-${Date.now()}`, args: [rounds, 'floor-act'] });
      await handle.result();
      const clientMs = performance.now() - t0;
      const { startTime, closeTime } = await handle.describe();
      if (i === 0) continue;
      times.clientMs.push(clientMs);
      times.runMs.push((closeTime ?? new Date()).getTime() - startTime.getTime());
    }
  } finally {
    wfWorker.shutdown();
    actWorker.shutdown();
    await running;
  }
  return times;
}
