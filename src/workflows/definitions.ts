/**
 * Every query, signal and update vfmigrate's workflows answer, defined once. The workflows set their
 * handlers with these; the client, the CLI and the migrate activity send them. A definition is a plain
 * `{ type, name }` object, so importing this file is safe outside a workflow too.
 *
 * The names are a wire contract: the Temporal CLI and other SDKs send them by name (docs/api.md), and
 * recorded histories hold them. Renaming one breaks every client and running workflow that uses it.
 */
import * as wf from '@temporalio/workflow';
import type { EvacuationProgress } from '../evacuation/evacuation-types.js';
import type { MigrationProgress } from './migration-types.js';
import type { RepairProgress } from './repair-types.js';

/** migrateVm: where the run is, step by step (also answered while the run resolves its plan). */
export const migrationProgressQuery = wf.defineQuery<MigrationProgress>('progress');

/** migrateVm: the migrate activity's bytes moved so far (defined below both workflows and activities). */
export { migrationProgressSignal } from '../temporal/migration-progress-signal.js';

/** evacuateHost: every VM's state, counts and ETA. The same name as the migration's query: `status` asks both alike. */
export const evacuationProgressQuery = wf.defineQuery<EvacuationProgress>('progress');

/** evacuateHost: in-flight migrations finish, no new ones start. No arguments; answers the progress after the change. */
export const pauseUpdate = wf.defineUpdate<EvacuationProgress, []>('pause');

/** evacuateHost: start migrations again after a pause. No arguments; answers the progress after the change. */
export const resumeUpdate = wf.defineUpdate<EvacuationProgress, []>('resume');

/** repairVm: where the repair is, step by step. The same name as the others' query: `status` asks every run alike. */
export const repairProgressQuery = wf.defineQuery<RepairProgress>('progress');
