/** The platform floor for the overhead bench: N sequential no-op activities on another task queue. */
import { proxyActivities } from '@temporalio/workflow';

export async function floor(rounds: number, queue: string): Promise<number> {
  const { noop } = proxyActivities<{ noop(): Promise<void> }>({ taskQueue: queue, startToCloseTimeout: '10s' });
  for (let i = 0; i < rounds; i++) await noop();
  return rounds;
}
