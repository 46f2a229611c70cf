import type { MigrationProgress, StepProgress, StepState } from '../../src/workflows/migration-types.js';

const detach = { id: 'detach-vf', activity: 'detachVf', on: 'source', runsOn: 'hostA', pivot: false } as const;
const timeout = { type: 'Timeout', message: 'timed out (start-to-close)' };

/** One step in each state, as StepTracker leaves it: what the UI details and the CLI render. */
export const stepInEachState: Record<StepState, StepProgress> = {
  pending: { ...detach, state: 'pending' },
  running: { ...detach, state: 'running', startedAt: '2026-01-01T00:00:00.000Z' },
  completed: { ...detach, state: 'completed', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 250 },
  failed: { ...detach, state: 'failed', durationMs: 40, error: timeout },
  compensating: { ...detach, state: 'compensating', durationMs: 250, compensation: { activity: 'attachVf', runsOn: 'hostA', state: 'running' } },
  compensated: { ...detach, state: 'compensated', durationMs: 250, compensation: { activity: 'attachVf', runsOn: 'hostA', state: 'completed', durationMs: 75 } },
  'compensation-failed': {
    ...detach,
    state: 'compensation-failed',
    durationMs: 40,
    error: timeout,
    compensation: { activity: 'attachVf', runsOn: 'hostA', state: 'failed', durationMs: 30, error: { type: 'InvalidOperation', message: 'attach refused' } },
  },
  'not-run': { ...detach, state: 'not-run' },
  skipped: { id: 'clear-vf-mac', activity: 'clearVfMac', on: 'source', runsOn: 'hostA', state: 'skipped', pivot: false, note: 'hostA has no VF MAC handling configured' },
};

/** A migration's progress as the `progress` query answers it, with `steps` and the rest given. */
export function progressWith(fields: Partial<MigrationProgress>): MigrationProgress {
  return {
    vm: 'vm-1',
    source: 'hostA',
    destination: 'hostB',
    plan: { name: 'sriov-live-migration', version: 3, hash: 'f'.repeat(64) },
    phase: 'Starting',
    startedAt: '2026-01-01T00:00:00.000Z',
    steps: [],
    migration: null,
    cancelRequested: false,
    outcome: null,
    ...fields,
  };
}
