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

export const factsSchema = z.object({
  /** The VM as preflight found it on the source. */
  vm: z
    .object({
      memoryMiB: z.number(),
      standby: nicSchema,
      primary: nicSchema.extend({ vf: vfRefSchema.nullable() }).nullable(),
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
  /** The VF booked for this VM on the destination. */
  reservedVf: vfRefSchema.optional(),
  /** The primary this run detached on the source (compensations put this one back). */
  detached: nicSchema.extend({ vf: vfRefSchema.nullable() }).optional(),
  migration: z
    .object({ durationMs: z.number(), dataProcessedBytes: z.number(), downtimeMs: z.number().nullable(), alreadyThere: z.boolean() })
    .optional(),
  attached: nicSchema.extend({ vf: vfRefSchema, host: z.string() }).optional(),
});

export type Facts = z.infer<typeof factsSchema>;

export type FactName = keyof Facts;

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
