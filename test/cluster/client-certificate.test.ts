import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { clusterEnv } from './cluster-env.js';

const cli = path.resolve(import.meta.dirname, '../../src/cli/main.js');

/**
 * The frontend requires a client certificate its CA signed. A worker without one, or with one from another
 * CA, must stop at once with one line saying so, not retry in silence or print a stack trace.
 */
void describe('a worker refused by the mTLS frontend says why, on one line', () => {
  const { env, certs } = clusterEnv();
  let dir: string;
  let fleet: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-mtls-'));
    fleet = path.join(dir, 'fleet.yaml');
    await writeFile(fleet, 'apiVersion: vfmigrate/v1\nkind: ModelFleet\nspec:\n  hosts:\n    - name: mtls-h1\n      vfs: 1\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const worker = (tls: Record<string, string>) =>
    execa(process.execPath, [cli, 'worker', '--control'], {
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE, ...tls },
      timeout: 30_000,
    });
  const serverTls = { TEMPORAL_TLS_SERVER_CA_CERT_PATH: env.TEMPORAL_TLS_SERVER_CA_CERT_PATH!, TEMPORAL_TLS_SERVER_NAME: env.TEMPORAL_TLS_SERVER_NAME! };

  const assertRefused = (r: Awaited<ReturnType<typeof worker>>) => {
    assert.equal(r.exitCode, 1, `exit ${r.exitCode}, stderr: ${r.stderr}`);
    assert.equal(r.stdout, '', 'no worker reported as polling');
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
    assert.match(lines[0]!, /^error: no TLS connection to Temporal at 127\.0\.0\.1:\d+: the server .*client certificate/);
    assert.doesNotMatch(r.stderr, /\n\s+at |Error:/);
  };

  void it('no client certificate', async () => {
    const r = await worker(serverTls);
    assertRefused(r);
    assert.match(r.stderr, /TEMPORAL_TLS_CLIENT_CERT_PATH/);
  });

  void it('a client certificate from a CA the server does not trust', async () => {
    const r = await worker({
      ...serverTls,
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(certs, 'untrusted-client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(certs, 'untrusted-client.key'),
    });
    assertRefused(r);
  });

  void it('the trusted client certificate is let in (the refusals above are about the certificate, nothing else)', async () => {
    const r = execa(process.execPath, [cli, 'worker', '--model', fleet], {
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '', ...env, VFMIGRATE_QUEUE_PREFIX: 'mtls' },
    });
    let out = '';
    r.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!out.includes('workers polling') && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 100));
    r.kill('SIGTERM');
    const done = await r;
    assert.match(out, new RegExp(`workers polling ${env.TEMPORAL_ADDRESS!.replace(/\./g, '\\.')} namespace ${env.TEMPORAL_NAMESPACE}: mtls-host-mtls-h1`), done.stderr);
    assert.equal(done.exitCode, 0, done.stderr);
  });
});
