import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { migrationReport } from '../../src/client/migration-result.js';
import { latestRun, VmBusyError } from '../../src/client/open-run.js';
import { repairReport, vmsToRepair } from '../../src/client/repair-result.js';
import { startRepair, type StartRepairOptions } from '../../src/client/start-repair.js';
import { InvalidOperationError } from '../../src/hypervisor/errors.js';
import type { ModelOp } from '../../src/hypervisor/model.js';
import { controlQueue, migrationWorkflowType, repairWorkflowType } from '../../src/temporal/names.js';
import type { migrateVm } from '../../src/workflows/migrate-vm.js';
import type { MigrationRequest } from '../../src/workflows/migration-types.js';
import type { repairVm } from '../../src/workflows/repair-vm.js';
import { ModelEnv } from '../support/model-env.js';
import { planWith, quickForward } from '../support/plans.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const mutating: ModelOp[] = ['setLinkState', 'attachPrimary', 'detachInterface', 'migrate'];

function repair(env: ModelEnv, vm: string, extra: Partial<StartRepairOptions> = {}) {
  return startRepair(env.temporal.client, { vm, namespace: env.temporal.namespace, queuePrefix: env.queuePrefix, ...extra });
}

function mutations(env: ModelEnv, vm: string): number {
  return mutating.reduce((n, op) => n + env.fleet.count({ op, vm }), 0);
}

/** A migration of `vm` hostA → hostB that ends DEGRADED: its VF attach on hostB fails after the pivot, three times. */
async function degradedMigration(env: ModelEnv, vm: string): Promise<void> {
  env.fleet.injectFault({ host: 'hostB', op: 'attachPrimary', mode: 'fail', times: 3 });
  const run = await env.migrate(vm, 'hostA', 'hostB', { plan: planWith('sriov-live-migration', { 'attach-vf': quickForward }) });
  const report = await migrationReport(run.handle);
  assert.equal(report.outcome, 'degraded', report.message);
}

void describe('repairVm: a VM left DEGRADED gets its VF back where it runs', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('repairs a VM whose attach failed after the pivot: VF booked and attached on the destination, standby down, both ledgers reconciled; a second repair changes nothing', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-d' }] }, { name: 'hostB', vfs: 1 }]).start();
    try {
      const [vfA] = env.fleet.vfAddresses('hostA');
      const [vfB] = env.fleet.vfAddresses('hostB');
      await degradedMigration(env, 'vm-d');
      assert.equal(env.fleet.whereIs('vm-d'), 'hostB');
      assert.ok(!env.fleet.vm('vm-d')?.interfaces.some((i) => i.type === 'hostdev'), 'left on its standby');
      // A stale booking on the host it left (as a source whose release failed would keep): the repair reconciles it away.
      await env.services.get('hostA')?.vfs.markAttached('vm-d', { id: vfA!, kind: 'pci', pciAddress: vfA! }, 'migrate/vm-d');

      // The host worker reports it: primary missing, no run open.
      const before = await vmsToRepair(temporal.client, { host: 'hostB', namespace: temporal.namespace, queuePrefix: env.queuePrefix });
      assert.deepEqual(before.candidates.map((c) => c.vm), ['vm-d']);
      assert.match(before.candidates[0]!.findings.join(), /^primary of standby ua-backup0 missing/);

      // No --host: the last migration's report says where it is and which host it left.
      const run = await repair(env, 'vm-d');
      assert.equal(run.workflowId, 'repair/vm-d');
      assert.deepEqual([run.host, run.formerHost], ['hostB', 'hostA']);
      const report = await repairReport(run.handle);
      assert.equal(report.outcome, 'repaired', report.message);
      assert.match(report.message, /^vm-d on hostB repaired: VF 0000:41:10\.0 attached, standby down, ledgers of hostB and hostA reconciled$/);
      assert.deepEqual(
        report.steps.map((s) => `${s.id}:${s.state}:${s.runsOn}`),
        [
          'check-runs:completed:control',
          'inspect:completed:hostB',
          'book-vf:completed:hostB',
          'attach-vf:completed:hostB',
          'standby-down:completed:hostB',
          'reconcile-ledger:completed:hostB',
          'reconcile-former-ledger:completed:hostA',
        ],
      );
      assert.equal(report.vf, vfB);
      const vm = env.fleet.vm('vm-d');
      assert.equal(vm?.interfaces.find((i) => i.type === 'hostdev')?.hostPciAddress, vfB, 'holds the VF booked on hostB');
      assert.equal(vm?.interfaces.find((i) => i.alias === 'ua-backup0')?.link, 'down', 'standby down once the VF is confirmed');
      const booking = await env.services.get('hostB')?.vfs.bookingOf('vm-d');
      assert.deepEqual([booking?.booking.state, booking?.booking.vfId, booking?.booking.owner], ['attached', vfB, 'repair/vm-d']);
      assert.equal(await env.services.get('hostA')?.vfs.bookingOf('vm-d'), null, 'the host it left holds nothing for it');
      const after = await vmsToRepair(temporal.client, { host: 'hostB', namespace: temporal.namespace, queuePrefix: env.queuePrefix });
      assert.deepEqual(after.candidates, []);

      // Idempotent: repairing it again finds it healthy and does nothing.
      const ops = mutations(env, 'vm-d');
      const again = await repairReport((await repair(env, 'vm-d', { host: 'hostB' })).handle);
      assert.equal(again.outcome, 'healthy', again.message);
      assert.equal(mutations(env, 'vm-d'), ops, 'no device or link change');
    } finally {
      await env.shutdown();
    }
  });

  void it('repair of a healthy VM changes nothing, and says so', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 2, vms: [{ name: 'vm-h' }] }]).start();
    try {
      const pool = env.services.get('hostA')!.vfs;
      const vf = env.fleet.vfAddresses('hostA')[0]!;
      await pool.adopt('vm-h', vf, 'test');
      const ledgerBefore = await pool.bookingOf('vm-h');
      const vmBefore = env.fleet.vm('vm-h');
      const run = await repair(env, 'vm-h', { host: 'hostA' });
      assert.equal(run.formerHost, null);
      const report = await repairReport(run.handle);
      assert.equal(report.outcome, 'healthy');
      assert.equal(report.message, 'vm-h on hostA is healthy (every primary attached, every standby down); nothing was changed');
      assert.deepEqual(
        report.steps.map((s) => `${s.id}:${s.state}`),
        ['check-runs:completed', 'inspect:completed', 'book-vf:skipped', 'attach-vf:skipped', 'standby-down:skipped', 'reconcile-ledger:skipped', 'reconcile-former-ledger:skipped'],
      );
      assert.equal(mutations(env, 'vm-h'), 0, 'no device or link change');
      assert.deepEqual(env.fleet.vm('vm-h'), vmBefore);
      assert.deepEqual(await pool.bookingOf('vm-h'), ledgerBefore, 'the ledger is as it was');
      assert.equal((await run.handle.describe()).status.name, 'COMPLETED');
    } finally {
      await env.shutdown();
    }
  });

  void it('an attach that keeps failing: not-repaired, the booked VF given back, the VM left as found', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-n' }] }, { name: 'hostB', vfs: 1 }]).start();
    try {
      await degradedMigration(env, 'vm-n');
      const found = env.fleet.vm('vm-n');
      env.fleet.injectFault({ host: 'hostB', op: 'attachPrimary', mode: 'fail', times: Infinity, error: (h) => new InvalidOperationError('injected: no hot-plug slot', h) });
      const run = await repair(env, 'vm-n');
      const report = await repairReport(run.handle);
      assert.equal(report.outcome, 'not-repaired', report.message);
      assert.equal(report.failedStep?.id, 'attach-vf');
      assert.match(report.message, /^vm-n on hostB was not repaired: step "attach-vf" \(attachVf\) failed: injected: no hot-plug slot; the booked VF was given back; the VM is as it was found$/);
      assert.deepEqual(
        report.steps.map((s) => `${s.id}:${s.state}`),
        ['check-runs:completed', 'inspect:completed', 'book-vf:compensated', 'attach-vf:failed', 'standby-down:not-run', 'reconcile-ledger:not-run', 'reconcile-former-ledger:not-run'],
      );
      assert.equal(await env.services.get('hostB')?.vfs.bookingOf('vm-n'), null, 'no booking left on hostB');
      assert.deepEqual(env.fleet.vm('vm-n'), found, 'the VM is as it was found: on its standby');
      const failure = await run.handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError);
      assert.equal((failure.cause as { type?: string }).type, 'RepairFailed');
    } finally {
      await env.shutdown();
    }
  });

  void it('a VM that cannot be repaired (not teamed here) is left untouched, not-repaired, with the reason', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1 }, { name: 'hostB', vfs: 1, vms: [{ name: 'vm-x' }] }]).start();
    try {
      const run = await repair(env, 'vm-x', { host: 'hostA' });
      const report = await repairReport(run.handle);
      assert.equal(report.outcome, 'not-repaired');
      assert.equal(report.failedStep?.id, 'inspect');
      assert.equal(report.failedStep?.error.type, 'VmNotFound');
      assert.match(report.message, /^vm-x on hostA was not repaired: step "inspect" \(inspectTeaming\) failed: .*; nothing needed undoing; the VM is as it was found$/);
      assert.equal(mutations(env, 'vm-x'), 0);
      const failure = await run.handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError);
      assert.equal((failure.cause as { type?: string }).type, 'RepairFailed');
    } finally {
      await env.shutdown();
    }
  });
});

/** `vm` on `host` left on its standbys: every pair's primary gone, every standby up (as a run that could attach none leaves it). */
async function onStandbysAlone(env: ModelEnv, host: string, vm: string, pairs: number): Promise<void> {
  const hv = env.fleet.hypervisor(host);
  for (let i = 0; i < pairs; i++) {
    await hv.detachInterface(vm, `ua-primary${i}`, { deadlineMs: 100 });
    await hv.setLinkState(vm, `ua-backup${i}`, 'up');
  }
}

void describe('repairVm: a VM with two teamed pairs missing both primaries', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('books a VF for each pair (all at once), attaches each teamed with its own standby, brings both standbys down', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 3, vms: [{ name: 'vm-2p', pairs: 2 }] }]).start();
    try {
      await onStandbysAlone(env, 'hostA', 'vm-2p', 2);
      const found = await vmsToRepair(temporal.client, { host: 'hostA', namespace: temporal.namespace, queuePrefix: env.queuePrefix });
      assert.deepEqual(found.candidates.map((c) => c.vm), ['vm-2p']);
      const report = await repairReport((await repair(env, 'vm-2p', { host: 'hostA' })).handle);
      assert.equal(report.outcome, 'repaired', report.message);
      assert.deepEqual(report.findings.map((f) => f.replace(/ missing.*/, '')), ['primary of standby ua-backup0', 'primary of standby ua-backup1']);
      const booked = (await env.services.get('hostA')!.vfs.status());
      assert.equal(booked.attached, 2, 'two VFs booked as attached');
      const vfs = report.vfs ?? [];
      assert.equal(vfs.length, 2, JSON.stringify(report));
      assert.notEqual(vfs[0], vfs[1]);
      assert.equal(report.vf, vfs[0]);
      assert.equal(report.message, `vm-2p on hostA repaired: VFs ${vfs.join(', ')} attached, standby down, ledger of hostA reconciled`);
      const vm = env.fleet.vm('vm-2p')!;
      for (const [i, vf] of vfs.entries()) {
        const primary = vm.interfaces.find((n) => n.alias === `ua-primary${i}`);
        assert.equal(primary?.hostPciAddress, vf, `pair ${i} holds its booked VF`);
        assert.deepEqual(primary?.teaming, { type: 'transient', persistent: `ua-backup${i}` }, `pair ${i} teamed with its own standby`);
        assert.equal(vm.interfaces.find((n) => n.alias === `ua-backup${i}`)?.link, 'down', `standby ${i} down`);
      }
      const ledger = await env.services.get('hostA')!.vfs.bookingOf('vm-2p');
      assert.equal(ledger?.booking.owner, 'repair/vm-2p');
      assert.deepEqual((await vmsToRepair(temporal.client, { host: 'hostA', namespace: temporal.namespace, queuePrefix: env.queuePrefix })).candidates, []);
    } finally {
      await env.shutdown();
    }
  });

  void it('one free VF for two missing primaries: nothing booked, nothing attached, the VM as found', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 3, vms: [{ name: 'vm-2q', pairs: 2 }, { name: 'nb-2q' }] }]).start();
    try {
      await onStandbysAlone(env, 'hostA', 'vm-2q', 2);
      const before = env.fleet.vm('vm-2q');
      const pool = env.services.get('hostA')!.vfs;
      assert.equal((await pool.status()).free, 2, 'the neighbour holds one of three');
      // One of the two free VFs taken by a VM on its way in: one is left for two pairs.
      await pool.reserve({ vm: 'incoming', owner: 'migrate/incoming', memoryMiB: 0, freeMemoryMiB: () => Promise.resolve(65536) });
      const report = await repairReport((await repair(env, 'vm-2q', { host: 'hostA' })).handle);
      assert.equal(report.outcome, 'not-repaired', report.message);
      assert.equal(report.failedStep?.id, 'book-vf');
      assert.equal(report.failedStep?.error.type, 'NoFreeVf');
      assert.match(report.message, /^vm-2q on hostA was not repaired: step "book-vf" \(bookVfsHere\) failed: hostA has no free VF for vm-2q \(2 VFs, one per teamed pair, 0 already booked\).*; nothing needed undoing; the VM is as it was found$/);
      assert.equal(await pool.bookingOf('vm-2q'), null, 'nothing booked for it');
      assert.equal(env.fleet.count({ host: 'hostA', op: 'attachPrimary', vm: 'vm-2q' }), 0);
      assert.deepEqual(env.fleet.vm('vm-2q'), before);
    } finally {
      await env.shutdown();
    }
  });
});

void describe('repair and migration of one VM never run at once', () => {
  let temporal: TestTemporal;
  before(async () => (temporal = await testTemporal()));
  after(() => temporal.close());

  void it('refuses a repair while a migration of the VM is open, and touches nothing', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-m' }] }, { name: 'hostB', vfs: 1 }], { migrationMs: 1500 }).start();
    try {
      const migration = await env.migrate('vm-m', 'hostA', 'hostB');
      const refused = await repair(env, 'vm-m', { host: 'hostA' }).catch((e: unknown) => e);
      assert.ok(refused instanceof VmBusyError, String(refused));
      assert.match(refused.message, /^vm-m is being migrated by run migrate\/vm-m [0-9a-f-]+; wait for it \(`vfmigrate status migrate\/vm-m`\), then repair$/);
      assert.equal((await migrationReport(migration.handle)).outcome, 'migrated');
      assert.equal(await latestRun(temporal.client, 'repair/vm-m'), null, 'no repair run was started');
      assert.equal(env.fleet.count({ host: 'hostB', op: 'attachPrimary', vm: 'vm-m' }), 1, 'only the migration attached');
    } finally {
      await env.shutdown();
    }
  });

  void it('a repair started past the client while a migration is open refuses itself in its run (the two starts crossed)', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-c' }] }, { name: 'hostB', vfs: 1 }], { migrationMs: 3000 }).start();
    try {
      const migration = await env.migrate('vm-c', 'hostA', 'hostB');
      const handle = await temporal.client.workflow.start<typeof repairVm>(repairWorkflowType, {
        workflowId: 'repair/vm-c',
        taskQueue: controlQueue(env.queuePrefix),
        args: [{ vm: 'vm-c', host: 'hostA', queuePrefix: env.queuePrefix }],
      });
      const report = await repairReport(handle);
      assert.equal(report.outcome, 'refused', report.message);
      assert.match(report.message, /^repair of vm-c refused: its migration migrate\/vm-c is still open/);
      assert.ok(report.steps.slice(1).every((s) => s.state === 'skipped'));
      assert.equal((await migrationReport(migration.handle)).outcome, 'migrated');
      assert.equal(env.fleet.count({ host: 'hostB', op: 'attachPrimary', vm: 'vm-c' }), 1, 'only the migration attached');
      assert.equal(env.fleet.count({ host: 'hostA', op: 'attachPrimary', vm: 'vm-c' }), 0, 'the repair attached nothing');
    } finally {
      await env.shutdown();
    }
  });

  void it('refuses a migration while a repair of the VM is open', async () => {
    // Slow looks at the VM keep the repair open long enough to try a migration meanwhile.
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-r' }] }, { name: 'hostB', vfs: 1 }], { latencyMs: { describeVm: 1500 } }).start();
    try {
      const run = await repair(env, 'vm-r', { host: 'hostA' });
      await waitFor('the repair inspecting', () => env.fleet.count({ host: 'hostA', op: 'describeVm', vm: 'vm-r' }) > 0);
      const refused = await env.migrate('vm-r', 'hostA', 'hostB').catch((e: unknown) => e);
      assert.ok(refused instanceof VmBusyError, String(refused));
      assert.match(refused.message, /^vm-r is being repaired by run repair\/vm-r [0-9a-f-]+; wait for it \(`vfmigrate status repair\/vm-r`\), then migrate$/);
      assert.equal((await repairReport(run.handle)).outcome, 'healthy');
      assert.equal(env.fleet.count({ host: 'hostB' }), 0, 'the refused migration touched nothing');
      assert.equal(env.fleet.whereIs('vm-r'), 'hostA');
    } finally {
      await env.shutdown();
    }
  });

  void it('a migration started past the client while a repair is open refuses itself in its run, naming the repair, touching nothing', async () => {
    // The race the client check cannot close: the repair's own check is over before this migration starts.
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-q' }] }, { name: 'hostB', vfs: 1 }], { latencyMs: { describeVm: 3000 } }).start();
    try {
      const repairRun = await repair(env, 'vm-q', { host: 'hostA' });
      await waitFor('the repair past its check, inspecting', () => env.fleet.count({ host: 'hostA', op: 'describeVm', vm: 'vm-q' }) > 0);
      const request: MigrationRequest = { vm: 'vm-q', source: 'hostA', destination: 'hostB', plan: 'sriov-live-migration', queuePrefix: env.queuePrefix };
      const handle = await temporal.client.workflow.start<typeof migrateVm>(migrationWorkflowType, { workflowId: 'migrate/vm-q', taskQueue: controlQueue(env.queuePrefix), args: [request] });
      const report = await migrationReport(handle);
      assert.equal(report.outcome, 'rolled-back', report.message);
      assert.equal(report.message, 'vm-q stays on hostA: refused, vm-q is being repaired by run repair/vm-q; wait for it (`vfmigrate status repair/vm-q`), then migrate; nothing was changed');
      assert.ok(report.steps.every((s) => s.state === 'not-run'), report.steps.map((s) => `${s.id}:${s.state}`).join());
      assert.equal((await repairReport(repairRun.handle)).outcome, 'healthy');
      assert.equal(env.fleet.count({ host: 'hostB' }), 0, 'the refused migration touched nothing on the destination');
      assert.equal(mutations(env, 'vm-q'), 0, 'nor the VM');
      assert.equal(env.fleet.whereIs('vm-q'), 'hostA');
    } finally {
      await env.shutdown();
    }
  });

  void it('a bad repairVm input ends the run at once, naming every problem, touching no host', async () => {
    const env = await new ModelEnv(temporal, [{ name: 'hostA', vfs: 1, vms: [{ name: 'vm-b' }] }]).start();
    try {
      const handle = await temporal.client.workflow.start<(input: unknown) => Promise<unknown>>(repairWorkflowType, {
        workflowId: 'repair/other',
        taskQueue: controlQueue(env.queuePrefix),
        args: [{ vm: 'vm-b', host: 'hostA', formerHost: 'hostA', queuePrefix: env.queuePrefix, extra: 1 }],
      });
      const failure: unknown = await handle.result().catch((e: unknown) => e);
      assert.ok(failure instanceof WorkflowFailedError);
      const cause = failure.cause as { type?: string; message: string };
      assert.equal(cause.type, 'InvalidInput');
      assert.match(cause.message, /^invalid repairVm input: /);
      assert.match(cause.message, /extra/);
      assert.match(cause.message, /formerHost: must differ from the host/);
      assert.match(cause.message, /workflow id: "repair\/other" is not "repair\/vm-b"/);
      assert.equal(env.fleet.log.filter((r) => r.vm === 'vm-b').length, 0);
    } finally {
      await env.shutdown();
    }
  });
});
