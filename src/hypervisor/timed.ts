import type { Hypervisor } from './hypervisor.js';

export interface TimedCall {
  host: string;
  op: string;
  start: number;
  end: number;
  /** The error's type when the call failed. */
  failed?: string;
}

/**
 * Wraps a Hypervisor and records when each call ran (performance.now() ms), so a benchmark can tell the
 * time spent inside libvirt operations (including their confirmation waits) from orchestration overhead.
 */
export function timedHypervisor(inner: Hypervisor, calls: TimedCall[]): Hypervisor {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const start = performance.now();
        const record = (failed?: unknown): void =>
          void calls.push({ host: inner.hostName, op: String(prop), start, end: performance.now(), ...(failed ? { failed: errorType(failed) } : {}) });
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) {
          record();
          return result;
        }
        return result.then(
          (v: unknown) => {
            record();
            return v;
          },
          (err: unknown) => {
            record(err);
            throw err;
          },
        );
      };
    },
  });
}

function errorType(err: unknown): string {
  return (err as { type?: string }).type ?? (err instanceof Error ? err.name : 'Error');
}

/** Total time covered by the calls within [from, to], overlapping calls counted once. */
export function coveredMs(calls: TimedCall[], from: number, to: number): number {
  const spans = calls
    .map((c) => [Math.max(c.start, from), Math.min(c.end, to)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [curStart, curEnd] = [Number.NaN, Number.NaN];
  for (const [s, e] of spans) {
    if (Number.isNaN(curEnd) || s > curEnd) {
      if (!Number.isNaN(curEnd)) total += curEnd - curStart;
      [curStart, curEnd] = [s, e];
    } else {
      curEnd = Math.max(curEnd, e);
    }
  }
  return Number.isNaN(curEnd) ? total : total + curEnd - curStart;
}
