import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseDestination, orderVms, type DestinationView } from '../../src/evacuation/placement.js';

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
});
