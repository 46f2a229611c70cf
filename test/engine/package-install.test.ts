import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { queryProgress } from '../../src/client/migration-result.js';
import { startMigration } from '../../src/client/start-migration.js';
import { InputError } from '../../src/errors.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';

const checkout = path.resolve(import.meta.dirname, '../../..');

/**
 * What an operator does on a hypervisor: `npm pack` in a checkout, `npm install` of the tarball into a
 * clean prefix, then the installed bin. Dependencies come from the npm registry (the local cache first).
 */
void describe('the npm pack tarball installs into a clean prefix and runs from there', () => {
  let temporal: TestTemporal;
  let dir: string;
  let bin: string;
  let packageDir: string;
  let version: string;

  before(async () => {
    temporal = await testTemporal();
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-package-'));
    version = (JSON.parse(await readFile(path.join(checkout, 'package.json'), 'utf8')) as { version: string }).version;
    // prepack builds (tsc -b): up to date here, so it rewrites nothing the other test files are running.
    await execa('npm', ['pack', '--pack-destination', dir], { cwd: checkout, timeout: 120_000 });
    const tarball = path.join(dir, `vfmigrate-${version}.tgz`);
    const prefix = path.join(dir, 'prefix');
    await execa('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir, timeout: 240_000 });
    bin = path.join(prefix, 'node_modules/.bin/vfmigrate');
    packageDir = path.join(prefix, 'node_modules/vfmigrate');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await temporal.close();
  });

  /** The installed CLI with only PATH (and what a test adds), run from a directory that is not the checkout. */
  const run = (args: string[], env: Record<string, string> = {}) =>
    execa(bin, args, { cwd: dir, reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });

  void it('holds compiled JavaScript and what it reads at run time, and no tests', async () => {
    const top = (await readdir(packageDir)).sort();
    assert.deepEqual(top, ['README.md', 'bin', 'deploy', 'docs', 'lib', 'package.json', 'plans', 'policies', 'src', 'temporal-dev.yml']);
    assert.deepEqual((await readdir(path.join(packageDir, 'lib'))).sort(), ['src']);
    const cli = await readdir(path.join(packageDir, 'lib/src/cli'));
    assert.ok(cli.includes('main.js'), `lib/src/cli has no main.js: ${cli.join(', ')}`);
    assert.ok((await readdir(path.join(packageDir, 'deploy/systemd'))).includes('vfmigrate-host-worker@.service'));
  });

  void it('--version prints the package version', async () => {
    const r = await run(['--version']);
    assert.deepEqual({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: version, stderr: '' });
  });

  void it('worker --help describes the worker options', async () => {
    const r = await run(['worker', '--help']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^Usage: vfmigrate worker \[options\]/);
    for (const option of ['--control', '--host <name>', '--hosts <file>', '--model <file>']) assert.ok(r.stdout.includes(option), `no ${option} in:\n${r.stdout}`);
    assert.equal(r.stderr, '');
  });

  void it('plan validate finds a shipped plan by name inside the installed package', async () => {
    const r = await run(['plan', 'validate', 'sriov-live-migration']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ok: ${packageDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/plans/sriov-live-migration\\.yaml: plan sriov-live-migration v\\d+`));
  });

  void it('a plan name that ships nowhere: one problem, exit 1, no stack trace', async () => {
    const r = await run(['plan', 'validate', 'no-such-plan']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout + r.stderr, /no-such-plan\.yaml: cannot read the plan: no such file/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  /** The installed `vfmigrate worker ARGS`, resolved once it prints the queues it polls. */
  async function startWorker(args: string[], env: Record<string, string>): Promise<{ worker: ResultPromise<{ reject: false; forceKillAfterDelay: false }>; out: () => string }> {
    const worker = execa(bin, ['worker', ...args], { cwd: dir, reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000, forceKillAfterDelay: false });
    // forceKillAfterDelay: execa would otherwise SIGKILL 5 s after our SIGTERM, in the middle of the drain.
    let out = '';
    const polling = new Promise<void>((resolve) => {
      worker.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('workers polling')) resolve();
      });
    });
    await Promise.race([polling, worker.then((r) => assert.fail(`the worker ended before polling (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`))]);
    return { worker, out: () => out };
  }

  void it('the installed worker bundles its workflows, polls the real server, and drains on SIGTERM with exit 0', async () => {
    const fleet = path.join(dir, 'fleet.yaml');
    await writeFile(fleet, 'apiVersion: vfmigrate/v1\nkind: ModelFleet\nspec:\n  hosts:\n    - name: pkg-h1\n      vfs: 1\n');
    const prefix = `pkg${Date.now()}`;
    const { worker, out } = await startWorker(['--control', '--model', fleet], { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, VFMIGRATE_QUEUE_PREFIX: prefix });
    assert.match(out(), new RegExp(`workers polling ${temporal.address} namespace ${temporal.namespace}: ${prefix}-control, ${prefix}-host-pkg-h1`));
    const stoppingAt = Date.now();
    worker.kill('SIGTERM');
    const r = await worker;
    assert.deepEqual({ code: r.exitCode, signal: r.signal }, { code: 0, signal: undefined }, r.stderr);
    // Nothing was in flight: the drain is immediate.
    assert.ok(Date.now() - stoppingAt < 10_000, `took ${Date.now() - stoppingAt} ms to stop`);
    assert.match(r.stdout + r.stderr, /state: 'STOPPED'/);
  });

  void it('SIGTERM during a running migration: the worker exits 0 after the grace time, well inside the units\' TimeoutStopSec', async () => {
    const fleet = path.join(dir, 'fleet-busy.yaml');
    // The model's migration outlasts the test: the worker must not wait for it to end.
    await writeFile(
      fleet,
      'apiVersion: vfmigrate/v1\nkind: ModelFleet\nspec:\n  migrationTime: 10m\n  hosts:\n    - name: pkg-a\n      vfs: 1\n      vms: [{ name: pkg-vm }]\n    - name: pkg-b\n      vfs: 1\n',
    );
    const prefix = `pkg${Date.now()}`;
    const { worker } = await startWorker(['--control', '--model', fleet], { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, VFMIGRATE_QUEUE_PREFIX: prefix });
    // "workers polling" is printed as polling starts; the server sees the pollers a moment later.
    const run = await waitFor('the run started (the server sees the workers)', () =>
      startMigration(temporal.client, { vm: 'pkg-vm', from: 'pkg-a', to: 'pkg-b', namespace: temporal.namespace, queuePrefix: prefix }).catch((err: unknown) => {
        if (err instanceof InputError && err.message.includes('no worker is polling')) return undefined;
        throw err;
      }),
    );
    try {
      // The phase turns to 'migrate' when the step is scheduled; only the activity's own progress signal shows
      // that the host worker holds it (else the worker has nothing in flight and stops at once).
      await waitFor('the migrate activity running on the host worker', async () => (await queryProgress(run.handle)).migration !== null, 60_000);
      const stoppingAt = Date.now();
      worker.kill('SIGTERM');
      const r = await worker;
      const tookMs = Date.now() - stoppingAt;
      assert.deepEqual({ code: r.exitCode, signal: r.signal }, { code: 0, signal: undefined }, r.stderr);
      // host-worker.ts gives activities 5 s (shutdownGraceTime); the units give the whole stop 60 s.
      assert.ok(tookMs >= 4_000 && tookMs < 30_000, `took ${tookMs} ms to stop`);
    } finally {
      worker.kill('SIGKILL');
      await run.handle.terminate('test over').catch(() => undefined);
    }
  });
});
