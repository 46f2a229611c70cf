import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';

const script = path.resolve(import.meta.dirname, '../../../scripts/check-prerequisites.sh');

/**
 * scripts/check-prerequisites.sh as setup.sh sources it, with stand-ins for `id` and `go` on a PATH that
 * holds nothing else (sed aside): what a newcomer's machine may have, from no Go at all to an old one.
 */
void describe('set-up prerequisites: Go >= 1.25 fetched through the module proxy where it can be, else one line', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-prereq-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A bin folder with `id -u` printing `uid` and, unless `goVersion` is null, a `go` that reports it (or the toolchain GOTOOLCHAIN names). */
  async function machine(name: string, uid: number, goVersion: string | null, toolchainFetch: 'works' | 'fails' = 'works'): Promise<string> {
    const bin = path.join(dir, name);
    await execa('mkdir', ['-p', bin]);
    await symlink('/bin/sed', path.join(bin, 'sed')).catch(() => symlink('/usr/bin/sed', path.join(bin, 'sed')));
    await writeFile(path.join(bin, 'id'), `#!/bin/sh\necho ${uid}\n`);
    await chmod(path.join(bin, 'id'), 0o755);
    if (goVersion) {
      const fetched = toolchainFetch === 'works' ? 'echo "go version ${GOTOOLCHAIN} linux/amd64"' : 'echo "go: download ${GOTOOLCHAIN}: 404 Not Found" >&2; exit 1';
      await writeFile(
        path.join(bin, 'go'),
        `#!/bin/sh\nif [ "$1" = env ]; then echo https://proxy.golang.org; exit 0; fi\ncase "\${GOTOOLCHAIN:-local}" in local) echo "go version ${goVersion} linux/amd64";; *) ${fetched};; esac\n`,
      );
      await chmod(path.join(bin, 'go'), 0o755);
    }
    return bin;
  }

  const check = (bin: string) =>
    execa('/bin/bash', ['-c', `set -euo pipefail\n. "$1"\necho "GOTOOLCHAIN=\${GOTOOLCHAIN:-}"`, 'bash', script], {
      reject: false,
      extendEnv: false,
      env: { PATH: bin },
      // A socket on stdin (Node's default pipe) makes bash read ~/.bashrc as if started by a remote shell daemon.
      stdin: 'ignore',
    });

  void it('Go 1.25 or newer: nothing to do', async () => {
    const r = await check(await machine('new', 0, 'go1.26.8'));
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [0, 'GOTOOLCHAIN=', '']);
  });

  void it('Go 1.21 to 1.24: fetches go1.25.0 as a toolchain module and uses it for the rest of set-up', async () => {
    const r = await check(await machine('older', 0, 'go1.23.4'));
    assert.deepEqual([r.exitCode, r.stderr], [0, '']);
    assert.deepEqual(r.stdout.split('\n'), ['== Go toolchain go1.25.0 through the Go module proxy (found go1.23.4)', 'GOTOOLCHAIN=go1.25.0']);
  });

  void it('the toolchain cannot be fetched: one line naming the proxy and what to install', async () => {
    const r = await check(await machine('offline', 0, 'go1.22.1', 'fails'));
    assert.equal(r.exitCode, 1);
    assert.equal(
      r.stderr.split('\n').filter((l) => l.startsWith('error:')).join('\n'),
      'error: could not fetch the Go toolchain go1.25.0 through the Go module proxy (https://proxy.golang.org); install Go >= 1.25 from https://go.dev/dl',
    );
  });

  void it("Go older than 1.21 (Debian 12's golang-go) cannot fetch a toolchain: one line naming what to install", async () => {
    const r = await check(await machine('ancient', 0, 'go1.19.8'));
    assert.deepEqual([r.exitCode, r.stdout], [1, '']);
    assert.equal(r.stderr, 'error: Go >= 1.21 is required to fetch Go 1.25 (found go1.19.8): apt-get install -t bookworm-backports golang-go, or Go >= 1.25 from https://go.dev/dl');
  });

  void it('no Go at all: one line naming the package', async () => {
    const r = await check(await machine('nogo', 0, null));
    assert.deepEqual([r.exitCode, r.stdout], [1, '']);
    assert.match(r.stderr, /^error: Go is required to build Temporal: apt-get install golang-go .*$/);
    assert.equal(r.stderr.split('\n').length, 1);
  });

  void it('not root: one line, before anything else', async () => {
    const r = await check(await machine('user', 1000, 'go1.26.8'));
    assert.deepEqual([r.exitCode, r.stdout], [1, '']);
    assert.equal(r.stderr, 'error: run as root (sudo scripts/setup.sh): set-up installs Debian packages and the testbed runs libvirt');
  });
});
