import { VfmigrateError } from '../errors.js';
import { printable } from '../util/printable.js';

/** Who holds a ledger lock, as the holder wrote it into the lock file. */
export interface LockHolder {
  pid: number;
  hostname: string;
  since: string;
}

/**
 * The ledger cannot be read as bookings (not JSON, wrong shape, empty after a cut-short write). Never
 * repaired silently: the bookings of VMs on their way in exist nowhere else, so an operator decides.
 */
export class CorruptLedgerError extends VfmigrateError {
  readonly type = 'CorruptLedger';
  readonly retryable = false;
  constructor(
    readonly file: string,
    readonly problem: string,
    rebuild: string,
  ) {
    super(
      `the VF ledger ${file} is corrupt (${printable(problem, 200)}); refusing to use it. ` +
        `Rebuild it from libvirt with \`${rebuild}\` (the corrupt file is kept as ${file}.corrupt-<time>)`,
    );
  }
}

/** Another process writes this host's ledger: a host worker for the same host, or a rebuild. */
export class LedgerLockedError extends VfmigrateError {
  readonly type = 'LedgerLocked';
  readonly retryable = false;
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `pid ${holder.pid} on ${printable(holder.hostname, 200)} since ${printable(holder.since, 200)}`
      : 'another process (it has not written its pid yet)';
    super(`${who} holds the VF ledger lock ${lockFile}: a host worker (or \`vfmigrate ledger rebuild\`) already runs for this host; stop it first`);
  }
}

/** The lock could not be taken at all (state dir not writable, flock(1) missing). */
export class LedgerLockFailedError extends VfmigrateError {
  readonly type = 'LedgerLockFailed';
  readonly retryable = false;
}
