/**
 * The platform floor the benchmarks compare against: a workflow of N sequential no-op activities on
 * another task queue, on the same server and machine, with nothing of vfmigrate in it.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';

/** Sequential activity rounds of the default plan on hosts without host networking (skipped steps cost none). */
export const defaultPlanRounds = 7;

/** Runs the floor workflow `count` times after one warm-up; returns each run's client-observed time (ms). */
export async function measureFloor(connection: NativeConnection, client: Client, namespace: string, rounds: number, count: number): Promise<number[]> {
  const workflowsPath = fileURLToPath(new URL('./floor-workflow.js', import.meta.url));
  const wfWorker = await Worker.create({ connection, namespace, taskQueue: 'floor', workflowsPath });
  const actWorker = await Worker.create({ connection, namespace, taskQueue: 'floor-act', activities: { noop: () => Promise.resolve() } });
  const running = Promise.all([wfWorker.run(), actWorker.run()]);
  const times: number[] = [];
  try {
    for (let i = 0; i <= count; i++) {
      const t0 = performance.now();
      await client.workflow.execute('floor', { taskQueue: 'floor', workflowId: `floor-${i}-${Date.now()}`, args: [rounds, 'floor-act'] });
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    wfWorker.shutdown();
    actWorker.shutdown();
    await running;
  }
  return times;
}
