import type { z } from 'zod';
import type { HostRole } from './schema.js';

/**
 * What the plan language knows of an activity: enough to check a plan against it and fill in its defaults.
 * Declared here, not in activities/, so that plans depend on this description and activities implement it
 * (activities/define.ts); whoever loads a plan hands in the catalog it runs with.
 */
export interface ActivitySpec<W = unknown> {
  name: string;
  summary: string;
  hosts: readonly HostRole[];
  /** A read-only activity never changes state. */
  readOnly: boolean;
  /** The schema the step's `with` arguments must satisfy. */
  with: z.ZodType<W>;
  defaults: ActivityDefaults;
  /**
   * A host capability this activity needs to do anything. Preflight reports each host's capabilities,
   * and the interpreter skips the step on a host without it instead of paying a round trip for a no-op.
   */
  onlyIf?: HostCapability;
  /**
   * Why a call with these `with` values goes past the pivot's point of no return a second time (post-copy:
   * once switched, nothing rolls back), or null. A plan using it must acknowledge it (validate.ts).
   */
  secondPointOfNoReturn?: (params: W) => string | null;
}

/** What a host may be able to do around a VF switch (host networking), as preflight reports it. */
export const hostCapabilities = ['vfMac', 'fdb'] as const;
export type HostCapability = (typeof hostCapabilities)[number];

/** Time limits an activity runs under when the plan does not set its own. */
export interface ActivityDefaults {
  startToClose: string;
  scheduleToStart?: string;
  heartbeat?: string;
}

export type ActivityCatalog = ReadonlyMap<string, ActivitySpec>;
