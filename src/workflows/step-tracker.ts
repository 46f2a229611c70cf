import type { ResolvedActivityStep, ResolvedCall } from '../plan/resolved.js';
import type { StepError, StepProgress } from './migration-types.js';

/** Per-step state and timings for the `progress` query, the report and the UI's current details. */
export class StepTracker {
  private readonly entries = new Map<string, StepProgress>();
  private readonly startedMs = new Map<string, number>();

  constructor(steps: ResolvedActivityStep[], runsOn: (call: ResolvedCall) => string) {
    for (const s of steps) {
      this.entries.set(s.id, { id: s.id, activity: s.activity, on: s.on, runsOn: runsOn(s), state: 'pending', pivot: s.pivot });
    }
  }

  start(id: string): void {
    const now = Date.now();
    this.startedMs.set(id, now);
    this.update(id, { state: 'running', startedAt: new Date(now).toISOString() });
  }

  complete(id: string): void {
    this.update(id, { state: 'completed', durationMs: this.elapsed(id) });
  }

  skip(id: string, note: string): void {
    this.update(id, { state: 'skipped', note });
  }

  fail(id: string, error: StepError): void {
    this.update(id, { state: 'failed', durationMs: this.elapsed(id), error });
  }

  compensating(id: string, call: ResolvedCall, runsOn: string): void {
    this.startedMs.set(`${id}/compensate`, Date.now());
    this.update(id, { state: 'compensating', compensation: { activity: call.activity, runsOn, state: 'running' } });
  }

  compensated(id: string, error?: StepError): void {
    const entry = this.get(id);
    const durationMs = this.elapsed(`${id}/compensate`);
    if (!entry.compensation) return;
    entry.compensation = { ...entry.compensation, state: error ? 'failed' : 'completed', durationMs, ...(error ? { error } : {}) };
    entry.state = error ? 'compensation-failed' : 'compensated';
  }

  /** Steps that never started are `not-run` once the run is over. */
  close(): void {
    for (const e of this.entries.values()) if (e.state === 'pending') e.state = 'not-run';
  }

  list(): StepProgress[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  get(id: string): StepProgress {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`unknown step ${id}`);
    return entry;
  }

  private update(id: string, patch: Partial<StepProgress>): void {
    Object.assign(this.get(id), patch);
  }

  private elapsed(key: string): number {
    return Date.now() - (this.startedMs.get(key) ?? Date.now());
  }
}
