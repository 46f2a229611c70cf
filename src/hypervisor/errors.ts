import { VfmigrateError } from '../errors.js';

/**
 * Typed errors of the hypervisor port. Each says whether retrying the same call can help; the activity
 * boundary turns them into Temporal ApplicationFailures of the same `type`, non-retryable when retrying
 * cannot help, so the step's retry policy only spends attempts where they can succeed.
 */
export abstract class HypervisorError extends VfmigrateError {
  constructor(
    message: string,
    readonly host: string,
  ) {
    super(message);
  }
}

export class VmNotFoundError extends HypervisorError {
  readonly type = 'VmNotFound';
  readonly retryable = false;
}

/** The operation is not valid in the VM's current state (paused, shut off, device busy, …). */
export class InvalidOperationError extends HypervisorError {
  readonly type = 'InvalidOperation';
  readonly retryable = false;
}

/** The guest agent did not answer: the domain has no agent channel, or nothing in the guest listens on it (yet). */
export class GuestAgentUnavailableError extends HypervisorError {
  readonly type = 'GuestAgentUnavailable';
  readonly retryable = true;
}

/** The host (libvirtd) could not be reached; it may come back. */
export class ConnectionFailedError extends HypervisorError {
  readonly type = 'ConnectionFailed';
  readonly retryable = true;
}

export class MigrationFailedError extends HypervisorError {
  readonly type = 'MigrationFailed';
  readonly retryable = false;
}

export class MigrationAbortedError extends HypervisorError {
  readonly type = 'MigrationAborted';
  readonly retryable = false;
}

/**
 * The job failed after it switched to post-copy: the guest's memory is split between the hosts, so it
 * can neither stay nor go back. Never retried, never compensated; a person decides (the message says
 * what libvirt reports on both hosts).
 */
export class PostcopyFailedError extends HypervisorError {
  readonly type = 'PostcopyFailed';
  readonly retryable = false;
}

/** A call or a confirmation did not finish within its deadline; the state it left is re-checked on retry. */
export class TimedOutError extends HypervisorError {
  readonly type = 'TimedOut';
  readonly retryable = true;
}

/** The guest never released a hot-unplugged device (a paused or unresponsive guest). */
export class DeviceStuckError extends HypervisorError {
  readonly type = 'DeviceStuck';
  readonly retryable = false;
}

/** Anything libvirt said that we could not classify; retried, since most such failures are transient. */
export class HypervisorFailureError extends HypervisorError {
  readonly type = 'HypervisorFailure';
  readonly retryable = true;
}
