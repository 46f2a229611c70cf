import type { HostServices } from '../activities/host-services.js';
import { loadModelFleet, type ModelFleetConfig } from '../config/model-fleet.js';
import { ModelFleet } from '../hypervisor/model.js';
import { modelHostServices } from './model-host-services.js';

export interface ModelFleetHosts {
  config: ModelFleetConfig;
  /** One per host of the file, in its order, all on one in-memory fleet. */
  hosts: HostServices[];
}

/**
 * Every host of a model fleet file, with its VMs, as host services for host workers. They share one
 * in-memory fleet, which is why they run in one process: the model cannot span processes.
 */
export async function modelFleetHosts(file: string): Promise<ModelFleetHosts> {
  const config = await loadModelFleet(file);
  const fleet = new ModelFleet({ migrationMs: config.spec.migrationTime, latencyMs: config.spec.latency });
  const hosts = config.spec.hosts.map((h) => {
    fleet.addHost(h.name, { vfs: h.vfs, memoryMiB: h.memoryMiB });
    h.vms.forEach((vm) => fleet.addVm(h.name, vm));
    return modelHostServices(fleet, h.name);
  });
  return { config, hosts };
}
