import * as wf from '@temporalio/workflow';

/**
 * migrateVm: the migrate activity's bytes moved so far. Typed `unknown` on purpose: anyone who can reach
 * the server can send it, so the handler parses what arrives and drops what does not fit. It lives here,
 * below both the workflows and the activities, because the activity that sends it must not import the
 * workflows folder (folders depend one way); `src/workflows/definitions.ts` lists it with the others.
 */
export const migrationProgressSignal = wf.defineSignal<[unknown]>('migrationProgress');
