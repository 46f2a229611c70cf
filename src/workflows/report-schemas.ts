import { z } from 'zod';
import type { EvacuationReport } from '../evacuation/evacuation-types.js';
import { hostRoles } from '../plan/schema.js';
import type { MigrationReport } from './migration-types.js';

/**
 * The results of migrateVm and evacuateHost as zod schemas, for the published JSON Schemas (`vfmigrate
 * schema`, docs/api.md). The TypeScript interfaces stay the source the code uses; the checks at the end
 * fail the build if the two ever disagree.
 */

const stepError = z.strictObject({ type: z.string(), message: z.string() });
const stepStates = ['pending', 'running', 'completed', 'failed', 'compensating', 'compensated', 'compensation-failed', 'not-run', 'skipped'] as const;
const outcomes = ['migrated', 'rolled-back', 'degraded', 'cancelled', 'compensation-failed', 'postcopy-failed'] as const;

const stepProgress = z.strictObject({
  id: z.string(),
  activity: z.string(),
  on: z.enum(hostRoles),
  runsOn: z.string().meta({ description: 'the host (or control) it runs on in this run' }),
  state: z.enum(stepStates),
  pivot: z.boolean(),
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  error: stepError.optional(),
  note: z.string().optional().meta({ description: 'why a skipped step was skipped' }),
  compensation: z
    .strictObject({
      activity: z.string(),
      runsOn: z.string(),
      state: z.enum(['running', 'completed', 'failed']),
      durationMs: z.number().optional(),
      error: stepError.optional(),
    })
    .optional(),
});

const migrationBytes = z.strictObject({
  elapsedMs: z.number(),
  dataTotalBytes: z.number(),
  dataProcessedBytes: z.number(),
  dataRemainingBytes: z.number(),
  at: z.string(),
  dirtyRateBytesPerSecond: z.number().optional(),
  iteration: z.number().optional(),
  maxDowntimeMs: z.number().optional(),
  mode: z.enum(['precopy', 'postcopy', 'aborting']).optional(),
  actions: z.array(z.string()).optional().meta({ description: 'what the convergence controls did, oldest first' }),
});

export const migrationReportSchema = z
  .strictObject({
    vm: z.string(),
    source: z.string(),
    destination: z.string(),
    plan: z.strictObject({ name: z.string(), version: z.number(), hash: z.string() }),
    planChoice: z.string().optional().meta({ description: 'why this plan, when the run (or its evacuation) chose it: e.g. "no VF -> plain-live-migration"' }),
    phase: z.string().meta({ description: 'the last step, or Completed, RolledBack, Degraded, Cancelled, NeedsAttention' }),
    startedAt: z.string(),
    steps: z.array(stepProgress),
    migration: migrationBytes.nullable(),
    cancelRequested: z.boolean(),
    outcome: z.enum(outcomes),
    location: z.enum(['source', 'destination']).meta({ description: 'where the VM runs now, as far as the run knows' }),
    message: z.string(),
    durationMs: z.number(),
    failedStep: z.strictObject({ id: z.string(), activity: z.string(), error: stepError }).nullable(),
    downtimeMs: z.number().nullable(),
    vf: z.strictObject({ source: z.string().nullable(), destination: z.string().nullable() }),
    // Runs older than the guest-agent steps report none.
    vfBackInGuestMs: z.number().nullable().default(null).meta({ description: "from the VF's attach until the guest agent showed net_failover whole again" }),
    pairs: z
      .array(
        z.strictObject({
          standby: z.string(),
          primary: z.string().nullable(),
          mac: z.string(),
          form: z.enum(['interface', 'hostdev']),
          vf: z.strictObject({ source: z.string().nullable(), destination: z.string().nullable() }),
          detachMs: z.number().nullable(),
          attachMs: z.number().nullable(),
        }),
      )
      .optional()
      .meta({ description: 'each teamed pair: aliases, MAC, VFs on both hosts, unplug and plug times' }),
  })
  .meta({
    id: 'MigrationReport',
    title: 'migrateVm result',
    description:
      'The result of a migrated run; a run with another outcome fails with this report in its failure details[0] (types MigrationRolledBack, MigrationDegraded, CompensationFailed, PostcopyFailed; a cancelled run is cancelled with it)',
  });

const vmStates = ['pending', 'waiting', 'migrating', 'migrated', 'degraded', 'failed', 'cancelled', 'skipped', 'unplaceable'] as const;
const vmEntry = z.strictObject({
  vm: z.string(),
  memoryMiB: z.number(),
  state: z.enum(vmStates),
  destination: z.string().optional(),
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  message: z.string().optional(),
  plan: z.string().optional().meta({ description: 'the plan chosen for it (policy rule or its shape)' }),
  planChoice: z.string().optional().meta({ description: 'why, e.g. "no VF -> plain-live-migration"' }),
  pairs: z.number().optional().meta({ description: 'its teamed pairs: a plan with a VF books one per pair on the destination' }),
});
const evacuationOutcomes = ['completed', 'incomplete', 'stopped', 'cancelled'] as const;

export const evacuationReportSchema = z
  .strictObject({
    host: z.string(),
    policy: z.string(),
    state: z.enum(['running', 'paused', 'stopping', ...evacuationOutcomes]),
    counts: z.record(z.enum(vmStates), z.number()),
    vms: z.array(vmEntry),
    startedAt: z.string(),
    elapsedMs: z.number(),
    etaMs: z.number().nullable(),
    unavailable: z.array(z.strictObject({ host: z.string(), reason: z.string() })),
    runs: z.number().meta({ description: 'how many runs (continue-as-new generations) the evacuation used' }),
    outcome: z.enum(evacuationOutcomes),
    message: z.string(),
  })
  .meta({
    id: 'EvacuationReport',
    title: 'evacuateHost result',
    description: 'The result of a completed evacuation; any other outcome fails with type EvacuationIncomplete (or is cancelled) with this report in details[0]',
  });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const schemasMatchTypes: [Same<z.output<typeof migrationReportSchema>, MigrationReport>, Same<z.output<typeof evacuationReportSchema>, EvacuationReport>] = [true, true];
