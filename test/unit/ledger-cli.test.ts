import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { FileLedger } from '../../src/vf/ledger.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The CLI as an operator runs it; Temporal pointed at a closed loopback port, so nothing here may reach it. */
async function vfmigrate(...args: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [main, ...args], { reject: false, timeout: 60_000, env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, no stack trace, a non-zero exit, nothing on stdout. */
function assertOneLineRefusal(r: { code: number | undefined; stdout: string; stderr: string }): string {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').length, 1, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |\.js:\d+/, 'no stack trace');
  assert.ok(r.stderr.startsWith('error: '), r.stderr);
  return r.stderr.slice('error: '.length);
}

void describe('vfmigrate worker --host / ledger rebuild: refusals about the VF ledger', () => {
  let dir = '';
  let hostsFile = '';
  let ledgerFile = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-ledger-cli-'));
    hostsFile = path.join(dir, 'hosts.yaml');
    ledgerFile = path.join(dir, 'state', 'vf-ledger.json');
    await mkdir(path.dirname(ledgerFile));
    await writeFile(
      hostsFile,
      [
        'apiVersion: vfmigrate/v1',
        'kind: Hosts',
        'spec:',
        '  hosts:',
        '    - name: h',
        '      libvirtUri: qemu:///system',
        '      migrationUri: qemu+tcp://127.0.0.1/system',
        '      stateDir: state',
        '      vfs: { provider: emulated, count: 2 }',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('a worker refuses to start on a corrupt ledger: one line naming the file and the rebuild command; the file is untouched', async () => {
    await writeFile(ledgerFile, '[{"vfId": ');
    const message = assertOneLineRefusal(await vfmigrate('worker', '--host', 'h', '--hosts', hostsFile));
    assert.ok(message.startsWith(`the VF ledger ${ledgerFile} is corrupt (not JSON: `), message);
    assert.ok(message.includes(`\`vfmigrate ledger rebuild --host h --hosts ${hostsFile}\``), message);
    assert.equal(await readFile(ledgerFile, 'utf8'), '[{"vfId": ');
  });

  void it('a second worker for the host refuses to start, naming the first (pid, since when, lock file)', async () => {
    await writeFile(ledgerFile, '[]');
    const first = new FileLedger(ledgerFile);
    await first.lock();
    try {
      const message = assertOneLineRefusal(await vfmigrate('worker', '--host', 'h', '--hosts', hostsFile));
      const { since } = JSON.parse(await readFile(`${ledgerFile}.lock`, 'utf8')) as { since: string };
      assert.equal(
        message,
        `pid ${process.pid} on ${hostname()} since ${since} holds the VF ledger lock ${ledgerFile}.lock: a host worker (or \`vfmigrate ledger rebuild\`) already runs for this host; stop it first`,
      );
    } finally {
      await first.unlock();
    }
  });

  void it('ledger rebuild refuses while the worker holds the ledger, and sets nothing aside', async () => {
    await writeFile(ledgerFile, '{');
    const worker = new FileLedger(ledgerFile);
    await worker.lock();
    try {
      const message = assertOneLineRefusal(await vfmigrate('ledger', 'rebuild', '--host', 'h', '--hosts', hostsFile));
      assert.match(message, new RegExp(`^pid ${process.pid} on .* holds the VF ledger lock ${ledgerFile}\\.lock: `));
      assert.equal(await readFile(ledgerFile, 'utf8'), '{');
      assert.ok(!(await readdir(path.dirname(ledgerFile))).some((f) => f.includes('corrupt')));
    } finally {
      await worker.unlock();
    }
  });
});
