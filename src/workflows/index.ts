export { migrateVm } from './migrate-vm.js';
export { evacuateHost } from './evacuate-host.js';
export { repairVm } from './repair-vm.js';
export { findVmsToRepair } from './find-vms-to-repair.js';
import './versioning-behaviors.js';
