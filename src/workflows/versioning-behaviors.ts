import { setWorkflowOptions } from '@temporalio/workflow';
import { evacuateHost } from './evacuate-host.js';
import { migrateVm } from './migrate-vm.js';

/**
 * Which worker version a run's workflow tasks go to when the control workers run under Worker Deployment
 * versioning (docs/operations.md "Upgrade"); unversioned workers ignore both.
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
setWorkflowOptions({ versioningBehavior: 'PINNED' }, migrateVm);
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, evacuateHost);
