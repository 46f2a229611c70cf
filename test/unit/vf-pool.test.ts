import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { IncomingLimitError, InsufficientMemoryError, NoFreeVfError } from '../../src/errors.js';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { FileLedger, MemoryLedger, type VfLedger } from '../../src/vf/ledger.js';
import { leaseGraceMs, VfPool } from '../../src/vf/pool.js';
import { EmulatedProvider, PciListProvider } from '../../src/vf/provider.js';
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

  void it('reclaims bookings of VMs not defined here whose run has ended, and only those, saying why', async () => {
    const ledger = new MemoryLedger();
    const { pool: p, fleet } = pool(4, ledger);
    const [vf0, vf1, vf2, vf3] = fleet.vfAddresses('h');
    fleet.addVm('h', { name: 'here' });
    const at = (ageMs: number) => new Date(Date.now() - ageMs).toISOString();
    await ledger.write([
      { vfId: vf0!, vm: 'here', state: 'attached', memoryMiB: 0, owner: 'found-on-host', at: at(0) },
      // Left after its run: a source whose release failed past the pivot keeps this one.
      { vfId: vf1!, vm: 'left', state: 'attached', memoryMiB: 0, owner: 'migrate/left', at: at(0) },
      { vfId: vf2!, vm: 'moving', state: 'attached', memoryMiB: 0, owner: 'migrate/moving', at: at(0) },
      { vfId: vf3!, vm: 'stale', state: 'reserved', memoryMiB: 1024, owner: 'migrate/stale', at: at(leaseGraceMs + 1000) },
      { vfId: null, vm: 'young', state: 'reserved', memoryMiB: 1024, owner: 'migrate/young', at: at(0) },
    ]);
    const asked: string[] = [];
    const taken = await p.reclaimLeft((owner) => {
      asked.push(owner);
      return Promise.resolve(owner === 'migrate/moving');
    });
    assert.deepEqual(
      taken.map((t) => [t.booking.vm, t.booking.state, t.why]),
      [
        ['left', 'attached', 'left is not defined on h and migrate/left, the run that booked it, has ended'],
        ['stale', 'reserved', 'stale is not defined on h and migrate/stale, the run that booked it, has ended'],
      ],
    );
    assert.deepEqual(asked.sort(), ['migrate/left', 'migrate/moving', 'migrate/stale'], 'a VM here or a young reservation costs no question');
    assert.deepEqual((await ledger.read()).map((b) => b.vm).sort(), ['here', 'moving', 'young']);
    assert.deepEqual(await p.reclaimLeft((owner) => Promise.resolve(owner === 'migrate/moving')), [], 'nothing more: the young reservation waits for its lease');
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

void describe('VF pool: a VM with several teamed pairs books one VF per pair', () => {
  void it('books all of them or none: a VM needing more VFs than are free books nothing', async () => {
    const { pool: p } = pool(3);
    await p.reserve(req('one'));
    await assert.rejects(p.reserveVfs(req('three-pairs'), 3), (err: unknown) => {
      assert.ok(err instanceof NoFreeVfError);
      assert.match(err.message, /^h has no free VF for three-pairs \(3 VFs, one per teamed pair, 0 already booked\): all 3 are booked/);
      return true;
    });
    assert.equal(await p.bookingOf('three-pairs'), null, 'no VF half-booked');
    assert.equal((await p.status()).free, 2);
    const two = await p.reserveVfs(req('two-pairs'), 2);
    assert.equal(new Set(two.map((v) => v.id)).size, 2);
    assert.equal((await p.status()).free, 0);
  });

  void it('two VMs with two pairs each racing for three VFs: one gets both, the other none', async () => {
    const { pool: p } = pool(3);
    const results = await Promise.allSettled([p.reserveVfs(req('a'), 2), p.reserveVfs(req('b'), 2)]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const status = await p.status();
    assert.deepEqual([status.free, status.incoming], [1, 1]);
  });

  void it('a retry gets the same VFs; an evacuation claim of one VF is topped up, and taken over, by the migration', async () => {
    const { pool: p } = pool(4);
    const first = await p.reserveVfs(req('a'), 2);
    assert.deepEqual(await p.reserveVfs(req('a'), 2), first);
    const claimed = await p.reserve(req('b', { owner: 'evacuate/h0' }));
    const both = await p.reserveVfs(req('b'), 2);
    assert.deepEqual(both[0], claimed);
    assert.equal(both.length, 2);
  });

  void it('a VM counts once towards the incoming limit and its memory once, however many pairs', async () => {
    const { pool: p } = pool(6);
    await p.reserveVfs(req('a', { memoryMiB: 30_000 }), 3);
    const status = await p.status();
    assert.deepEqual([status.incoming, status.reservedMemoryMiB], [1, 30_000]);
    await p.reserveVfs(req('b', { maxIncoming: 2, memoryMiB: 30_000 }), 2);
    await assert.rejects(p.reserveVfs(req('c', { maxIncoming: 2 }), 1), IncomingLimitError);
  });

  void it('attaching every pair turns all its bookings attached; releasing frees them all', async () => {
    const ledger = new MemoryLedger();
    const { pool: p } = pool(3, ledger);
    const vfs = await p.reserveVfs(req('a'), 2);
    await p.markAllAttached('a', vfs, 'migrate/a');
    assert.deepEqual((await ledger.read()).map((b) => `${b.vm} ${b.vfId} ${b.state} ${b.memoryMiB}`), vfs.map((v) => `a ${v.id} attached 0`));
    await p.release('a');
    assert.deepEqual(await ledger.read(), []);
  });

  void it('adopts every VF a two-pair VM holds (one ledger entry each) and reconciles a VM it never saw with both', async () => {
    const { pool: p, fleet } = pool(4);
    fleet.addVm('h', { name: 'two', pairs: 2 });
    const [vf0, vf1] = fleet.vfAddresses('h');
    const adopted = await p.adoptAll('two', [vf0!, vf1!], 'migrate/two');
    assert.deepEqual(adopted.map((v) => v.id), [vf0, vf1]);
    fleet.addVm('h', { name: 'unseen', pairs: 2 });
    const status = await p.status();
    assert.equal(status.free, 0, 'both pairs of both VMs booked');
  });

  void it('emulated VFs (no PCI address): each pair of the VM adopts a VF of its own', async () => {
    const fleet = new ModelFleet();
    fleet.addHost('h', { vfs: 0 });
    const p = new VfPool('h', new EmulatedProvider('h', 3), new MemoryLedger(), fleet.hypervisor('h'));
    const adopted = await p.adoptAll('guest', [null, null], 'migrate/guest');
    assert.deepEqual(adopted.map((v) => v.id), ['h/emulated-0', 'h/emulated-1']);
    assert.deepEqual((await p.adoptAll('guest', [null, null], 'migrate/guest')).map((v) => v.id), ['h/emulated-0', 'h/emulated-1'], 'again: the same two');
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
