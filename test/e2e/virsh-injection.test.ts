/**
 * No string from outside can change which command virsh runs: fuzzed against the REAL virsh (its
 * readline and its parser), on libvirt's test driver loaded from a node file of our own, so that every
 * session sees the same domains: a victim and domains whose NAMES are the attack.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../../src/errors.js';
import { VmNotFoundError } from '../../src/hypervisor/errors.js';
import { VirshSession } from '../../src/hypervisor/virsh-session.js';
import { VirshHypervisor } from '../../src/hypervisor/virsh.js';

/** The reported attack: DELs that readline applies to the line, erasing the quoted command before virsh parses it. */
const DEL_ATTACK = `${'\x7f'.repeat(400)}destroy victim #`;
const HOSTILE_NAMES = [DEL_ATTACK, 'tab\there', `quote" ; destroy victim ; echo "`, 'meta\u00ff\u00e9x', 'bs\\; destroy victim'];

const xmlText = (s: string) => [...s].map((c) => (/[A-Za-z0-9 ._-]/.test(c) ? c : `&#${c.codePointAt(0)};`)).join('');
const domainXml = (name: string, uuid: string, withVf: boolean) => `
  <domain type='test'>
    <name>${xmlText(name)}</name>
    <uuid>${uuid}</uuid>
    <memory unit='KiB'>262144</memory>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>${withVf ? `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x3b' slot='0x02' function='0x${uuid.slice(-1)}'/></source></hostdev>` : ''}</devices>
  </domain>`;

let dir = '';
let uri = '';

/** What a fresh connection to the node file sees. */
async function victimState(): Promise<string> {
  return (await execa('virsh', ['-c', uri, 'domstate', '--domain', 'victim'], { env: { LC_ALL: 'C' } })).stdout.trim();
}

void describe('virsh: hostile strings stay data (real virsh, test driver)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vfmigrate-inject-'));
    const domains = [domainXml('victim', '00000000-0000-4000-8000-000000000001', false)];
    HOSTILE_NAMES.forEach((name, i) => domains.push(domainXml(name, `00000000-0000-4000-8000-00000000001${i}`, true)));
    await writeFile(join(dir, 'node.xml'), `<node>${domains.join('')}\n</node>\n`);
    uri = `test://${join(dir, 'node.xml')}`;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('the attack is real: fed to an interactive virsh as text, the DEL name destroys the victim', async () => {
    // What the old session did: the quoted name on one line of virsh's readline input.
    const { stdout } = await execa('virsh', ['-c', uri], { env: { LC_ALL: 'C' }, input: `dumpxml --domain "${DEL_ATTACK}"\n`, reject: false });
    assert.match(stdout, /Domain 'victim' destroyed/, 'readline erased the quoted command and `destroy victim` ran');
  });

  void it('a session refuses every control, DEL and non-ASCII byte, and passes every printable string verbatim', async () => {
    const session = new VirshSession(uri, 'fuzz');
    try {
      // Every single byte 0x00-0x1f and 0x7f, readline key sequences, and a seeded random mix.
      const controls = [...Array(32).keys(), 0x7f].map((c) => `x${String.fromCharCode(c)}destroy victim`);
      const sequences = ['\x1b[3~', '\x15', '\x17', '\x0b', '\x19', '\x1bd', '\x1b\x7f', '\t\t', '\x16\x7f', '\x00', '\u00ff', '\u00e9'].map((k) => `x${k}destroy victim`);
      const printables = ['"', "'", '\\', '#', ';', ' ', '$', '`', '!', '--', 'a', 'destroy victim', '\\"', '\\\\', ' ; ', '"\'"'];
      const hostile = [...printables, '\x7f', '\t', '\n', '\r', '\x1b', '\x00', 'é', '\x1b[3~', '\x15'];
      let seed = 42;
      const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
      const draw = (alphabet: string[]) => `x${Array.from({ length: 1 + rand(40) }, () => alphabet[rand(alphabet.length)]).join('')}`;
      const random = [...Array.from({ length: 150 }, () => draw(printables)), ...Array.from({ length: 150 }, () => draw(hostile))];
      const long = [`x${'"\\;#'.repeat(1000)}`, `x${'a'.repeat(4095)}`, `x${'a'.repeat(5000)}`];
      let refused = 0;
      let passed = 0;
      for (const s of [...controls, ...sequences, ...random, ...long]) {
        const safe = /^[\x20-\x7e]*$/.test(s) && s.length <= 4096;
        try {
          const out = await session.run([['echo', s]], 20_000);
          assert.ok(safe, `sent ${JSON.stringify(s)}`);
          assert.equal(out.stdout, `${s}\n`, 'printed verbatim: one argument, nothing else ran');
          assert.equal(out.stderr, '');
          passed++;
        } catch (err) {
          assert.ok(err instanceof InputError && !safe, `${JSON.stringify(s)}: ${String(err)}`);
          refused++;
        }
        // As a domain name it is refused, or it names no domain: nothing else.
        await session.run([['dumpxml', '--domain', s]], 20_000).then(
          (out) => assert.match(out.stderr, /failed to get domain/),
          (err: unknown) => assert.ok(err instanceof InputError, String(err)),
        );
      }
      assert.ok(refused >= 100 && passed >= 150, `both kinds fuzzed (${refused} refused, ${passed} passed)`);
      const victim = await session.run([['domstate', '--domain', 'victim']], 20_000);
      assert.equal(victim.stdout.trim(), 'running', 'the session connection still sees the victim running');
    } finally {
      session.close();
    }
    assert.equal(await victimState(), 'running');
  });

  void it('domains named by an attacker are read by UUID: the VF pool and the VM list see them as data', async () => {
    const hyp = new VirshHypervisor({ hostName: 'fuzz', uri, primaryMode: 'hostdev' });
    const holders = await hyp.vfHolders();
    assert.deepEqual(holders.map((h) => h.vm).sort(), [...HOSTILE_NAMES].sort());
    const vms = await hyp.listVms();
    assert.deepEqual(vms.map((v) => v.name).sort(), [...HOSTILE_NAMES, 'victim'].sort());
    assert.ok(vms.every((v) => v.state === 'running' && v.memoryMiB === 256));
    // The same session line ran, and the victim was not touched.
    assert.equal((await hyp.describeVm('victim')).state, 'running');
    for (const name of HOSTILE_NAMES) {
      await assert.rejects(hyp.describeVm(name), (err: unknown) => err instanceof InputError && !err.retryable && /is not a VM name|control or non-ASCII/.test(err.message));
    }
    await assert.rejects(hyp.describeVm('no-such-vm'), VmNotFoundError);
    assert.equal(await victimState(), 'running');
  });
});
