import { VfmigrateError } from '../errors.js';

/**
 * Typed errors of host networking (`ip`, `bridge`): their own types, since libvirt has no part in them and
 * an operator reading the failure should look at the host's network, not at libvirtd. Like every typed
 * error, each says whether retrying the same call can help.
 */
export abstract class HostNetworkError extends VfmigrateError {}

/** The host refused the change (no such device, no SR-IOV, a bad argument, no FDB device configured). */
export class HostNetworkRefusedError extends HostNetworkError {
  readonly type = 'HostNetworkRefused';
  readonly retryable = false;
}

/** Anything else, a timeout included: retried, since the commands are idempotent and most such failures pass. */
export class HostNetworkFailureError extends HostNetworkError {
  readonly type = 'HostNetworkFailure';
  readonly retryable = true;
}
