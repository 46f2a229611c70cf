import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { CorruptLedgerError } from '../../src/vf/errors.js';
import { FileLedger, rebuildCommand, type Booking } from '../../src/vf/ledger.js';
import { VfPool } from '../../src/vf/pool.js';
import { PciListProvider } from '../../src/vf/provider.js';

const booking = (vm: string, i: number): Booking => ({ vfId: `0000:3b:02.${i % 8}`, vm, state: 'reserved', memoryMiB: i, owner: `migrate/${vm}`, at: new Date(0).toISOString() });

void describe('VF ledger file', () => {
  let dir = '';
  let n = 0;
  const stateDir = async (): Promise<string> => {
    const d = path.join(dir, `state-${++n}`);
    await mkdir(d, { recursive: true });
    return d;
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-ledger-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('concurrent writes in one process never collide on a temporary name, and leave no temporary file', async () => {
    const state = await stateDir();
    const ledger = new FileLedger(path.join(state, 'vf-ledger.json'));
    await ledger.lock();
    const versions = Array.from({ length: 50 }, (_, i) => [booking(`vm-${i}`, i)]);
    await Promise.all(versions.map((v) => ledger.write(v)));
    const final = await ledger.read();
    assert.ok(versions.some((v) => JSON.stringify(v) === JSON.stringify(final)), 'the file is one whole version');
    assert.deepEqual(await readdir(state), ['vf-ledger.json', 'vf-ledger.json.lock']);
    await ledger.unlock();
  });

  void it('refuses to write without its lock (one writer per host is not optional)', async () => {
    const file = path.join(await stateDir(), 'vf-ledger.json');
    await assert.rejects(new FileLedger(file).write([]), /written without its lock/);
    await assert.rejects(readFile(file), { code: 'ENOENT' });
  });

  void it('removes temporary files a crash left behind when it takes the lock, and nothing else', async () => {
    const state = await stateDir();
    const leftovers = ['vf-ledger.json.0123456789abcdef.tmp', 'vf-ledger.json.4242.tmp'];
    const kept = ['vf-ledger.json.corrupt-2026-01-01T00-00-00.000Z', 'other.json.0123456789abcdef.tmp', 'vf-ledger.jsonX0123.tmp'];
    await Promise.all([...leftovers, ...kept].map((f) => writeFile(path.join(state, f), 'x')));
    const ledger = new FileLedger(path.join(state, 'vf-ledger.json'));
    await ledger.lock();
    assert.deepEqual((await readdir(state)).sort(), [...kept, 'vf-ledger.json.lock'].sort());
    await ledger.unlock();
  });

  const corrupt: [string, string, RegExp][] = [
    ['an empty file (a write cut short)', '', /\(the file is empty\)/],
    ['half a JSON document', '[{"vfId": "0000:3b:02.0", "vm": "a"', /\(not JSON: /],
    ['JSON that is not a list of bookings', '{"bookings": []}', /\(not a list of bookings: \(top level\): expected array, received object\)/],
    ['a booking of the wrong shape', JSON.stringify([{ ...booking('a', 1), state: 'borrowed' }]), /\(not a list of bookings: \[0\]\.state: expected one of "reserved", "attached"\)/],
  ];
  for (const [what, text, problem] of corrupt) {
    void it(`${what}: a typed error naming the file and the rebuild command, on one line; the file is left as it was`, async () => {
      const file = path.join(await stateDir(), 'vf-ledger.json');
      await writeFile(file, text);
      const command = rebuildCommand('hv-1', '/etc/vfmigrate/hosts.yaml');
      await assert.rejects(new FileLedger(file, command).read(), (err: unknown) => {
        assert.ok(err instanceof CorruptLedgerError);
        assert.equal(err.type, 'CorruptLedger');
        assert.equal(err.retryable, false);
        assert.equal(err.file, file);
        assert.match(err.message, problem);
        assert.ok(err.message.startsWith(`the VF ledger ${file} is corrupt (`), err.message);
        assert.ok(err.message.includes('`vfmigrate ledger rebuild --host hv-1 --hosts /etc/vfmigrate/hosts.yaml`'), err.message);
        assert.ok(!err.message.includes('\n'), 'one line');
        return true;
      });
      assert.equal(await readFile(file, 'utf8'), text);
    });
  }

  void it('never puts control characters from a corrupt file on the terminal', async () => {
    const file = path.join(await stateDir(), 'vf-ledger.json');
    await writeFile(file, '\u001b[2J\u0000\r\nrm -rf /');
    await assert.rejects(new FileLedger(file).read(), (err: unknown) => {
      assert.ok(err instanceof CorruptLedgerError);
      assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f]/);
      return true;
    });
  });

  void it('quotes a hosts file path the shell would split', () => {
    assert.equal(rebuildCommand('h', "/srv/my hosts/it's.yaml"), `vfmigrate ledger rebuild --host h --hosts '/srv/my hosts/it'\\''s.yaml'`);
  });

  void it('a pool does not open on a corrupt ledger, and leaves the lock free for the rebuild', async () => {
    const file = path.join(await stateDir(), 'vf-ledger.json');
    await writeFile(file, '{');
    const fleet = new ModelFleet();
    fleet.addHost('h', { vfs: 1 });
    const pool = new VfPool('h', new PciListProvider(fleet.vfAddresses('h').map((pci) => ({ pci }))), new FileLedger(file), fleet.hypervisor('h'));
    await assert.rejects(pool.open(), CorruptLedgerError);
    assert.equal(await readFile(file, 'utf8'), '{', 'nothing rewritten');
    const other = new FileLedger(file);
    await other.lock();
    await other.unlock();
  });
});
