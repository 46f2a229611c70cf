import { VfmigrateError } from '../errors.js';

/**
 * Domain XML could not be read (not well-formed, refused, too large, or missing what vfmigrate needs); the
 * message says what and where. Never retryable: the same XML gives the same answer.
 */
export class DomainXmlError extends VfmigrateError {
  readonly type = 'InvalidDomainXml';
  readonly retryable = false;
  constructor(
    message: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    super(message);
  }
}
