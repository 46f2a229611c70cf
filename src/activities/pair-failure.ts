import { ApplicationFailure } from '@temporalio/activity';
import { VfmigrateError } from '../errors.js';

/**
 * Runs one pair's share of a step. On a VM with several teamed pairs, a typed failure names the pair it
 * hit (kept as its own type and retryability), so a degraded or rolled-back run says which VF it was;
 * a single pair's messages stay as they were.
 */
export async function forPair<T>(index: number, count: number, names: { standby: string; primary?: string | null }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (count < 2 || !(err instanceof VfmigrateError)) throw err;
    const primary = names.primary ? `, primary ${names.primary}` : '';
    throw ApplicationFailure.create({
      type: err.type,
      message: `pair ${index + 1} of ${count} (standby ${names.standby}${primary}): ${err.message}`,
      nonRetryable: !err.retryable,
    });
  }
}
