import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HostServices } from '../../src/activities/host-services.js';
import { migrationReport } from '../../src/client/migration-result.js';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { CorruptLedgerError, LedgerLockedError } from '../../src/vf/errors.js';
import { FileLedger } from '../../src/vf/ledger.js';
import { VfPool } from '../../src/vf/pool.js';
import { PciListProvider } from '../../src/vf/provider.js';
import { createHostWorker } from '../../src/workers/host-worker.js';
import { modelHostServices } from '../../src/workers/model-host-services.js';
import { ModelEnv } from '../support/model-env.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

/** A model host's services with its VF bookings in a ledger file, as a real host worker keeps them. */
function fileBacked(fleet: ModelFleet, host: string, file: string): HostServices {
  const provider = new PciListProvider(fleet.vfAddresses(host).map((pci) => ({ pci })));
  return { ...modelHostServices(fleet, host), vfs: new VfPool(host, provider, new FileLedger(file), fleet.hypervisor(host)) };
}

void describe("a host worker holds its host's VF ledger file from start to end (real Temporal server)", () => {
  let temporal: TestTemporal;
  let dir = '';
  const queuePrefix = `t${randomBytes(4).toString('hex')}`;
  before(async () => {
    temporal = await testTemporal();
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-host-worker-ledger-'));
  });
  after(async () => {
    await temporal.close();
    await rm(dir, { recursive: true, force: true });
  });
  const hostWorker = (host: HostServices) =>
    createHostWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, queuePrefix, host, shutdownGraceTime: '100ms' });

  void it('a second worker for the host refuses to start, naming the first; once the first has drained, it starts', async () => {
    const fleet = new ModelFleet();
    fleet.addHost('h1', { vfs: 2 });
    const file = path.join(dir, 'h1', 'vf-ledger.json');
    const first = await hostWorker(fileBacked(fleet, 'h1', file));
    const running = first.run();
    await assert.rejects(hostWorker(fileBacked(fleet, 'h1', file)), (err: unknown) => err instanceof LedgerLockedError && err.holder?.pid === process.pid);
    first.shutdown();
    await running;
    assert.equal(await readFile(`${file}.lock`, 'utf8'), '', 'released once the worker has drained');
    const second = await hostWorker(fileBacked(fleet, 'h1', file));
    const again = second.run();
    second.shutdown();
    await again;
  });

  void it('does not start on a corrupt ledger, leaves it as it was, and leaves the lock free for the rebuild', async () => {
    const fleet = new ModelFleet();
    fleet.addHost('h2', { vfs: 2 });
    const file = path.join(dir, 'h2', 'vf-ledger.json');
    const services = fileBacked(fleet, 'h2', file);
    await services.vfs.open();
    await services.vfs.close();
    await writeFile(file, '[{"vfId":');
    await assert.rejects(hostWorker(fileBacked(fleet, 'h2', file)), CorruptLedgerError);
    assert.equal(await readFile(file, 'utf8'), '[{"vfId":');
    const rebuild = new FileLedger(file);
    await rebuild.lock();
    await rebuild.unlock();
  });

  void it('a migration between file-backed hosts books through the held ledgers', async () => {
    const env = new ModelEnv(temporal, [
      { name: 'hostA', vfs: 2, vms: [{ name: 'vm-f' }] },
      { name: 'hostB', vfs: 2 },
    ]);
    const ledger = (host: string): string => path.join(dir, `env-${host}`, 'vf-ledger.json');
    for (const host of ['hostA', 'hostB']) env.services.set(host, fileBacked(env.fleet, host, ledger(host)));
    await env.start();
    try {
      const run = await env.migrate('vm-f', 'hostA', 'hostB');
      assert.equal((await migrationReport(run.handle)).outcome, 'migrated');
      const onB = await new FileLedger(ledger('hostB')).read();
      assert.deepEqual(
        onB.map((b) => ({ vm: b.vm, vfId: b.vfId, state: b.state })),
        [{ vm: 'vm-f', vfId: env.fleet.vfAddresses('hostB')[0], state: 'attached' }],
      );
      assert.deepEqual(await new FileLedger(ledger('hostA')).read(), [], 'the source forgot it');
    } finally {
      await env.shutdown();
    }
  });
});
