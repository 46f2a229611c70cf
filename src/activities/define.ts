import type { z } from 'zod';
import type { ActivitySpec } from '../plan/activity-catalog.js';
import type { Facts } from './facts.js';
import type { HostServices } from './host-services.js';
import type { StepInput } from './step-input.js';

export interface ActivityRun<W> {
  host: HostServices;
  input: StepInput;
  /** The step's `with`, parsed by the activity's own schema (defaults applied). */
  params: W;
}

/**
 * One step of the migration procedure: what a plan knows of it (ActivitySpec: its name, the schema of its
 * `with`, the roles it may run on, whether it is read-only) and the code that runs it on a host.
 */
export interface ActivityDefinition<W = unknown> extends ActivitySpec<W> {
  run(ctx: ActivityRun<W>): Promise<Partial<Facts>>;
}

export function defineActivity<S extends z.ZodType>(def: ActivityDefinition<z.output<S>> & { with: S }): ActivityDefinition<z.output<S>> {
  return def;
}
