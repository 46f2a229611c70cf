import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/**
 * Worker logs as JSON lines (`vfmigrate worker --log-format json`), for journald → a log shipper: one object
 * per line, `time`, `level` and `message` first, then the entry's attributes at the top level (the SDK's
 * `workflowId`, `activityType`, `taskQueue`…, and the step lines' `vm`, `host`, `step`, see step-log.ts).
 */
export function jsonLogLine(entry: LogEntry): string {
  const line: Record<string, unknown> = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level,
    message: entry.message,
  };
  // An attribute never overwrites the three above: a line always says when, how bad and what. The SDK's
  // task token is left out: it lets whoever holds it complete the activity, and logs are shipped elsewhere.
  for (const [key, value] of Object.entries(entry.meta ?? {})) if (!(key in line) && key !== 'taskToken') line[key] = value;
  try {
    return JSON.stringify(line, jsonValue);
  } catch {
    // A value JSON cannot hold (a cycle): the line still goes out, naming the attributes it had to leave out.
    return JSON.stringify({ time: line.time, level: line.level, message: line.message, unserialisable: Object.keys(entry.meta ?? {}) });
  }
}

function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  // A typed failure's `type` (NoFreeVf, PreflightFailed…) says more than its class; the stack stays out of the log.
  if (value instanceof Error) return { type: 'type' in value && typeof value.type === 'string' ? value.type : value.name, message: value.message };
  return value;
}

/** The Temporal Runtime's logger in JSON-lines mode: INFO and above, one line per entry on stdout. */
export function jsonLinesLogger(level: LogLevel = 'INFO', write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(jsonLogLine(entry)));
}
