import { repairCandidates, type RepairCandidate } from '../domain/repair-candidates.js';
import { repairNeed, type RepairNeed } from '../domain/repair-need.js';
import { VmNotFoundError } from '../hypervisor/errors.js';
import { migrationWorkflowId, repairWorkflowId } from '../temporal/names.js';
import type { HostServices } from './host-services.js';

/**
 * The VMs on this host that need repair (standby up, or primary missing) and have no migration or repair
 * open. Shared by the host worker's periodic watch and `vfmigrate status --host`; `isOpen` says whether a
 * run (by workflow id) is open.
 */
export async function findVmsToRepair(host: HostServices, isOpen: (workflowId: string) => Promise<boolean>): Promise<RepairCandidate[]> {
  const vms = (await host.hypervisor.listVms()).filter((v) => v.state === 'running');
  const needs: { name: string; need: RepairNeed }[] = [];
  for (const vm of vms) {
    try {
      needs.push({ name: vm.name, need: repairNeed(await host.hypervisor.describeVm(vm.name), host.primaryMode) });
    } catch (err) {
      // It left between the listing and the look: not this host's VM any more.
      if (!(err instanceof VmNotFoundError)) throw err;
    }
  }
  const open = new Set<string>();
  for (const { name, need } of needs) {
    if (need.kind !== 'repair') continue;
    const [migrating, repairing] = await Promise.all([isOpen(migrationWorkflowId(name)), isOpen(repairWorkflowId(name))]);
    if (migrating || repairing) open.add(name);
  }
  return repairCandidates(needs, open);
}
