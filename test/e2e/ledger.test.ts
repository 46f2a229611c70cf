/**
 * The VF ledger of a real testbed host: `ledger rebuild` refuses while the host's worker runs, a worker
 * refuses to start on a corrupt ledger, and the rebuild books what the running guest holds (asked from
 * libvirt), keeping the corrupt file aside, after which the worker starts.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rebuildLedgerCommand } from '../../src/cli/commands/ledger.js';
import { loadHostConfig } from '../../src/config/hosts.js';
import { removeGuest, startGuest, testbedUp } from '../../src/testbed/testbed.js';
import { testbedHostsFile, type TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { CorruptLedgerError, LedgerLockedError } from '../../src/vf/errors.js';
import { FileLedger } from '../../src/vf/ledger.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { startWorkers } from './support.js';

const VM = `ledger-${process.pid}`;

void describe('the VF ledger of a real host: one writer, and a rebuild from libvirt', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };
  let ledgerFile = '';
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };

  before(async () => {
    await testbedUp();
    ledgerFile = path.join((await loadHostConfig(testbedHostsFile, 'hostA')).stateDir, 'vf-ledger.json');
    temporal = await testTemporal();
    workers = await startWorkers(temporal);
    await startGuest(VM, { host: 'hostA' });
  });
  after(async () => {
    await workers?.stop();
    await removeGuest(VM);
    // Never leave the shared testbed with a ledger its workers refuse, nor our corrupt copies.
    if (ledgerFile) {
      await new FileLedger(ledgerFile).read().catch(() => rm(ledgerFile, { force: true }));
      const dir = path.dirname(ledgerFile);
      for (const f of await readdir(dir)) if (f.startsWith('vf-ledger.json.corrupt-')) await rm(path.join(dir, f), { force: true });
    }
    await temporal?.close();
  });

  void it('ledger rebuild refuses while the host worker runs, naming it', async () => {
    await assert.rejects(
      rebuildLedgerCommand({ host: 'hostA', hosts: testbedHostsFile }, io),
      (err: unknown) => err instanceof LedgerLockedError && err.holder?.pid === process.pid && err.lockFile === `${ledgerFile}.lock`,
    );
  });

  void it('a corrupt ledger stops the worker; the rebuild books the running guest and keeps the corrupt file', async () => {
    await workers.stopHost('hostA');
    const garbage = '[{"vfId": "hostA/emul';
    await writeFile(ledgerFile, garbage);
    await assert.rejects(workers.startHost('hostA'), (err: unknown) => err instanceof CorruptLedgerError && err.file === ledgerFile);
    assert.equal(await readFile(ledgerFile, 'utf8'), garbage, 'the refusing worker changed nothing');

    lines.length = 0;
    assert.equal(await rebuildLedgerCommand({ host: 'hostA', hosts: testbedHostsFile }, io), 0);
    const bookings = await new FileLedger(ledgerFile).read();
    assert.ok(bookings.some((b) => b.vm === VM && b.state === 'attached' && b.vfId?.startsWith('hostA/emulated-') === true), JSON.stringify(bookings));
    const kept = lines.map((l) => /the corrupt ledger is kept as (\S+)/.exec(l)?.[1]).find(Boolean);
    assert.ok(kept, lines.join('\n'));
    assert.equal(await readFile(kept, 'utf8'), garbage);

    await workers.startHost('hostA');
  });
});
