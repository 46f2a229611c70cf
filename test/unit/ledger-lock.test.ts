import assert from 'node:assert/strict';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { LedgerLockedError } from '../../src/vf/errors.js';
import { FileLedger } from '../../src/vf/ledger.js';
import { VfPool } from '../../src/vf/pool.js';
import { PciListProvider } from '../../src/vf/provider.js';
import type { HolderReport } from '../support/ledger-holder.js';

const holderScript = fileURLToPath(new URL('../support/ledger-holder.js', import.meta.url));
const children: ChildProcess[] = [];

interface Holder {
  child: ChildProcess;
  report: HolderReport;
  exited: Promise<unknown>;
}

/** A pool on `file` in a process of its own (test/support/ledger-holder.ts), once it says whether it holds the ledger. */
async function startHolder(file: string): Promise<Holder> {
  const child = fork(holderScript, [file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const exited = once(child, 'exit');
  const [report] = (await Promise.race([once(child, 'message'), exited.then(() => [null])])) as [HolderReport | null];
  if (!report) throw new Error('the ledger holder exited without a report');
  return { child, report, exited };
}

async function release(holder: Holder): Promise<void> {
  holder.child.send('release');
  const [msg] = (await once(holder.child, 'message')) as [unknown];
  assert.equal(msg, 'released');
  await holder.exited;
}

function localPool(file: string): VfPool {
  const fleet = new ModelFleet();
  fleet.addHost('h', { vfs: 2 });
  return new VfPool('h', new PciListProvider(fleet.vfAddresses('h').map((pci) => ({ pci }))), new FileLedger(file), fleet.hypervisor('h'));
}

void describe('VF ledger lock: one writer per host, across processes', () => {
  let dir = '';
  let n = 0;
  const ledgerFile = (): string => path.join(dir, `state-${++n}`, 'vf-ledger.json');
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-ledger-lock-'));
  });
  after(async () => {
    children.filter((c) => c.exitCode === null && c.signalCode === null).forEach((c) => c.kill('SIGKILL'));
    await rm(dir, { recursive: true, force: true });
  });

  void it('a second process cannot hold the ledger while a first does, is told who does, and books nothing', async () => {
    const file = ledgerFile();
    const first = await startHolder(file);
    assert.deepEqual(first.report, { held: true, pid: first.child.pid });

    const second = await startHolder(file);
    assert.equal(second.report.held, false);
    assert.ok(!second.report.held);
    assert.equal(second.report.type, 'LedgerLocked');
    assert.match(second.report.message, new RegExp(`^pid ${first.child.pid} on ${hostname()} since 20\\d\\d-\\S+ holds the VF ledger lock ${file}\\.lock: `));
    await second.exited;

    const bookings = await new FileLedger(file).read();
    assert.deepEqual(bookings.map((b) => b.vm), [`child-${first.child.pid}`], 'only the holder booked');

    await release(first);
    const third = await startHolder(file);
    assert.equal(third.report.held, true, 'released on a clean exit: the next worker gets it');
    const after = await new FileLedger(file).read();
    assert.deepEqual(after.map((b) => b.vm).sort(), [`child-${first.child.pid}`, `child-${third.child.pid}`].sort(), 'no booking lost');
    assert.equal(new Set(after.map((b) => b.vfId)).size, 2, 'no VF booked twice');
    await release(third);
  });

  void it('refuses this process too while another process holds it, naming that process', async () => {
    const file = ledgerFile();
    const holder = await startHolder(file);
    const pool = localPool(file);
    await assert.rejects(pool.open(), (err: unknown) => {
      assert.ok(err instanceof LedgerLockedError);
      assert.equal(err.holder?.pid, holder.child.pid);
      assert.equal(err.lockFile, `${file}.lock`);
      return true;
    });
    await release(holder);
    await pool.open();
    await pool.close();
  });

  void it('takes over the lock of a holder that was killed (SIGKILL: no clean-up ran)', async () => {
    const file = ledgerFile();
    const holder = await startHolder(file);
    holder.child.kill('SIGKILL');
    await holder.exited;
    assert.match(await readFile(`${file}.lock`, 'utf8'), new RegExp(`"pid":${holder.child.pid}\\b`), 'the dead holder still named in the file');
    const pool = localPool(file);
    await pool.open();
    assert.equal((JSON.parse(await readFile(`${file}.lock`, 'utf8')) as { pid: number }).pid, process.pid);
    await pool.close();
  });

  void it('takes over a lock file that names a dead pid', async () => {
    const file = ledgerFile();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.lock`, JSON.stringify({ pid: dead, hostname: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const pool = localPool(file);
    await pool.open();
    const holder = JSON.parse(await readFile(`${file}.lock`, 'utf8')) as { pid: number; since: string };
    assert.equal(holder.pid, process.pid);
    assert.notEqual(holder.since, '2026-01-01T00:00:00.000Z');
    await pool.close();
    assert.equal(await readFile(`${file}.lock`, 'utf8'), '', 'a released lock names nobody');
  });

  void it('two ledgers on one file in one process exclude each other as well', async () => {
    const file = ledgerFile();
    const a = new FileLedger(file);
    const b = new FileLedger(file);
    await a.lock();
    await assert.rejects(b.lock(), (err: unknown) => err instanceof LedgerLockedError && err.holder?.pid === process.pid);
    await a.unlock();
    await b.lock();
    await b.unlock();
  });
});
