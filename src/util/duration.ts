import { z } from 'zod';

/**
 * Durations as plans and config files write them: an integer and a unit, `250ms`, `30s`, `5m`, `1h`.
 * Deliberately narrower than the `ms` package Temporal accepts (no `1.5 hours`, no bare numbers) so a plan
 * reads the same to everyone. Here, below plan/, activities/ and config/, so that all of them read one rule.
 */
const pattern = /^([1-9][0-9]*)(ms|s|m|h)$/;
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function parseDuration(text: string): number | null {
  const match = pattern.exec(text);
  if (!match) return null;
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}

export const durationHint = 'a duration such as 250ms, 30s, 5m or 1h';

/** A duration, parsed to milliseconds. */
export const durationMs = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `expected ${durationHint}` });
    return z.NEVER;
  }
  return ms;
});

/** A duration argument with a default, as activities declare them in their `with` schema. */
export function durationParam(fallback: string) {
  return z.string().default(fallback).pipe(durationMs);
}
