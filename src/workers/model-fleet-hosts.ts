import path from 'node:path';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { HostServices } from '../activities/host-services.js';
import { loadModelFleet, type ModelFleetConfig } from '../config/model-fleet.js';
import { ModelFleet } from '../hypervisor/model.js';
import { persistModelFleet } from '../hypervisor/model-state-file.js';
import { FileLedger } from '../vf/ledger.js';
import { modelFaultInterceptors } from './model-fault-file.js';
import { modelHostServices } from './model-host-services.js';

export interface ModelFleetHosts {
  config: ModelFleetConfig;
  /** One per host of the file, in its order, all on one in-memory fleet. */
  hosts: HostServices[];
  /** With a state directory: the faults its fault file asks for. */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

/** Where a model fleet with a state directory keeps its domains and each host's VF ledger. */
export const modelStatePaths = {
  fleet: (stateDir: string) => path.join(stateDir, 'model-state.json'),
  ledger: (stateDir: string, host: string) => path.join(stateDir, `${host}.vf-ledger.json`),
};

/**
 * Every host of a model fleet file, with its VMs, as host services for host workers. They share one
 * in-memory fleet, which is why they run in one process: the model cannot span processes. With
 * `stateDir`, the fleet and its ledgers are kept on disk and survive the process.
 */
export async function modelFleetHosts(file: string): Promise<ModelFleetHosts> {
  const config = await loadModelFleet(file);
  const fleet = new ModelFleet({ migrationMs: config.spec.migrationTime, latencyMs: config.spec.latency });
  const stateDir = config.spec.stateDir === undefined ? null : path.resolve(path.dirname(file), config.spec.stateDir);
  const hosts = config.spec.hosts.map((h) => {
    fleet.addHost(h.name, { vfs: h.vfs, memoryMiB: h.memoryMiB });
    h.vms.forEach((vm) => fleet.addVm(h.name, vm));
    return modelHostServices(fleet, h.name, stateDir ? { ledger: new FileLedger(modelStatePaths.ledger(stateDir, h.name)) } : {});
  });
  if (!stateDir) return { config, hosts };
  persistModelFleet(fleet, modelStatePaths.fleet(stateDir));
  return { config, hosts, activityInterceptors: modelFaultInterceptors(fleet, stateDir) };
}
