import { z } from 'zod';
import { aliasPattern, macPattern } from '../domain/libvirt-names.js';
import { vfRefSchema } from '../domain/vf-ref.js';
import { VfmigrateError } from '../errors.js';

/**
 * What steps learn and hand to later steps and to compensations. Each activity returns a patch that the
 * interpreter merges into the run's facts; each activity parses the facts it needs at its boundary, so a
 * plan that forgets a producing step fails with a message naming the missing fact, not a TypeError.
 */

/** Aliases and MACs go back to libvirt: held to its rules here too, whoever produced them. */
const nicSchema = z.object({
  alias: z.string().regex(aliasPattern, { message: 'expected a libvirt device alias' }),
  mac: z.string().regex(macPattern, { message: 'expected a lower-case MAC address' }),
});

/** Which host-network steps do anything on a host; the interpreter skips the others (no round trip). */
const hostNetworkSchema = z.object({ vfMac: z.boolean(), fdb: z.boolean() });

const primarySchema = nicSchema.extend({
  vf: vfRefSchema.nullable(),
  /** `hostdev`: a plain PCI `<hostdev>` with `<teaming>`, put back in that form. Absent: `<interface>`. */
  form: z.enum(['interface', 'hostdev']).optional(),
});

/** One teamed pair: a standby and its primary (null when the VM runs on the standby alone). */
const pairSchema = z.object({ standby: nicSchema, primary: primarySchema.nullable() });

export const factsSchema = z.object({
  /** The VM as preflight found it on the source. */
  vm: z
    .object({
      memoryMiB: z.number(),
      /** The first pair (every pair is in `pairs`; runs recorded before pairs existed have only these). */
      standby: nicSchema,
      primary: primarySchema.nullable(),
      /** Every teamed pair, in the order the domain lists the standbys. */
      pairs: z.array(pairSchema).min(1).optional(),
    })
    .optional(),
  /** A VM without a VF as preflight found it on the source (preflightSource with `teaming: none`). */
  guest: z.object({ memoryMiB: z.number() }).optional(),
  /** What each host can do around a VF switch (host networking), as its own worker says. */
  source: z.object({ host: z.string(), network: hostNetworkSchema }).optional(),
  /** The destination as its own worker describes it. */
  destination: z
    .object({ host: z.string(), migrationUri: z.string(), freeMemoryMiB: z.number(), freeVfs: z.number(), network: hostNetworkSchema.optional() })
    .optional(),
  /** The VF booked for this VM on the destination (the first pair's). */
  reservedVf: vfRefSchema.optional(),
  /** One VF per pair booked on the destination, in pair order. */
  reservedVfs: z.array(vfRefSchema).optional(),
  /** The primary this run detached on the source (the first pair's; compensations put this one back). */
  detached: nicSchema.extend({ vf: vfRefSchema.nullable() }).optional(),
  /** Every primary this run detached on the source, with how long each unplug took to be confirmed. */
  detachedPairs: z.array(primarySchema.extend({ standbyAlias: z.string(), durationMs: z.number() })).optional(),
  migration: z
    .object({ durationMs: z.number(), dataProcessedBytes: z.number(), downtimeMs: z.number().nullable(), alreadyThere: z.boolean() })
    .optional(),
  attached: nicSchema.extend({ vf: vfRefSchema, host: z.string() }).optional(),
  /** Whether preflight had the guest's own view of its failover: the destination then waits for it again. */
  guestView: z.object({ asked: z.boolean() }).optional(),
  /** When the guest itself showed the VF back (net_failover whole again), as its agent said. */
  guestVf: z.object({ host: z.string(), backInGuestMs: z.number() }).optional(),
  /** Every primary attached on the destination, with how long each plug took to be confirmed. */
  attachedPairs: z.array(nicSchema.extend({ vf: vfRefSchema, host: z.string(), standbyAlias: z.string(), durationMs: z.number() })).optional(),
});

export type Facts = z.infer<typeof factsSchema>;

export type FactName = keyof Facts;

export type PairFact = z.infer<typeof pairSchema>;

/** The VM's teamed pairs: `pairs`, or (facts of a run recorded before pairs existed) its one pair. */
export function pairsOf(vm: NonNullable<Facts['vm']>): PairFact[] {
  return vm.pairs ?? [{ standby: vm.standby, primary: vm.primary }];
}

/** Returns the named fact or fails with a message that says which step should have produced it. */
export function requireFact<K extends FactName>(facts: Facts, name: K, producedBy: string): NonNullable<Facts[K]> {
  const value = facts[name];
  if (value === undefined || value === null) {
    throw new MissingFactError(`this step needs the "${name}" fact, which ${producedBy} produces; add that step earlier in the plan`);
  }
  return value;
}

export class MissingFactError extends VfmigrateError {
  readonly type = 'MissingFact';
  readonly retryable = false;
}
