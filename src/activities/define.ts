import type { z } from 'zod';
import type { HostRole } from '../plan/schema.js';
import type { Facts } from './facts.js';
import type { HostServices } from './host-services.js';
import type { StepInput } from './step-input.js';

export type HostCapability = 'vfMac' | 'fdb';

/** Time limits an activity runs under when the plan does not set its own. */
export interface ActivityDefaults {
  startToClose: string;
  scheduleToStart?: string;
  heartbeat?: string;
}

export interface ActivityRun<W> {
  host: HostServices;
  input: StepInput;
  /** The step's `with`, parsed by the activity's own schema (defaults applied). */
  params: W;
}

/**
 * One step of the migration procedure. The plan names it by `name`; `with` is the schema its plan
 * arguments must satisfy; `hosts` are the roles it may run on; `readOnly` activities never change state.
 */
export interface ActivityDefinition<W = unknown> {
  name: string;
  summary: string;
  hosts: readonly HostRole[];
  readOnly: boolean;
  with: z.ZodType<W>;
  defaults: ActivityDefaults;
  /**
   * A host capability this activity needs to do anything. Preflight reports each host's capabilities,
   * and the interpreter skips the step on a host without it instead of paying a round trip for a no-op.
   */
  onlyIf?: HostCapability;
  run(ctx: ActivityRun<W>): Promise<Partial<Facts>>;
}

export function defineActivity<S extends z.ZodType>(def: ActivityDefinition<z.output<S>> & { with: S }): ActivityDefinition<z.output<S>> {
  return def;
}
