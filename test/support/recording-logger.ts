import type { Logger } from '../../src/util/logger.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn';
  message: string;
  meta: Record<string, unknown>;
}

/** A logger that keeps every line, for asserting what an adapter said it decided or ignored. */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(message: string, meta: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'debug', message, meta });
  }
  info(message: string, meta: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'info', message, meta });
  }
  warn(message: string, meta: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'warn', message, meta });
  }
  at(level: LogLine['level']): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }
}
