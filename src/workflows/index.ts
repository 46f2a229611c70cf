export { migrateVm } from './migrate-vm.js';
export { evacuateHost } from './evacuate-host.js';
import './versioning-behaviors.js';
