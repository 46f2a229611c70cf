import type { VersioningBehavior, WorkflowDefinitionOptions } from '@temporalio/common';
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import { evacuateHost } from './evacuate-host.js';
import { migrateVm } from './migrate-vm.js';

/**
 * Which worker version a run's workflow tasks go to when the control workers run under Worker Deployment
 * versioning (docs/operations.md "Upgrade"). Only there: an unversioned worker that names a behavior has
 * every workflow task refused ("versioning behavior cannot be specified without deployment options"), so
 * the behavior is chosen per run, by the worker that runs its first task. (An unversioned worker still
 * reports a version for the task, with a build id of its own and no deployment name.)
 *
 * A migration stays on the version it started on: it lasts minutes, the VM is mid-flight and between
 * steps, and a pinned run never meets code it was not written against. Its old workers drain with it.
 *
 * An evacuation lasts hours. Pinned, it would keep the old version's workers alive to the end (its
 * continue-as-new only comes with a long history), so it moves to the current version at its next
 * workflow task. That is safe because every change to evacuate-host.ts is guarded with `patched()` and
 * its recorded histories replay (test/replay): the new code replays the old run's history first. Its
 * children start on the current version and stay there.
 */
const onVersionedWorker =
  (versioningBehavior: VersioningBehavior) =>
  (): WorkflowDefinitionOptions =>
    workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior } : {};

setWorkflowOptions(onVersionedWorker('PINNED'), migrateVm);
setWorkflowOptions(onVersionedWorker('AUTO_UPGRADE'), evacuateHost);
