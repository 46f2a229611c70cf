import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterRefusal, chooseDestination, orderVms, unplaceableReason, withBooking, withoutBooking, type DestinationView } from '../../src/evacuation/placement.js';

const hosts: DestinationView[] = [
  { host: 'b', freeVfs: 3, freeMemoryMiB: 8192, incoming: 0, placed: 2 },
  { host: 'c', freeVfs: 1, freeMemoryMiB: 4096, incoming: 0, placed: 0 },
  { host: 'd', freeVfs: 5, freeMemoryMiB: 1024, incoming: 0, placed: 0 },
  { host: 'e', freeVfs: 2, freeMemoryMiB: 65536, incoming: 2, placed: 0 },
];
const vm = { vm: 'v', memoryMiB: 2048 };

void describe('placement', () => {
  void it('most-free-vfs takes the host with most free VFs that fits (d has too little memory, e is at its incoming limit)', () => {
    assert.equal(chooseDestination(vm, hosts, 'most-free-vfs', 2), 'b');
  });
  void it('pack fills the fullest host that still fits', () => {
    assert.equal(chooseDestination(vm, hosts, 'pack', 2), 'c');
  });
  void it('spread evens out what this evacuation placed', () => {
    assert.equal(chooseDestination(vm, hosts, 'spread', 2), 'c');
  });
  void it('a higher incoming limit opens e; skipped hosts and full hosts are never chosen', () => {
    assert.equal(chooseDestination(vm, hosts, 'most-free-vfs', 3, new Set(['b'])), 'e');
    assert.equal(chooseDestination({ vm: 'big', memoryMiB: 100_000 }, hosts, 'most-free-vfs', 9), null);
  });
  void it('orders VMs', () => {
    const vms = [{ vm: 'b', memoryMiB: 4 }, { vm: 'a', memoryMiB: 8 }, { vm: 'c', memoryMiB: 4 }];
    assert.deepEqual(orderVms(vms, 'smallest-memory-first').map((v) => v.vm), ['b', 'c', 'a']);
    assert.deepEqual(orderVms(vms, 'largest-memory-first').map((v) => v.vm), ['a', 'b', 'c']);
    assert.deepEqual(orderVms(vms, 'name').map((v) => v.vm), ['a', 'b', 'c']);
  });

  void describe('a VM with N teamed pairs needs N free VFs', () => {
    const twoPairs = { vm: 'v2', memoryMiB: 2048, vfs: 2 };
    void it('a 2-pair VM skips a host with 1 free VF (c) where a 1-pair VM goes', () => {
      assert.equal(chooseDestination({ ...twoPairs, vfs: 1 }, hosts, 'pack', 2), 'c');
      assert.equal(chooseDestination(twoPairs, hosts, 'pack', 2), 'b');
      assert.equal(chooseDestination(twoPairs, hosts, 'pack', 3), 'e', 'e (2 free VFs) once its incoming limit allows');
      assert.equal(chooseDestination({ ...twoPairs, vfs: 4 }, hosts, 'pack', 3), null, 'no host with enough memory has 4 free VFs');
    });
    void it('a VM without a VF needs no free VF', () => {
      const full = [{ host: 'z', freeVfs: 0, freeMemoryMiB: 4096, incoming: 0, placed: 0 }];
      assert.equal(chooseDestination({ vm: 'p', memoryMiB: 1024, vfs: 0 }, full, 'pack', 2), 'z');
      assert.equal(chooseDestination({ vm: 't', memoryMiB: 1024 }, full, 'pack', 2), null, 'the default is one VF');
    });
    void it('booking takes N VFs from the view, giving the booking back returns them', () => {
      const b = hosts[0]!;
      const booked = withBooking(b, twoPairs);
      assert.deepEqual(booked, { host: 'b', freeVfs: 1, freeMemoryMiB: 6144, incoming: 1, placed: 3 });
      assert.equal(chooseDestination(twoPairs, [booked], 'pack', 2), null, 'the second 2-pair VM no longer fits');
      assert.deepEqual(withoutBooking(booked, twoPairs), { ...b, incoming: 1 }, 'incoming is settled by the migration\'s end');
      assert.equal(withBooking(b, { vm: 'p', memoryMiB: 1, vfs: 0 }).freeVfs, 3);
    });
    void it('a NoFreeVf refusal of N VFs means fewer than N free: a 1-pair VM may still go there', () => {
      const e = hosts[3]!;
      const after = afterRefusal(e, { ...twoPairs, vfs: 3 }, 'NoFreeVf');
      assert.equal(after.freeVfs, 2);
      assert.equal(afterRefusal(e, twoPairs, 'NoFreeVf').freeVfs, 1);
      assert.equal(afterRefusal(e, { vm: 'one', memoryMiB: 1 }, 'NoFreeVf').freeVfs, 0);
      assert.equal(afterRefusal(e, twoPairs, 'InsufficientMemory').freeMemoryMiB, 2047);
      assert.deepEqual(afterRefusal(e, twoPairs, 'IncomingLimit'), e);
    });
    void it('says what an unplaceable VM lacks', () => {
      assert.equal(unplaceableReason(twoPairs), 'no destination has 2 free VFs (one per teamed pair) and enough memory for it');
      assert.equal(unplaceableReason({ vm: 'one', memoryMiB: 1 }), 'no destination has a free VF and enough memory for it');
      assert.equal(unplaceableReason({ vm: 'p', memoryMiB: 1, vfs: 0 }), 'no destination has enough memory for it');
    });
  });
});
