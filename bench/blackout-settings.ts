import { z } from 'zod';
import { formatZodIssues } from '../src/config/zod-problems.js';

/** What `bench:blackout` is told to do: its arguments and environment, checked before anything starts. */
export interface BlackoutSettings {
  /** Counted migrations per plan of the idle guest. */
  runs: number;
  /** Counted migrations per plan of the busy guest (0: none; the idle guest's always run: the README's table needs them). */
  busyRuns: number;
  /** How fast the busy guest dirties memory, MiB/s (vfprobe --dirty: 1 to 99999). */
  dirtyMiBps: number;
  /** The busy guest's migration bandwidth cap, MiB/s. */
  bandwidthMiBps: number;
}

/** A whole number from `min` to `max`; anything else is refused with `message`. */
const wholeNumber = (min: number, max: number, message: string) => z.coerce.number({ message }).int({ message }).min(min, { message }).max(max, { message });
const envSchema = z.object({
  BENCH_RUNS: wholeNumber(1, 1000, 'expected idle migrations per plan, 1 to 1000').optional(),
  BENCH_BUSY_RUNS: wholeNumber(0, 1000, 'expected busy migrations per plan, 0 to 1000').optional(),
  BENCH_DIRTY_MIBPS: wholeNumber(1, 99_999, 'expected MiB per second, 1 to 99999 (what vfprobe --dirty takes)').optional(),
  BENCH_BANDWIDTH_MIBPS: wholeNumber(1, 99_999, 'expected MiB per second, 1 to 99999').optional(),
});

/** The settings, or an Error naming every problem in one line each (the bench prints it and exits 2). */
export function benchSettings(args: readonly string[], env: Record<string, string | undefined>): BlackoutSettings {
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length) throw new Error(`unknown argument ${unknown.join(' ')}: the only option is --quick (one counted migration per plan and guest)`);
  const quick = args.includes('--quick');
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(formatZodIssues(parsed.error.issues).join('; '));
  const e = parsed.data;
  return {
    runs: e.BENCH_RUNS ?? (quick ? 1 : 4),
    busyRuns: e.BENCH_BUSY_RUNS ?? (quick ? 1 : 2),
    dirtyMiBps: e.BENCH_DIRTY_MIBPS ?? 64,
    bandwidthMiBps: e.BENCH_BANDWIDTH_MIBPS ?? 32,
  };
}
