import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { execaSync } from 'execa';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { findTeams } from '../../src/domain/teaming.js';
import { pairMac, REPO_ROOT } from '../../src/testbed/testbed.js';

function hasValidator(): boolean {
  return execaSync('sh', ['-c', 'command -v virt-xml-validate'], { reject: false }).exitCode === 0;
}

const script = path.join(REPO_ROOT, 'scripts', 'testbed.sh');
const tempPaths = path.join(REPO_ROOT, 'scripts', 'testbed', 'temp-paths.sh');

/** Runs bash with temp-paths.sh sourced the way testbed.sh sources it, mktemp pointed into `tmp`. */
async function withTempPaths(tmp: string, body: string): Promise<{ code: number; signal: string | undefined; lines: string[] }> {
  const r = await execa('bash', ['-c', `set -euo pipefail\nsource "$1"\n${body}`, 'bash', tempPaths], { reject: false, env: { TMPDIR: tmp }, timeout: 30_000 });
  return { code: r.exitCode ?? -1, signal: r.signal, lines: r.stdout.split('\n').filter(Boolean) };
}

void describe('scripts/testbed.sh: temporary paths are removed however the run ends', () => {
  let tmp = '';
  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'vfm-testbed-temp-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  void it('a command that fails midway (set -e) leaves no temporary folder or file behind', async () => {
    const r = await withTempPaths(tmp, 'new_temp d -d\ntouch "$d/partial"\nnew_temp f\necho "$d"\nfalse\necho unreachable');
    assert.equal(r.code, 1);
    assert.equal(r.lines.length, 1);
    assert.ok(r.lines[0]?.startsWith(tmp), r.lines[0]);
    assert.deepEqual(await readdir(tmp), []);
  });

  void it('so does die (exit 1) from inside a function whose local variable holds the path, and a SIGTERM', async () => {
    const died = await withTempPaths(tmp, 'f() { local stage; new_temp stage -d; echo "$stage"; exit 1; }\nf');
    assert.equal(died.code, 1);
    assert.ok(died.lines[0]?.startsWith(tmp), died.lines[0]);
    const killed = await withTempPaths(tmp, 'new_temp d -d\necho "$d"\nkill -TERM $$\nsleep 5');
    assert.equal(killed.signal, 'SIGTERM');
    assert.ok(killed.lines[0]?.startsWith(tmp), killed.lines[0]);
    assert.deepEqual(await readdir(tmp), []);
  });

  void it('a $(...) subshell removes its own temporary paths on exit, and never its parent\'s', async () => {
    const r = await withTempPaths(tmp, 'new_temp p -d\nc="$(new_temp c; echo "$c")"\n[[ -e "$c" ]] && echo child-kept\n[[ -d "$p" ]] && echo parent-kept\necho done');
    assert.equal(r.code, 0);
    assert.deepEqual(r.lines, ['parent-kept', 'done']);
    assert.deepEqual(await readdir(tmp), []);
  });
});

void describe('scripts/testbed.sh: the read-only subcommands of the split script', () => {
  let cache = '';
  before(async () => {
    cache = await mkdtemp(path.join(tmpdir(), 'vfm-testbed-cache-'));
  });
  after(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  void it('guest-xml fills every placeholder of the template from the guest, host, MAC and cache', async () => {
    const r = await execa(script, ['guest-xml', 'vm-9', '--host', 'hostB', '--mac', '52:54:00:AA:bb:0C'], { reject: false, env: { TESTBED_CACHE: cache, TESTBED_ACCEL: 'kvm' } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /@[A-Z_]+@/);
    assert.match(r.stdout, /<domain type='kvm'>/);
    assert.match(r.stdout, /<name>vm-9<\/name>/);
    assert.match(r.stdout, /\(created on hostB\)/);
    assert.equal(r.stdout.match(/<mac address='52:54:00:aa:bb:0c'\/>/g)?.length, 2);
    assert.match(r.stdout, new RegExp(`<kernel>${cache}/guest/vmlinuz</kernel>`));
    assert.match(r.stdout, new RegExp(`<source path='${cache}/guests/vm-9.serial.log' append='on'/>`));
  });

  void it('guest-xml --shape: plain has one virtio NIC and no team; two-pairs two teamed pairs with MACs MAC and MAC+1', async () => {
    const xml = async (shape: string) => {
      const r = await execa(script, ['guest-xml', 'vm-9', '--mac', '52:54:00:aa:bb:ff', '--shape', shape], { reject: false, env: { TESTBED_CACHE: cache } });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /@[A-Z_]+@/);
      return r.stdout;
    };
    const summary = (text: string) => {
      const d = parseDomainXml(text);
      return d.interfaces.map((i) => `${i.alias} ${i.model} ${i.mac} ${i.teaming?.type ?? 'no-teaming'} ${i.link}`);
    };
    const plain = await xml('plain');
    assert.deepEqual(summary(plain), ['ua-net0 virtio 52:54:00:aa:bb:ff no-teaming up']);
    assert.match(plain, /<cmdline>[^<]* vfm\.pairs=0<\/cmdline>/);
    const two = await xml('two-pairs');
    // Every standby before any primary: QEMU matches migrated slirp state by creation order (guests.sh).
    assert.deepEqual(summary(two), [
      'ua-backup0 virtio 52:54:00:aa:bb:ff persistent down',
      'ua-backup1 virtio 52:54:00:aa:bb:00 persistent down',
      'ua-primary0 e1000e 52:54:00:aa:bb:ff no-teaming up',
      'ua-primary1 e1000e 52:54:00:aa:bb:00 no-teaming up',
    ]);
    assert.equal(pairMac('52:54:00:aa:bb:ff', 1), '52:54:00:aa:bb:00', 'the rule the e2e tests use');
    assert.deepEqual(findTeams(parseDomainXml(two), 'emulated').map((t) => [t.standby.alias, t.primaries.map((p) => p.alias)]), [
      ['ua-backup0', ['ua-primary0']],
      ['ua-backup1', ['ua-primary1']],
    ]);
    assert.match(two, /<cmdline>[^<]* vfm\.pairs=2<\/cmdline>/);
    // The default shape is the guest it always was: same devices, no vfm.pairs on its command line.
    const one = await xml('one-pair');
    const byDefault = await execa(script, ['guest-xml', 'vm-9', '--mac', '52:54:00:aa:bb:ff'], { env: { TESTBED_CACHE: cache } });
    assert.equal(byDefault.stdout, one);
    // Pair 0 of the two-pair guest (its standby first, its primary after both standbys).
    assert.deepEqual(summary(one), [summary(two)[0], summary(two)[2]]);
    assert.doesNotMatch(one, /vfm\.pairs/);
  });

  void it('guest-xml of every shape is a domain libvirt\'s own schema accepts (virt-xml-validate)', { skip: !hasValidator() && 'virt-xml-validate is not installed (libvirt-clients)' }, async () => {
    for (const shape of ['plain', 'one-pair', 'two-pairs']) {
      const r = await execa(script, ['guest-xml', 'vm-9', '--shape', shape], { env: { TESTBED_CACHE: cache } });
      const file = path.join(cache, `${shape}.xml`);
      await writeFile(file, r.stdout);
      const v = await execa('virt-xml-validate', [file, 'domain'], { reject: false });
      assert.equal(v.exitCode, 0, `${shape}: ${v.stdout}${v.stderr}`);
    }
  });

  void it('bad guest arguments are one line naming what is wrong, exit 1', async () => {
    for (const [args, message] of [
      [['guest-xml', 'bad/name'], "testbed: error: bad guest name 'bad/name' (letters, digits, _ . -)"],
      [['guest-xml', 'vm-9', '--host', 'hostC'], "testbed: error: unknown host 'hostC' (expected hostA or hostB)"],
      [['guest-xml', 'vm-9', '--mac', 'zz'], "testbed: error: bad MAC 'zz'"],
      [['guest-xml', 'vm-9', '--shape', 'three-pairs'], "testbed: error: bad shape 'three-pairs' (expected plain, one-pair or two-pairs)"],
    ] as const) {
      const r = await execa(script, args, { reject: false, env: { TESTBED_CACHE: cache } });
      assert.equal(r.exitCode, 1);
      assert.equal(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  void it('help lists every subcommand; an unknown one is refused with the help, exit 2', async () => {
    const help = await execa(script, ['help']);
    for (const sub of ['install', 'up | down | status', 'stop-host|start-host|restart-host HOST', 'guest-xml NAME', 'guest-start NAME']) assert.ok(help.stdout.includes(sub), sub);
    const unknown = await execa(script, ['nosuch'], { reject: false });
    assert.equal(unknown.exitCode, 2);
    assert.ok(unknown.stderr.startsWith("testbed: unknown subcommand 'nosuch'\n"), unknown.stderr);
  });
});
