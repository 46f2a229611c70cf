import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NamespaceNotFoundError, ServiceError, TerminatedFailure, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { errorReport } from '../../src/cli/error-report.js';
import { InputError } from '../../src/errors.js';

/** What a gRPC call's error looks like to the Temporal client (grpc-js ServiceError shape). */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { get: () => [] } });
}

void describe('what the CLI prints for an error', () => {
  const lines = (err: unknown, env: NodeJS.ProcessEnv = {}): string[] => errorReport(err, env).trimEnd().split('\n');

  void it('a vfmigrate error: its message and problems, no stack', () => {
    assert.deepEqual(lines(new InputError('bad plan', ['spec.steps: missing'])), ['error: bad plan', '  spec.steps: missing']);
  });

  void it('a workflow Temporal does not know: one line', () => {
    assert.deepEqual(lines(new WorkflowNotFoundError('workflow not found for ID: migrate/x', 'migrate/x', undefined)), [
      'error: no run with id migrate/x: workflow not found for ID: migrate/x',
    ]);
  });

  void it('a run that ended without a report (terminated by hand): one line with the reason', () => {
    const err = new WorkflowFailedError('Workflow execution failed', new TerminatedFailure('stuck, terminated\nby the operator'), RetryState.NON_RETRYABLE_FAILURE);
    assert.deepEqual(lines(err), ['error: the run ended without a report (TerminatedFailure): stuck, terminated by the operator']);
  });

  void it('a namespace Temporal does not know: one line saying what to set', () => {
    assert.deepEqual(lines(new NamespaceNotFoundError('prod')), ['error: Temporal has no namespace prod; set TEMPORAL_NAMESPACE to one that exists']);
  });

  void it('a service error from a lost connection, a timeout and a refused key: one line each, saying what to do', () => {
    const unavailable = new ServiceError('Failed to describe workflow', { cause: grpcError(14, 'No connection established') });
    assert.deepEqual(lines(unavailable), ['error: cannot reach Temporal (No connection established); start it with `vfmigrate dev`, or check TEMPORAL_ADDRESS']);
    assert.match(lines(new ServiceError('Failed to query workflow', { cause: grpcError(4, 'Deadline exceeded') }))[0] ?? '', /^error: Temporal did not answer in time/);
    assert.match(lines(grpcError(16, 'bad key'))[0] ?? '', /^error: Temporal refused the credentials \(bad key\); check TEMPORAL_API_KEY/);
    assert.deepEqual(lines(new ServiceError('Failed to start', { cause: grpcError(3, 'bad\nthing') })), ['error: Temporal refused the request: bad thing']);
  });

  void it('an unexpected error: one line pointing at VFMIGRATE_DEBUG, the stack only when it is set', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    assert.deepEqual(lines(bug), ["error: Cannot read properties of undefined (reading 'x') (unexpected: run again with VFMIGRATE_DEBUG=1 for the stack trace, and report it)"]);
    const debug = lines(bug, { VFMIGRATE_DEBUG: '1' });
    assert.ok(debug.length > 2, 'the stack follows');
    assert.match(debug[1] ?? '', /^TypeError: Cannot read/);
    assert.match(debug[2] ?? '', /^\s+at /);
  });

  void it('control characters in a message from outside are shown escaped, not sent to the terminal', () => {
    assert.deepEqual(lines(new Error('evil\x1b[2Jname\x7f')), ['error: evil\\u001b[2Jname\\u007f (unexpected: run again with VFMIGRATE_DEBUG=1 for the stack trace, and report it)']);
  });
});
