/** Prints the event timeline of one workflow run: where the milliseconds of a migration go. */
import type { Client } from '@temporalio/client';

export async function printTimeline(client: Client, workflowId: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const t0 = toMs(events[0]?.eventTime);
  for (const e of events) {
    const type = String(e.eventType).replace('EVENT_TYPE_', '');
    console.log(`${(toMs(e.eventTime) - t0).toFixed(1).padStart(8)} ms  ${type}`);
  }
}

function toMs(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
}
