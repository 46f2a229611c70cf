/**
 * Names shared by clients, workers and workflows: task queues and the ids of workflows and activities.
 * Plain strings only: workflow code imports this file. Queries, signals and updates: workflows/definitions.ts.
 */
export const defaultQueuePrefix = 'vfmigrate';

/** Workflows (and control activities) run here. */
export function controlQueue(prefix: string): string {
  return `${prefix}-control`;
}

/** One per hypervisor: an activity that touches host X runs on X's queue, polled only by X's worker. */
export function hostQueue(prefix: string, host: string): string {
  return `${prefix}-host-${host}`;
}

/** Workflow types: the names the workflows are exported under (workflows/index.ts), which clients start by. */
export const migrationWorkflowType = 'migrateVm';
export const evacuationWorkflowType = 'evacuateHost';

/** One migration per VM at a time: the workflow id is derived from the VM name alone. */
export function migrationWorkflowId(vm: string): string {
  return `migrate/${vm}`;
}

/** One evacuation per host at a time, likewise. */
export function evacuationWorkflowId(host: string): string {
  return `evacuate/${host}`;
}

/**
 * The activity id of the call that undoes step `stepId` (the step's own call has the step's id). Recorded
 * in histories and shown in the UI: changing it changes the commands a run issues.
 */
export function compensationActivityId(stepId: string): string {
  return `${stepId}/compensate`;
}

/** A host name is a libvirt-ish node name: it becomes part of a task queue name and a workflow id. */
export const hostNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/**
 * libvirt domain names may hold almost anything; we accept the safe subset operators use. Not digits
 * alone: virsh takes a number for a domain ID before it tries names, so "5" could address another VM.
 */
export const vmNamePattern = /^(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;

/** Repair of a VM left degraded (issue 11): one per VM at a time, like its migration, under an id of its own. */
export const repairWorkflowType = 'repairVm';
export function repairWorkflowId(vm: string): string {
  return `repair/${vm}`;
}

/** Asks one host's worker which of its VMs need repair (`vfmigrate status --host`). */
export const repairScanWorkflowType = 'findVmsToRepair';
