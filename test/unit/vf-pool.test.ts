import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { IncomingLimitError, InsufficientMemoryError, NoFreeVfError } from '../../src/errors.js';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { FileLedger, MemoryLedger, type VfLedger } from '../../src/vf/ledger.js';
import { leaseGraceMs, VfPool } from '../../src/vf/pool.js';
import { PciListProvider } from '../../src/vf/provider.js';
import { silentLogger, type Logger } from '../../src/util/logger.js';
import { RecordingLogger } from '../support/recording-logger.js';

function pool(vfs = 2, ledger: VfLedger = new MemoryLedger(), log: Logger = silentLogger): { pool: VfPool; fleet: ModelFleet } {
  const fleet = new ModelFleet();
  fleet.addHost('h', { vfs });
  return { fleet, pool: new VfPool('h', new PciListProvider(fleet.vfAddresses('h').map((pci) => ({ pci }))), ledger, fleet.hypervisor('h'), log) };
}
const req = (vm: string, extra = {}) => ({ vm, owner: `migrate/${vm}`, memoryMiB: 1024, freeMemoryMiB: () => Promise.resolve(65536), ...extra });

void describe('VF pool (one host)', () => {
  void it('books each VF once, even for reservations made at the same moment', async () => {
    const { pool: p } = pool(3);
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((vm) => p.reserve(req(vm))));
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id);
    assert.equal(ok.length, 3);
    assert.equal(new Set(ok).size, 3, 'three different VFs');
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => (r).reason instanceof NoFreeVfError));
  });

  void it('a repeated reservation for the same VM gets the same VF (idempotent), and the new owner takes it over', async () => {
    const { pool: p } = pool(2);
    const first = await p.reserve(req('a', { owner: 'evacuate/h0' }));
    const again = await p.reserve(req('a'));
    assert.deepEqual(again, first);
    assert.equal((await p.bookingOf('a'))?.booking.owner, 'migrate/a');
  });

  void it('never hands out a VF a running domain holds, even one vfmigrate never booked', async () => {
    const { pool: p, fleet } = pool(2);
    fleet.addVm('h', { name: 'resident' });
    const vf = await p.reserve(req('incoming'));
    assert.notEqual(vf.pciAddress, fleet.vfAddresses('h')[0]);
    assert.equal((await p.bookingOf('resident'))?.booking.state, 'attached');
  });

  void it('counts memory promised to VMs on their way, and enforces the incoming limit', async () => {
    const { pool: p } = pool(4);
    await p.reserve(req('a', { memoryMiB: 40_000 }));
    await assert.rejects(p.reserve(req('b', { memoryMiB: 30_000 })), InsufficientMemoryError);
    await p.reserve(req('c', { maxIncoming: 2 }));
    await assert.rejects(p.reserve(req('d', { maxIncoming: 2 })), IncomingLimitError);
  });

  void it('takes back a reservation whose run has ended (a lease), but not a young one', async () => {
    const ledger = new MemoryLedger();
    const { pool: p } = pool(1, ledger);
    await p.reserve(req('orphan', { owner: 'migrate/orphan' }));
    const alive = (owner: string) => Promise.resolve(owner !== 'migrate/orphan');
    await assert.rejects(p.reserve(req('new', { ownerAlive: alive })), NoFreeVfError, 'too young to expire');
    const [b] = await ledger.read();
    await ledger.write([{ ...b!, at: new Date(Date.now() - leaseGraceMs - 1000).toISOString() }]);
    const vf = await p.reserve(req('new', { ownerAlive: alive }));
    assert.equal(vf.id, b!.vfId);
    assert.equal(await p.bookingOf('orphan'), null);
  });

  void it('releases only what an owner booked, and forgets VMs that left the host', async () => {
    const { pool: p, fleet } = pool(2);
    await p.reserve(req('a', { owner: 'evacuate/h0' }));
    assert.equal(await p.releaseIfOwner('a', 'someone-else'), false);
    assert.equal(await p.releaseIfOwner('a', 'evacuate/h0'), true);
    fleet.addVm('h', { name: 'gone' });
    assert.equal((await p.status()).free, 1);
    fleet.state('h').vms.delete('gone');
    assert.equal((await p.status()).free, 2, 'the booking of a VM no longer here is dropped');
  });

  void it('keeps its bookings in a file across restarts', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'vfm-ledger-')), 'vf-ledger.json');
    const first = pool(2, new FileLedger(file));
    await first.pool.open();
    const vf = await first.pool.reserve(req('a'));
    await first.pool.close();
    const restarted = new VfPool('h', new PciListProvider(first.fleet.vfAddresses('h').map((pci) => ({ pci }))), new FileLedger(file), first.fleet.hypervisor('h'));
    await restarted.open();
    assert.deepEqual(await restarted.reserve(req('a')), vf);
    assert.equal((await restarted.status()).free, 1);
    await restarted.close();
  });

  void it('logs what it decided on its own: bookings found on or gone from the host, a booking taken over, reservations taken back', async () => {
    const ledger = new MemoryLedger();
    const log = new RecordingLogger();
    const { pool: p, fleet } = pool(3, ledger, log);
    fleet.addVm('h', { name: 'resident' });
    await p.status();
    assert.deepEqual(log.lines.at(-1)?.meta.foundOnHost, [`resident ${fleet.vfAddresses('h')[0]} attached`]);
    fleet.state('h').vms.delete('resident');
    await p.status();
    assert.deepEqual(log.lines.at(-1)?.meta.dropped, [`resident ${fleet.vfAddresses('h')[0]} attached`]);

    await p.reserve(req('a', { owner: 'evacuate/h0' }));
    await p.reserve(req('a'));
    assert.deepEqual([log.lines.at(-1)?.message, log.lines.at(-1)?.meta.from, log.lines.at(-1)?.meta.to], ['a VF booking changes owner', 'evacuate/h0', 'migrate/a']);

    const [b] = await ledger.read();
    await ledger.write([{ ...b!, at: new Date(Date.now() - leaseGraceMs - 1000).toISOString() }]);
    await p.reserve(req('new', { ownerAlive: () => Promise.resolve(false) }));
    assert.match(String(log.lines.at(-1)?.meta.reservations), /^a \S+ reserved by migrate\/a at /);
    assert.equal(log.at('info').length, 4, log.lines.map((l) => l.message).join('\n'));
  });
});

void describe('VF pool: memory alone, for a VM without a VF', () => {
  void it('books memory and no VF; counts it against free memory and the incoming limit; idempotent; released like a VF', async () => {
    const { pool: p } = pool(1);
    await p.reserveMemory(req('plain', { memoryMiB: 40_000, owner: 'evacuate/h0' }));
    await p.reserveMemory(req('plain', { memoryMiB: 40_000 }));
    assert.deepEqual({ ...(await p.bookingOf('plain'))?.booking, at: '' }, { vfId: null, vm: 'plain', state: 'reserved', memoryMiB: 40_000, owner: 'migrate/plain', at: '' });
    const status = await p.status();
    assert.deepEqual([status.free, status.reservedMemoryMiB, status.incoming], [1, 40_000, 1], 'the VF is still free');
    await assert.rejects(p.reserveMemory(req('big', { memoryMiB: 30_000 })), InsufficientMemoryError);
    await assert.rejects(p.reserve(req('teamed', { memoryMiB: 30_000 })), InsufficientMemoryError, 'a VF booking counts the promised memory too');
    await assert.rejects(p.reserveMemory(req('other', { maxIncoming: 1 })), IncomingLimitError);
    assert.ok((await p.reserve(req('teamed'))).id, 'the VF was never taken');
    assert.equal(await p.releaseIfOwner('plain', 'evacuate/h0'), false, 'the migration took the booking over');
    await p.release('plain');
    assert.equal(await p.bookingOf('plain'), null);
  });
});
