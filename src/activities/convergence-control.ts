import { z } from 'zod';
import type { Hypervisor, MigrationProgress } from '../hypervisor/hypervisor.js';
import type { Logger } from '../util/logger.js';
import { applyConvergenceAction, decideConvergence, initialConvergenceState, type ConvergenceAction, type ConvergenceState } from './convergence.js';
import type { ConvergenceSettings } from './convergence-settings.js';

/** The state as a heartbeat carries it to the next attempt (checked: heartbeat details are just JSON). */
const stateSchema = z.object({
  mode: z.enum(['precopy', 'postcopy', 'aborting']),
  downtimeMs: z.number().nonnegative(),
  lowestRemainingBytes: z.number().nonnegative().nullable(),
  lowestAtMs: z.number().nonnegative(),
  actions: z.array(z.string().max(300)).max(100),
});

/**
 * Carries out the convergence decision (convergence.ts) on a running job, one action at a time: each
 * progress sample may start one, and the next sample waits until it is done. A failed action is logged
 * and decided again on the next sample (the state only changes once an action took effect).
 */
export class ConvergenceControl {
  private current: ConvergenceState;
  private busy = false;
  /** Why the job was given up on with `abort`, once it was. */
  abortReason: string | null = null;

  constructor(
    private readonly hypervisor: Hypervisor,
    private readonly vm: string,
    private readonly settings: ConvergenceSettings,
    private readonly log: Logger,
    /** Aborts the job (the activity's abort signal: the adapter confirms the VM runs here again). */
    private readonly abort: () => void,
    /** A previous attempt's state, from its last heartbeat: a retry must not switch or abort twice. */
    carried?: unknown,
    /** Told of each action once it took effect (the convergence-actions metric). */
    private readonly taken: (action: 'raise-downtime' | 'postcopy' | 'abort') => void = () => undefined,
    /** The downtime a new job starts at: the schedule only raises from there, never below it. */
    startDowntimeMs?: number,
  ) {
    const parsed = stateSchema.safeParse(carried);
    this.current = parsed.success ? parsed.data : initialConvergenceState(settings, startDowntimeMs);
    if (this.current.mode === 'aborting') {
      // An earlier attempt gave up on this job: carry the decision out again (the job may still run).
      this.abortReason = this.current.actions.at(-1) ?? 'an earlier attempt gave up on it';
      abort();
    }
  }

  get state(): ConvergenceState {
    return this.current;
  }

  observe(sample: MigrationProgress): void {
    if (this.busy) return;
    const { state, action } = decideConvergence(this.settings, this.current, sample);
    this.current = state;
    if (action.kind === 'wait') return;
    this.busy = true;
    this.carryOut(action, sample.elapsedMs)
      .then(() => {
        this.current = applyConvergenceAction(this.current, action, sample.elapsedMs);
        if (action.kind === 'set-downtime') this.taken('raise-downtime');
        else if (action.kind === 'give-up') this.taken(action.action);
      })
      .catch((err: unknown) => {
        this.log.warn('convergence action failed; deciding again on the next sample', { vm: this.vm, action: action.kind, error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.busy = false;
      });
  }

  private async carryOut(action: ConvergenceAction, atMs: number): Promise<void> {
    if (action.kind === 'set-downtime') return this.hypervisor.setMigrationMaxDowntime(this.vm, action.downtimeMs);
    if (action.kind !== 'give-up') return;
    if (action.action === 'postcopy') return this.hypervisor.startPostcopy(this.vm);
    this.abortReason = action.reason;
    this.log.warn('migration does not converge: aborting it', { vm: this.vm, reason: action.reason, atMs });
    this.abort();
  }
}
