import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressChanges } from '../../src/cli/progress-lines.js';
import { renderDetails } from '../../src/workflows/details.js';
import { parseMigrationBytes } from '../../src/workflows/migration-request.js';
import type { MigrationBytes } from '../../src/workflows/migration-types.js';
import { progressWith } from '../support/step-states.js';

const MiB = 1048576;
const base: MigrationBytes = { elapsedMs: 4000, dataTotalBytes: 1024 * MiB, dataProcessedBytes: 3072 * MiB, dataRemainingBytes: 256 * MiB, at: '2026-01-01T00:00:04.000Z' };
const busy: MigrationBytes = { ...base, iteration: 5, dirtyRateBytesPerSecond: 300 * MiB, maxDowntimeMs: 95, mode: 'precopy', actions: ['1.0 s: max downtime 95 ms'] };

void describe('convergence in the progress signal, the UI details and migrate --wait', () => {
  void it('the signal keeps the convergence fields, absent when not sent (an older sender reads as before)', () => {
    const parsed = parseMigrationBytes({ ...busy, extra: 'dropped' });
    assert.deepEqual(parsed, { ok: true, bytes: busy });
    const old = parseMigrationBytes(base);
    assert.deepEqual(old, { ok: true, bytes: base });
  });

  void it('refuses a malformed or oversized convergence report, naming the field', () => {
    const r = parseMigrationBytes({ ...base, mode: 'sideways', actions: Array.from({ length: 21 }, () => 'x'), iteration: 1.5 });
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : r.problems.map((p) => p.split(':')[0]).sort(), ['actions', 'iteration', 'mode']);
  });

  void it('migrate --wait: remaining, pass, dirty rate and max downtime on the line, each new action once', () => {
    const first = progressWith({ phase: 'migrate', migration: busy });
    assert.deepEqual(progressChanges(null, first), [
      'phase: migrate',
      '  migrating: 300% (3072/1024 MiB), 256 MiB left, pass 5, dirtying 300 MiB/s, max downtime 95 ms',
      '  convergence: 1.0 s: max downtime 95 ms',
    ]);
    const later = progressWith({
      phase: 'migrate',
      migration: { ...busy, at: '2026-01-01T00:00:05.000Z', mode: 'postcopy', actions: [...(busy.actions ?? []), '3.0 s: switched to post-copy: not complete after 3.0 s (budget 3.0 s for 1.00 GiB)'] },
    });
    assert.deepEqual(progressChanges(first, later), [
      '  migrating: 300% (3072/1024 MiB), 256 MiB left, pass 5, dirtying 300 MiB/s, max downtime 95 ms, POST-COPY (no way back)',
      '  convergence: 3.0 s: switched to post-copy: not complete after 3.0 s (budget 3.0 s for 1.00 GiB)',
    ]);
  });

  void it('the UI details: a convergence line and the actions under the migration line', () => {
    const text = renderDetails(progressWith({ phase: 'migrate', migration: busy }));
    assert.ok(text.endsWith('\n\nMigration: 300% (3072 of 1024 MiB, 256 MiB remaining)\nConvergence: pass 5, dirtying 300 MiB/s, max downtime 95 ms\n- 1.0 s: max downtime 95 ms'), text);
  });
});
