import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';

const checkout = path.resolve(import.meta.dirname, '../../..');
const unitsDir = path.join(checkout, 'deploy/systemd');
const installedBin = '/usr/local/bin/vfmigrate';
const checkoutBin = path.join(checkout, 'bin/vfmigrate.js');

/** `[Service]` settings of a unit file, a key that repeats keeping its last value (as systemd does for these). */
function serviceSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) section = header[1] ?? '';
    const kv = /^(\w+)=(.*)$/.exec(line);
    if (section === 'Service' && kv) settings.set(kv[1] ?? '', kv[2] ?? '');
  }
  return settings;
}

/**
 * The units that ship in deploy/systemd, checked by systemd itself. verify wants ExecStart to exist, and
 * this machine has no installed vfmigrate: temporary copies point it at the checkout's bin instead.
 */
void describe('systemd units (deploy/systemd)', () => {
  let dir: string;
  const units = new Map<string, string>();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-units-'));
    for (const name of await readdir(unitsDir)) {
      const text = await readFile(path.join(unitsDir, name), 'utf8');
      units.set(name, text);
      await writeFile(path.join(dir, name), text.replaceAll(installedBin, checkoutBin));
    }
    // The template as an instance, so that %i is expanded the way `systemctl start ...@hostA` does it.
    await writeFile(path.join(dir, 'vfmigrate-host-worker@hostA.service'), (units.get('vfmigrate-host-worker@.service') ?? '').replaceAll(installedBin, checkoutBin));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('ships the templated host worker and the control worker', () => {
    assert.deepEqual([...units.keys()].sort(), ['vfmigrate-control-worker.service', 'vfmigrate-host-worker@.service']);
  });

  for (const name of ['vfmigrate-control-worker.service', 'vfmigrate-host-worker@.service', 'vfmigrate-host-worker@hostA.service']) {
    void it(`systemd-analyze verify ${name}: exit 0 and not one warning`, async () => {
      // An unknown or misspelt key is only a warning (exit 0): the empty stderr is what catches it.
      const r = await execa('systemd-analyze', ['verify', path.join(dir, name)], { reject: false, timeout: 60_000 });
      assert.deepEqual({ code: r.exitCode, stderr: r.stderr }, { code: 0, stderr: '' });
    });
  }

  void it('a misspelt key is caught (the check above can fail)', async () => {
    const bad = path.join(dir, 'bad', 'vfmigrate-control-worker.service');
    await execa('mkdir', ['-p', path.dirname(bad)]);
    await writeFile(bad, (units.get('vfmigrate-control-worker.service') ?? '').replaceAll(installedBin, checkoutBin).replace('TimeoutStopSec=', 'TimeoutStopSecs='));
    const r = await execa('systemd-analyze', ['verify', bad], { reject: false, timeout: 60_000 });
    assert.match(r.stderr, /Unknown key 'TimeoutStopSecs'/);
  });

  void it('both units restart on failure, read temporal.env, and give a SIGTERM drain time beyond the 5 s grace', () => {
    for (const [name, text] of units) {
      const s = serviceSettings(text);
      assert.equal(s.get('Restart'), 'on-failure', name);
      assert.equal(s.get('EnvironmentFile'), '/etc/vfmigrate/temporal.env', name);
      assert.equal(s.get('KillSignal'), 'SIGTERM', name);
      const stop = /^(\d+)s$/.exec(s.get('TimeoutStopSec') ?? '');
      assert.ok(stop && Number(stop[1]) >= 30, `${name}: TimeoutStopSec ${s.get('TimeoutStopSec')}`);
    }
  });

  void it('the host worker keeps its ledger directory writable and its virsh children alive through the drain', () => {
    const s = serviceSettings(units.get('vfmigrate-host-worker@.service') ?? '');
    assert.equal(s.get('ExecStart'), `${installedBin} worker --host %i --hosts /etc/vfmigrate/hosts.yaml`);
    assert.equal(s.get('ProtectSystem'), 'strict');
    assert.equal(s.get('StateDirectory'), 'vfmigrate');
    assert.equal(s.get('KillMode'), 'mixed');
  });

  void it("the host worker's ExecStart options are the CLI's: a missing hosts file is one line and exit 1", async () => {
    const r = await execa(process.execPath, [checkoutBin, 'worker', '--host', 'hostA', '--hosts', path.join(dir, 'no-hosts.yaml')], {
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /no-hosts\.yaml/);
  });
});
