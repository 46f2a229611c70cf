import { z } from 'zod';
import { durationHint, parseDuration } from '../plan/duration.js';

/** A plan duration (`250ms`, `30s`, `5m`, `1h`), parsed to milliseconds. */
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
