import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityRegistry } from '../../src/activities/registry.js';
import { explainPlan } from '../../src/plan/explain.js';
import { parsePlanText } from '../../src/plan/load.js';
import { shippedPlan, type LoadedPlan } from '../support/plans.js';

function handMade(steps: string): LoadedPlan {
  const loaded = parsePlanText(`apiVersion: vfmigrate/v1\nkind: MigrationPlan\nmetadata: { name: hand-made, version: 1 }\nspec:\n  steps:\n${steps}`, 'hand-made.yaml', activityRegistry);
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded;
}

/** The lines after "If a step fails", up to the blank line: what undoes what when step N fails. */
function undoOrder(lines: string[]): string[] {
  const start = lines.indexOf('If a step fails, these run in this order:') + 1;
  assert.ok(start > 0, lines.join('\n'));
  return lines.slice(start, lines.indexOf('', start));
}

/** The table's rows as cells (cells are separated by two spaces or more). */
function rows(lines: string[]): string[][] {
  return lines.slice(2, lines.indexOf('', 2)).map((l) => l.trim().split(/ {2,}/));
}

void describe('explainPlan: what a plan will do, and what undoes what', () => {
  void it('the default plan: every failing step undoes its own call first, then the earlier steps newest first', async () => {
    const plan = await shippedPlan('sriov-live-migration');
    const lines = explainPlan(plan.resolved, { file: plan.file, source: 'hostA', destination: 'hostB', queuePrefix: 'vfmigrate' });
    assert.equal(lines[0], `plan sriov-live-migration v3 (sha256 ${plan.resolved.hash.slice(0, 12)}) from ${plan.file}`);
    assert.deepEqual(undoOrder(lines), [
      '  1 preflight: nothing to undo',
      '  2 prepare: setStandbyLink(state=down) on hostA → releaseVf on hostB',
      '  3 detach-vf: attachVf on hostA → setStandbyLink(state=down) on hostA → releaseVf on hostB',
      '  4 host-network: removeFdbEntry on hostA → restoreVfMac on hostA → attachVf on hostA → setStandbyLink(state=down) on hostA → releaseVf on hostB',
      '  5 migrate: removeFdbEntry on hostA → restoreVfMac on hostA → attachVf on hostA → setStandbyLink(state=down) on hostA → releaseVf on hostB  (the VM has not moved)',
      '  6 switch-back: nothing is undone (the VM has moved); retried forward, then the run ends DEGRADED',
      '  7 standby-down: nothing is undone (the VM has moved); retried forward, then the run ends DEGRADED',
    ]);
    assert.equal(lines.at(-1), 'A cancel before the pivot undoes the same way; during migrate it aborts the migration job first; after the pivot the run finishes forward.');
  });

  void it('the default plan\'s table: groups and their members, host queues, the undo of each step, timings and skips', async () => {
    const plan = await shippedPlan('sriov-live-migration');
    const table = rows(explainPlan(plan.resolved, { file: plan.file, source: 'hostA', destination: 'hostB', queuePrefix: 'vfmigrate' }));
    assert.deepEqual(table[0], ['#', 'step', 'activity', 'runs on (task queue)', 'undone by']);
    const byStep = new Map(table.filter((r) => r.length > 1 && r[0] !== '#').map((r) => [r[1], r]));
    assert.deepEqual(byStep.get('preflight'), ['1', 'preflight', '(parallel group)']);
    assert.deepEqual(byStep.get('preflight-source'), ['1a', 'preflight-source', 'preflightSource', 'source (vfmigrate-host-hostA)', '(read-only)']);
    assert.deepEqual(byStep.get('reserve-vf'), ['2a', 'reserve-vf', 'reserveVf', 'destination (vfmigrate-host-hostB)', 'releaseVf on hostB']);
    assert.deepEqual(byStep.get('standby-up'), ['2b', 'standby-up', 'setStandbyLink(state=up)', 'source (vfmigrate-host-hostA)', 'setStandbyLink(state=down) on hostA']);
    assert.deepEqual(byStep.get('detach-vf'), ['3', 'detach-vf', 'detachVf(deadline=30s)', 'source (vfmigrate-host-hostA)', 'attachVf on hostA']);
    assert.deepEqual(byStep.get('migrate'), ['5', 'migrate', 'migrate', 'source (vfmigrate-host-hostA)', 'PIVOT: point of no return']);
    assert.deepEqual(byStep.get('release-source-vf'), ['6c', 'release-source-vf', 'releaseVf', 'source (vfmigrate-host-hostA)', '(after the pivot: retried forward)']);
    assert.deepEqual(byStep.get('standby-down'), ['7', 'standby-down', 'setStandbyLink(state=down)', 'destination (vfmigrate-host-hostB)', '(after the pivot: retried forward)']);
    const timings = table.filter((r) => r.length === 1).map((r) => r[0]);
    assert.equal(timings.length, 12, 'one timing line per activity step');
    assert.ok(timings.includes('timeout 30m, heartbeat 30s, 3 attempts'), timings.join('\n'));
    assert.ok(timings.includes('timeout 1m, 5 attempts, skipped where the host has no VF MAC handling configured'), timings.join('\n'));
    assert.ok(timings.includes('timeout 1m, 10 attempts, skipped where the host has no FDB device configured'), timings.join('\n'));
  });

  void it('detach-first without host names: placeholders in the queues, the roles in the undo order', async () => {
    const plan = await shippedPlan('detach-first');
    const lines = explainPlan(plan.resolved, { file: plan.file, queuePrefix: 'lab' });
    const byStep = new Map(rows(lines).map((r) => [r[1], r]));
    assert.deepEqual(byStep.get('reserve-vf'), ['2', 'reserve-vf', 'reserveVf', 'destination (lab-host-<destination>)', 'releaseVf on destination']);
    assert.deepEqual(undoOrder(lines), [
      '  1 preflight: nothing to undo',
      '  2 reserve-vf: releaseVf on destination',
      '  3 detach-vf: attachVf on source → releaseVf on destination',
      '  4 standby-up: setStandbyLink(state=down) on source → attachVf on source → releaseVf on destination',
      '  5 host-network: removeFdbEntry on source → restoreVfMac on source → setStandbyLink(state=down) on source → attachVf on source → releaseVf on destination',
      '  6 migrate: removeFdbEntry on source → restoreVfMac on source → setStandbyLink(state=down) on source → attachVf on source → releaseVf on destination  (the VM has not moved)',
      '  7 switch-back: nothing is undone (the VM has moved); retried forward, then the run ends DEGRADED',
      '  8 standby-down: nothing is undone (the VM has moved); retried forward, then the run ends DEGRADED',
    ]);
  });

  void it('a hand-made plan: a read-only step undoes nothing, a group undoes its members in reverse, a compensation with arguments', () => {
    const plan = handMade(
      [
        '    - { id: check, activity: preflightSource, on: source, readOnly: true }',
        '    - id: both',
        '      parallel:',
        '        - { id: book, activity: reserveVf, on: destination, compensate: { activity: releaseVf, on: destination } }',
        '        - { id: up, activity: setStandbyLink, on: source, with: { state: up }, compensate: { activity: setStandbyLink, on: source, with: { state: down } } }',
        '    - { id: unplug, activity: detachVf, on: source, compensate: { activity: attachVf, on: source } }',
        '    - { id: move, activity: migrate, on: source, pivot: true }',
        '    - { id: plug, activity: attachVf, on: destination }',
      ].join('\n'),
    );
    const lines = explainPlan(plan.resolved, { file: plan.file, source: 'a', destination: 'b', queuePrefix: 'q' });
    assert.equal(lines[0], `plan hand-made v1 (sha256 ${plan.resolved.hash.slice(0, 12)}) from hand-made.yaml`);
    assert.deepEqual(rows(lines).filter((r) => r.length > 1).map((r) => r.slice(0, 2)), [
      ['#', 'step'],
      ['1', 'check'],
      ['2', 'both'],
      ['2a', 'book'],
      ['2b', 'up'],
      ['3', 'unplug'],
      ['4', 'move'],
      ['5', 'plug'],
    ]);
    assert.deepEqual(undoOrder(lines), [
      '  1 check: nothing to undo',
      '  2 both: setStandbyLink(state=down) on a → releaseVf on b',
      '  3 unplug: attachVf on a → setStandbyLink(state=down) on a → releaseVf on b',
      '  4 move: attachVf on a → setStandbyLink(state=down) on a → releaseVf on b  (the VM has not moved)',
      '  5 plug: nothing is undone (the VM has moved); retried forward, then the run ends DEGRADED',
    ]);
  });

  void it('a plan whose first step is the pivot: nothing to undo before it', () => {
    const plan = handMade(['    - { id: move, activity: migrate, on: source, pivot: true }', '    - { id: plug, activity: attachVf, on: destination }'].join('\n'));
    const lines = explainPlan(plan.resolved, { file: plan.file, queuePrefix: 'q' });
    assert.deepEqual(undoOrder(lines), ['  1 move: nothing to undo  (the VM has not moved)', '  2 plug: nothing is undone (the VM has moved); retried forward, then the run ends DEGRADED']);
  });

  void it('a step on the control queue: named so in the table and in the undo order, whatever the hosts are called', () => {
    const plan = handMade(
      [
        '    - { id: book, activity: reserveVf, on: destination, compensate: { activity: releaseVf, on: destination } }',
        '    - { id: move, activity: migrate, on: source, pivot: true }',
      ].join('\n'),
    );
    // No shipped activity runs on the control queue yet; the resolved form allows it.
    const [book, move] = plan.resolved.steps;
    assert.ok(book?.kind === 'activity' && book.compensate && move);
    const resolved = { ...plan.resolved, steps: [{ ...book, on: 'control' as const, compensate: { ...book.compensate, on: 'control' as const } }, move] };
    const lines = explainPlan(resolved, { file: plan.file, source: 'a', destination: 'b', queuePrefix: 'q' });
    assert.deepEqual(rows(lines)[1], ['1', 'book', 'reserveVf', 'control (q-control)', 'releaseVf on control']);
    assert.deepEqual(undoOrder(lines), ['  1 book: releaseVf on control', '  2 move: releaseVf on control  (the VM has not moved)']);
  });
});
