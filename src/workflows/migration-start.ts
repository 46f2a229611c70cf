import type { SearchAttributePair } from '@temporalio/common';
import { ChildWorkflowCancellationType, ParentClosePolicy } from '@temporalio/workflow';
import { controlQueue, migrationWorkflowId } from '../temporal/names.js';
import { DestinationHost, MigrationPhase, SourceHost, VmName } from '../temporal/search-attributes.js';
import type { RunRequest } from './migration-types.js';

/** Who starts the run: an operator's client, with the plan file it read, or an evacuation (its workflow id). */
export type MigrationStarter = { planFile: string } | { evacuation: string };

/** The options of a migration's start, for `client.workflow.start` and for `startChild` alike. */
export interface MigrationStartOptions {
  workflowId: string;
  taskQueue: string;
  args: [RunRequest];
  workflowIdReusePolicy: 'ALLOW_DUPLICATE';
  /** A client's start. A child has no such option: its start fails on a running id all the same. */
  workflowIdConflictPolicy?: 'FAIL';
  /** An evacuation's child: never killed or cancelled with the evacuation (a migration stopped mid-way is worse than one that finishes). */
  parentClosePolicy?: typeof ParentClosePolicy.ABANDON;
  cancellationType?: typeof ChildWorkflowCancellationType.ABANDON;
  typedSearchAttributes: SearchAttributePair[];
  memo: Record<string, unknown>;
  staticSummary: string;
  staticDetails?: string;
}

/**
 * One migration per VM at a time, wherever it is started from: the VM's workflow id, the control queue,
 * the search attributes set before the first task (so a run is findable at once), the plan in the memo
 * and a one-line summary for the UI. Workflow code: the evacuation starts its children with it.
 */
export function migrationStartOptions(request: RunRequest, by: MigrationStarter): MigrationStartOptions {
  const { vm, source, destination, plan } = request;
  const common = {
    workflowId: migrationWorkflowId(vm),
    taskQueue: controlQueue(request.queuePrefix),
    args: [request] as [RunRequest],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
  };
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: VmName, value: vm },
    { key: SourceHost, value: source },
    { key: DestinationHost, value: destination },
    { key: MigrationPhase, value: 'Starting' },
  ];
  const planMemo = { planName: plan.name, planVersion: plan.version, planHash: plan.hash };
  const summary = `${vm}: ${source} → ${destination}, plan ${plan.name} v${plan.version}`;
  if ('planFile' in by) {
    return {
      ...common,
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes,
      memo: { ...planMemo, planFile: by.planFile },
      staticSummary: summary,
      staticDetails: `Plan **${plan.name}** v${plan.version} (sha256 ${plan.hash.slice(0, 12)}) from ${by.planFile}`,
    };
  }
  return {
    ...common,
    parentClosePolicy: ParentClosePolicy.ABANDON,
    cancellationType: ChildWorkflowCancellationType.ABANDON,
    typedSearchAttributes,
    memo: { ...planMemo, evacuation: by.evacuation },
    staticSummary: `${summary} (evacuation of ${source})`,
  };
}
