/**
 * Where the host adapters (libvirt, the VF pool) say what they decided and what they chose to ignore.
 * Temporal's loggers (the Runtime's, an activity's) fit as they are; the adapters never import Temporal.
 */
export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** For the in-memory model and tests that do not look at the log; a real host's services pass a real one. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
