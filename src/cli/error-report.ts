import {
  NamespaceNotFoundError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  isGrpcServiceError,
} from '@temporalio/client';
import { VfmigrateError } from '../errors.js';
import { printable } from '../util/printable.js';

/** Set to 1 to get the stack trace of an error the CLI reports, for a bug report. */
export const debugVariable = 'VFMIGRATE_DEBUG';

/**
 * What the CLI prints for an error that ended a command: what is wrong and what to do, on one line
 * (a VfmigrateError's problem list follows it, one problem a line). A stack trace is for whoever debugs
 * vfmigrate, not for its users: only with VFMIGRATE_DEBUG=1.
 */
export function errorReport(err: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const text = `error: ${describe(err)}\n`;
  return env[debugVariable] === '1' && err instanceof Error && err.stack ? `${text}${err.stack}\n` : text;
}

function describe(err: unknown): string {
  if (err instanceof VfmigrateError) return err.message;
  if (err instanceof WorkflowNotFoundError) return `no run with id ${printable(err.workflowId) || '(unknown)'}: ${oneLine(err.message)}`;
  if (err instanceof NamespaceNotFoundError) return `Temporal has no namespace ${err.namespace}; set TEMPORAL_NAMESPACE to one that exists`;
  if (err instanceof QueryRejectedError || err instanceof QueryNotRegisteredError) return `the run did not answer: ${oneLine(err.message)}`;
  // vfmigrate's runs end with a report even when they fail; one without was terminated or timed out.
  if (err instanceof WorkflowFailedError) return `the run ended without a report (${err.cause?.name ?? 'failed'}): ${oneLine(err.cause?.message || err.message)}`;
  const grpc = err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : isGrpcServiceError(err) ? err : null;
  if (grpc) return grpcLine(grpc.code, oneLine(grpc.details || grpc.message));
  if (err instanceof ServiceError) return `Temporal request failed: ${oneLine(err.message)}`;
  const message = err instanceof Error ? err.message : String(err);
  return `${oneLine(message)} (unexpected: run again with ${debugVariable}=1 for the stack trace, and report it)`;
}

/** gRPC status codes (grpc-js is not a dependency of vfmigrate's own). */
const grpcStatus = { DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

function grpcLine(code: number, details: string): string {
  switch (code) {
    case grpcStatus.UNAVAILABLE:
      return `cannot reach Temporal (${details}); start it with \`vfmigrate dev\`, or check TEMPORAL_ADDRESS`;
    case grpcStatus.DEADLINE_EXCEEDED:
      return `Temporal did not answer in time (${details}); a run whose workflow task keeps failing answers no queries: look at it in the Temporal UI`;
    case grpcStatus.UNAUTHENTICATED:
    case grpcStatus.PERMISSION_DENIED:
      return `Temporal refused the credentials (${details}); check TEMPORAL_API_KEY or the TLS client certificate`;
    default:
      return `Temporal refused the request: ${details}`;
  }
}

/** Errors from outside may span lines; the report keeps to one, with control characters shown, not obeyed. */
function oneLine(text: string): string {
  return printable(text.replace(/\s*\n\s*/g, ' '));
}
