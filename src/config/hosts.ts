import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { hostNamePattern } from '../temporal/names.js';
import { durationParam } from '../util/duration.js';
import { libvirtUriProblem } from './libvirt-uri.js';
import { readYamlFile } from './yaml-file.js';

const pciAddress = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, { message: 'expected a PCI address such as 0000:3b:02.1' });
/** A worker opens these as root, and a source's libvirtd opens a destination's: only what libvirt-uri.ts allows. */
const libvirtUri = z.string().superRefine((uri, ctx) => {
  const problem = libvirtUriProblem(uri);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const netdev = z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, { message: 'expected a network device name (at most 15 characters)' });

/** Where a host's VFs come from. */
const vfProviderSchema = z.discriminatedUnion('provider', [
  /** Explicit VF PCI addresses, like the source document's VF config file; pf/vfIndex enable the VF MAC step. */
  z.strictObject({
    provider: z.literal('pci-list'),
    vfs: z.array(z.strictObject({ pci: pciAddress, pf: netdev.optional(), vfIndex: z.int().min(0).optional() })).min(1),
  }),
  /** A libvirt hostdev network (`<forward mode='hostdev'>`), same name on every host; libvirt picks the VF. */
  z.strictObject({ provider: z.literal('libvirt-network'), network: z.string().min(1) }),
  /** The testbed: no SR-IOV; `count` slots, each an emulated e1000e with the VM's MAC standing in for a VF. */
  z.strictObject({ provider: z.literal('emulated'), count: z.int().min(1) }),
]);

const hostSchema = z.strictObject({
  name: z.string().regex(hostNamePattern, { message: 'expected a host name (letters, digits, . _ -)' }),
  /** What this host's worker connects to. */
  libvirtUri,
  /** What OTHER hosts' libvirtd connect to when migrating a VM here (p2p). */
  migrationUri: libvirtUri,
  /** The worker's own state (the VF ledger). Relative paths are relative to this file. */
  stateDir: z.string().min(1),
  vfs: vfProviderSchema,
  /** Host networking around the VF switch (real SR-IOV NICs only); omitted = the steps are no-ops here. */
  network: z
    .strictObject({
      /** Clear the VF's MAC on its PF while the VM is away from it (needs pf/vfIndex on the VFs). */
      clearVfMac: z.boolean().default(false),
      /** Bridge port to add the VM MAC's FDB entry on while the VM runs on its standby. */
      fdbDevice: netdev.optional(),
    })
    .optional(),
  /** How often a running migration updates the run's progress query. */
  progressEvery: z.string().regex(/^[1-9][0-9]*(ms|s)$/).default('2s'),
  /** VMs a run could not finish (standby up, or primary missing, with no run open): how often the worker looks, and whether it repairs them itself. */
  repair: z
    .strictObject({
      scanEvery: durationParam('5m'),
      /** Off by default: an operator decides whether a host gives VFs back unasked. The limit keeps a fleet-wide fault from starting a storm. */
      autoRepair: z.strictObject({ enabled: z.boolean().default(false), maxPerHour: z.int().min(1, { message: 'expected 1 to 60 repairs an hour (to start none, set enabled: false)' }).max(60, { message: 'expected 1 to 60 repairs an hour' }).default(4) }).prefault({}),
    })
    .prefault({}),
});

export const hostsFileSchema = z.strictObject({
  apiVersion: z.literal('vfmigrate/v1'),
  kind: z.literal('Hosts'),
  spec: z.strictObject({ hosts: z.array(hostSchema).min(1) }),
});

export type HostConfig = z.output<typeof hostSchema>;

/** Reads the hosts file and returns the named host, its stateDir resolved; names the known hosts if absent. */
export async function loadHostConfig(file: string, name: string): Promise<HostConfig> {
  const config = await readYamlFile(file, hostsFileSchema, 'hosts file');
  const names = config.spec.hosts.map((h) => h.name);
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  if (duplicates.length) throw new InputError(`${file}: host names must be unique`, duplicates.map((d) => `spec.hosts: "${d}" appears twice`));
  const host = config.spec.hosts.find((h) => h.name === name);
  if (!host) throw new InputError(`${file} has no host named "${name}" (it has: ${names.join(', ')})`);
  return { ...host, stateDir: path.resolve(path.dirname(file), host.stateDir) };
}

/** The host's VF ledger: one file in its state directory, which its worker holds (and locks) while it runs. */
export function ledgerPath(host: Pick<HostConfig, 'stateDir'>): string {
  return path.join(host.stateDir, 'vf-ledger.json');
}

/** An emulated pool's primaries are NICs modelled on the standby; every other pool's are VFs (hostdev). */
export function primaryModeOf(host: Pick<HostConfig, 'vfs'>): 'emulated' | 'hostdev' {
  return host.vfs.provider === 'emulated' ? 'emulated' : 'hostdev';
}
