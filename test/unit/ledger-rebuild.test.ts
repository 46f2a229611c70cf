import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { CorruptLedgerError, LedgerLockedError } from '../../src/vf/errors.js';
import { FileLedger } from '../../src/vf/ledger.js';
import { VfPool } from '../../src/vf/pool.js';
import { PciListProvider } from '../../src/vf/provider.js';

/** A model host with 4 VFs where `a` holds the first and `b` the third (not simply the first free ones). */
function host(file: string): { fleet: ModelFleet; pool: () => VfPool; vfs: string[] } {
  const fleet = new ModelFleet();
  fleet.addHost('h', { vfs: 4 });
  fleet.addVm('h', { name: 'a' });
  fleet.addVm('h', { name: 'gone' });
  fleet.addVm('h', { name: 'b' });
  fleet.state('h').vms.delete('gone');
  const vfs = fleet.vfAddresses('h');
  return { fleet, vfs, pool: () => new VfPool('h', new PciListProvider(vfs.map((pci) => ({ pci }))), new FileLedger(file), fleet.hypervisor('h')) };
}

const req = (vm: string) => ({ vm, owner: `migrate/${vm}`, memoryMiB: 1024, freeMemoryMiB: () => Promise.resolve(65536) });

void describe('VF ledger rebuild (from libvirt)', () => {
  let dir = '';
  let n = 0;
  const ledgerFile = async (): Promise<string> => {
    const d = path.join(dir, `state-${++n}`);
    await mkdir(d, { recursive: true });
    return path.join(d, 'vf-ledger.json');
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-ledger-rebuild-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('books the VF each running domain holds, and keeps the corrupt file aside', async () => {
    const file = await ledgerFile();
    const { pool, vfs } = host(file);
    const garbage = '[{"vfId": "0000:40:10.0", "vm": "a", "sta\u0000\u0000\u0000';
    await writeFile(file, garbage);

    const { bookings, setAside } = await pool().rebuild();

    const held = bookings.map((b) => ({ vm: b.vm, vfId: b.vfId, state: b.state })).sort((x, y) => x.vm.localeCompare(y.vm));
    assert.deepEqual(held, [
      { vm: 'a', vfId: vfs[0], state: 'attached' },
      { vm: 'b', vfId: vfs[2], state: 'attached' },
    ]);
    assert.ok(setAside);
    assert.match(path.basename(setAside), /^vf-ledger\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    assert.equal(await readFile(setAside, 'utf8'), garbage, 'the corrupt file, as it was');
    assert.deepEqual(await new FileLedger(file).read(), bookings, 'the rebuilt ledger is on disk');
    assert.deepEqual((await readdir(path.dirname(file))).sort(), [path.basename(setAside), 'vf-ledger.json', 'vf-ledger.json.lock'].sort());

    const worker = pool();
    await worker.open();
    assert.equal((await worker.status()).free, 2);
    const vf = await worker.reserve(req('incoming'));
    assert.ok(vf.id === vfs[1] || vf.id === vfs[3], 'never a VF a domain holds');
    await worker.close();
  });

  void it('a readable ledger is only reconciled: reservations of VMs on their way in are kept, nothing is set aside', async () => {
    const file = await ledgerFile();
    const { pool } = host(file);
    const worker = pool();
    await worker.open();
    const incoming = await worker.reserve(req('incoming'));
    await worker.close();

    const { bookings, setAside } = await pool().rebuild();

    assert.equal(setAside, null);
    assert.deepEqual(bookings.map((b) => `${b.vm}:${b.state}`).sort(), ['a:attached', 'b:attached', 'incoming:reserved']);
    assert.equal(bookings.find((b) => b.vm === 'incoming')?.vfId, incoming.id);
    assert.ok(!(await readdir(path.dirname(file))).some((f) => f.includes('corrupt')));
  });

  void it('when libvirt cannot answer, the corrupt ledger stays where it is (the worker keeps refusing)', async () => {
    const file = await ledgerFile();
    const { pool, fleet } = host(file);
    await writeFile(file, '{');
    fleet.setHostDown('h', true);
    await assert.rejects(pool().rebuild());
    assert.equal(await readFile(file, 'utf8'), '{');
    assert.deepEqual((await readdir(path.dirname(file))).sort(), ['vf-ledger.json', 'vf-ledger.json.lock']);
    await assert.rejects(pool().open(), CorruptLedgerError);
  });

  void it('refuses while a worker holds the ledger, and changes nothing', async () => {
    const file = await ledgerFile();
    const { pool } = host(file);
    await writeFile(file, '{');
    const worker = new FileLedger(file);
    await worker.lock();
    await assert.rejects(pool().rebuild(), (err: unknown) => err instanceof LedgerLockedError && err.holder?.pid === process.pid);
    assert.equal(await readFile(file, 'utf8'), '{');
    assert.deepEqual((await readdir(path.dirname(file))).sort(), ['vf-ledger.json', 'vf-ledger.json.lock']);
    await worker.unlock();
  });
});
