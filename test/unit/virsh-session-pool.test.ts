import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirshSessionPool } from '../../src/hypervisor/virsh-session-pool.js';
import type { SessionOutput } from '../../src/hypervisor/virsh-session.js';

/** A session whose calls finish when the test says so; it records what ran on it. */
class HeldSession {
  readonly ran: string[] = [];
  private readonly held = new Map<string, () => void>();

  run(commands: string[][]): Promise<SessionOutput> {
    const name = commands[0]![0]!;
    this.ran.push(name);
    return new Promise((resolve) => this.held.set(name, () => resolve({ stdout: name, stderr: '' })));
  }

  finish(name: string): void {
    this.held.get(name)?.();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

void describe('VirshSessionPool', () => {
  void it('a slow call holds up nobody: the next call opens another session', async () => {
    const opened: HeldSession[] = [];
    const pool = new VirshSessionPool(() => opened[opened.push(new HeldSession()) - 1]!, 2);
    const slow = pool.run([['attach-device']], 1000);
    const quick = pool.run([['dumpxml']], 1000);
    await tick();
    assert.equal(opened.length, 2);
    opened[1]!.finish('dumpxml');
    assert.equal((await quick).stdout, 'dumpxml', 'answered while the slow call still runs');
    opened[0]!.finish('attach-device');
    assert.equal((await slow).stdout, 'attach-device');
  });

  void it('never opens more than its size: a call waits for the first session released, then reuses it', async () => {
    const opened: HeldSession[] = [];
    const pool = new VirshSessionPool(() => opened[opened.push(new HeldSession()) - 1]!, 2);
    const calls = ['a', 'b', 'c'].map((name) => pool.run([[name]], 1000));
    await tick();
    assert.equal(opened.length, 2);
    assert.deepEqual(opened.map((s) => s.ran), [['a'], ['b']], 'c waits');
    opened[1]!.finish('b');
    await calls[1];
    await tick();
    assert.deepEqual(opened[1]!.ran, ['b', 'c'], 'c runs on the session b released');
    opened[1]!.finish('c');
    opened[0]!.finish('a');
    assert.deepEqual((await Promise.all(calls)).map((o) => o.stdout), ['a', 'b', 'c']);
    const later = pool.run([['d']], 1000);
    await tick();
    assert.equal(opened.length, 2, 'an idle session is reused, not a new one opened');
    opened.find((s) => s.ran.includes('d'))?.finish('d');
    assert.equal((await later).stdout, 'd');
  });
});
