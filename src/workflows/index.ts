export { migrateVm } from './migrate-vm.js';
