import { z } from 'zod';
import { durationHint, parseDuration } from '../plan/duration.js';

/** A plan duration argument, parsed to milliseconds. */
export function durationParam(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected ${durationHint}` });
        return z.NEVER;
      }
      return ms;
    });
}

export const noParams = z.strictObject({});
