import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { NetInterface } from '../domain/description.js';
import type { ModelFleet, ModelVm } from './model.js';

const vmSchema = z.object({
  name: z.string(),
  memoryMiB: z.number(),
  paused: z.boolean(),
  pcieRootPorts: z.int(),
  labels: z.record(z.string(), z.string()).default({}),
  guestAgent: z.enum(['connected', 'disconnected', 'unknown']).optional(),
  guestLacksVfDriver: z.boolean().optional(),
  // Written by saveModelFleet below from the model's own interfaces: their shape is the model's, checked there.
  interfaces: z.array(z.looseObject({ alias: z.string().nullable(), type: z.string(), link: z.enum(['up', 'down']) })),
});

const stateSchema = z.object({
  apiVersion: z.literal('vfmigrate/v1'),
  kind: z.literal('ModelFleetState'),
  hosts: z.record(z.string(), z.object({ vms: z.array(vmSchema) })),
});

/**
 * Keeps a model fleet's domains in a file, so a killed and restarted model worker finds its VMs where
 * the engine left them, as libvirt would: fault tests that kill a worker then test the engine, not the
 * model's amnesia. Loads the file when there is one, then rewrites it after every change (a temporary
 * file renamed over it: a kill never leaves half a state). Synchronous, so writes land in change order.
 * Not kept: a migration job in flight (libvirt's outlives the worker; the model's dies with it, and the
 * retried migrate starts a new one) and a host's simulated outage.
 */
export function persistModelFleet(fleet: ModelFleet, file: string): void {
  if (existsSync(file)) loadModelFleetState(fleet, file);
  else mkdirSync(path.dirname(file), { recursive: true });
  fleet.onChange = () => saveModelFleet(fleet, file);
  saveModelFleet(fleet, file);
}

export function loadModelFleetState(fleet: ModelFleet, file: string): void {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`model state ${file}: cannot read it (${(err as Error).message}); delete it to start the fleet afresh`);
  }
  const parsed = stateSchema.safeParse(data);
  if (!parsed.success) throw new Error(`model state ${file}: not a model fleet state (${parsed.error.issues[0]?.message ?? 'invalid'}); delete it to start the fleet afresh`);
  const known = new Set(fleet.hostNames());
  const unknown = Object.keys(parsed.data.hosts).filter((h) => !known.has(h));
  if (unknown.length) throw new Error(`model state ${file}: hosts ${unknown.join(', ')} are not in the fleet; delete the state to start the fleet afresh`);
  for (const [host, saved] of Object.entries(parsed.data.hosts)) {
    const vms = fleet.state(host).vms;
    vms.clear();
    for (const vm of saved.vms) vms.set(vm.name, { ...vm, interfaces: vm.interfaces as unknown as NetInterface[] } satisfies ModelVm);
  }
}

export function saveModelFleet(fleet: ModelFleet, file: string): void {
  const hosts = Object.fromEntries(fleet.hostNames().map((h) => [h, { vms: [...fleet.state(h).vms.values()] }]));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ apiVersion: 'vfmigrate/v1', kind: 'ModelFleetState', hosts }, null, 2));
  renameSync(tmp, file);
}
