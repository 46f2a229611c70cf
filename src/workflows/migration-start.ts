import type { SearchAttributePair } from '@temporalio/common';
import { ChildWorkflowCancellationType, ParentClosePolicy } from '@temporalio/workflow';
import { controlQueue, migrationWorkflowId } from '../temporal/names.js';
import { DestinationHost, MigrationPhase, SourceHost, VmName } from '../temporal/search-attributes.js';
import type { RunRequest } from './migration-types.js';

/**
 * Who starts the run: an operator's client with the plan file it read, an operator's client that named no
 * plan (the run chooses by the VM's shape), or an evacuation (its workflow id, and why it chose the plan).
 */
export type MigrationStarter = { planFile: string } | { planByShape: true } | { evacuation: string; planChoice?: string };

/** What a start sends: a resolved plan, or none when the run is to choose it (`planByShape`). */
export type StartRequest = Omit<RunRequest, 'plan'> & { plan?: RunRequest['plan'] };

/** The options of a migration's start, for `client.workflow.start` and for `startChild` alike. */
export interface MigrationStartOptions {
  workflowId: string;
  taskQueue: string;
  args: [StartRequest];
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
export function migrationStartOptions(request: StartRequest, by: MigrationStarter): MigrationStartOptions {
  const { vm, source, destination, plan } = request;
  const common = {
    workflowId: migrationWorkflowId(vm),
    taskQueue: controlQueue(request.queuePrefix),
    args: [request] as [StartRequest],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
  };
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: VmName, value: vm },
    { key: SourceHost, value: source },
    { key: DestinationHost, value: destination },
    { key: MigrationPhase, value: 'Starting' },
  ];
  const planMemo = plan ? { planName: plan.name, planVersion: plan.version, planHash: plan.hash } : {};
  const summary = `${vm}: ${source} → ${destination}, ${plan ? `plan ${plan.name} v${plan.version}` : "plan chosen by the VM's shape"}`;
  if ('planByShape' in by || !plan) {
    return {
      ...common,
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes,
      memo: { planByShape: true },
      staticSummary: summary,
      staticDetails: "No plan named: the run chooses one by the VM's shape on the source (no VF: plain-live-migration; teamed: sriov-live-migration); its details say which and why.",
    };
  }
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
    memo: { ...planMemo, evacuation: by.evacuation, ...(by.planChoice ? { planChoice: by.planChoice } : {}) },
    staticSummary: `${summary} (evacuation of ${source})`,
    ...(by.planChoice ? { staticDetails: `Plan chosen by the evacuation: ${by.planChoice}` } : {}),
  };
}
