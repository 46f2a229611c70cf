/**
 * Every error vfmigrate raises on purpose carries a stable `type` (what went wrong, for code and for the
 * Temporal UI) and `retryable` (whether the same call can succeed later). Activities hand both to Temporal,
 * so retry policies spend attempts only where they can help.
 */
export abstract class VfmigrateError extends Error {
  abstract readonly type: string;
  abstract readonly retryable: boolean;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The VM or a host is not fit to migrate; nothing was changed. */
export class PreflightError extends VfmigrateError {
  readonly type = 'PreflightFailed';
  readonly retryable = false;
}

export class NoFreeVfError extends VfmigrateError {
  readonly type = 'NoFreeVf';
  readonly retryable = false;
}

/** The destination already has as many VMs on their way in as allowed; retry once one has arrived. */
export class IncomingLimitError extends VfmigrateError {
  readonly type = 'IncomingLimit';
  readonly retryable = false;
}

export class InsufficientMemoryError extends VfmigrateError {
  readonly type = 'InsufficientMemory';
  readonly retryable = false;
}

/** A step was routed to a host that is not the one its role names: a wiring bug, never retried. */
export class WrongHostError extends VfmigrateError {
  readonly type = 'WrongHost';
  readonly retryable = false;
}

/** Bad input from a user (a plan, a config file, a host name); carries every problem found. */
export class InputError extends VfmigrateError {
  readonly type = 'InvalidInput';
  readonly retryable = false;
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n${problems.map((p) => `  ${p}`).join('\n')}` : message);
  }
}
