import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { metricsAddress } from '../../src/config/metrics-address.js';
import { InputError } from '../../src/errors.js';

const cli = path.resolve(import.meta.dirname, '../../src/cli/main.js');

function refusal(option: string | undefined, env: NodeJS.ProcessEnv = {}): string {
  try {
    metricsAddress(option, env);
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${option ?? env.VFMIGRATE_METRICS_ADDRESS}`);
}

void describe('where a worker serves its metrics (--metrics, VFMIGRATE_METRICS_ADDRESS)', () => {
  void it('off unless asked: no option and no variable (or an empty one) is null', () => {
    assert.equal(metricsAddress(undefined, {}), null);
    assert.equal(metricsAddress(undefined, { VFMIGRATE_METRICS_ADDRESS: '' }), null);
  });

  void it('takes IPv4 and bracketed IPv6 socket addresses; the option wins over the variable', () => {
    assert.equal(metricsAddress(undefined, { VFMIGRATE_METRICS_ADDRESS: '127.0.0.1:9464' }), '127.0.0.1:9464');
    assert.equal(metricsAddress('[::1]:9464', { VFMIGRATE_METRICS_ADDRESS: '127.0.0.1:9464' }), '[::1]:9464');
    assert.equal(metricsAddress('0.0.0.0:65535', {}), '0.0.0.0:65535');
  });

  void it('refuses, in one line naming the setting, what the exporter could not bind', () => {
    const ipPort = 'expected IP:PORT (e.g. 127.0.0.1:9464, [::1]:9464, or 0.0.0.0:9464 for every interface): an IP address, not a host name, and IPv6 in brackets';
    assert.equal(refusal('localhost:9464'), `--metrics "localhost:9464": ${ipPort}`);
    assert.equal(refusal(undefined, { VFMIGRATE_METRICS_ADDRESS: '9464' }), `VFMIGRATE_METRICS_ADDRESS "9464": ${ipPort}`);
    assert.equal(refusal('::1:9464'), `--metrics "::1:9464": ${ipPort}`);
    assert.equal(refusal('256.0.0.1:9464'), `--metrics "256.0.0.1:9464": ${ipPort}`);
    assert.equal(refusal(''), `--metrics "": ${ipPort}`);
    assert.equal(refusal('127.0.0.1:0'), '--metrics "127.0.0.1:0": port 0 is not between 1 and 65535 (e.g. 127.0.0.1:9464, [::1]:9464, or 0.0.0.0:9464 for every interface)');
    assert.match(refusal('127.0.0.1:70000'), /^--metrics "127\.0\.0\.1:70000": port 70000 is not between 1 and 65535 /);
    // A hostile value is shown escaped, not acted on by the terminal.
    assert.equal(refusal('\x1b[2J127.0.0.1:1'), `--metrics "\\u001b[2J127.0.0.1:1": ${ipPort}`);
    for (const bad of ['localhost:9464', '127.0.0.1:0', '\x1b[2J']) assert.doesNotMatch(refusal(bad), /\n/);
  });

  void describe('vfmigrate worker refuses before it connects anywhere or touches a host', () => {
    let busy: Server;
    let busyPort = 0;
    before(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      busyPort = (busy.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => busy.close(() => resolve())));

    /** TEMPORAL_ADDRESS points nowhere: getting past the metrics check would fail differently. */
    const worker = (args: string[], env: Record<string, string> = {}) =>
      execa(process.execPath, [cli, 'worker', '--control', ...args], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: '127.0.0.1:1', ...env }, timeout: 60_000 });

    void it('a malformed --metrics or variable: one line, exit 1, no stack trace', async () => {
      const r = await worker(['--metrics', 'metrics.example:9464']);
      assert.deepEqual({ code: r.exitCode, stdout: r.stdout }, { code: 1, stdout: '' });
      assert.match(r.stderr, /^error: --metrics "metrics\.example:9464": expected IP:PORT \(.*\): an IP address, not a host name, and IPv6 in brackets$/);
      const v = await worker([], { VFMIGRATE_METRICS_ADDRESS: '127.0.0.1' });
      assert.equal(v.exitCode, 1);
      assert.match(v.stderr, /^error: VFMIGRATE_METRICS_ADDRESS "127\.0\.0\.1": expected IP:PORT/);
      assert.doesNotMatch(v.stderr, /\n./);
    });

    void it('an address already in use: one line saying so and what to change', async () => {
      const r = await worker(['--metrics', `127.0.0.1:${busyPort}`]);
      assert.equal(r.exitCode, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^error: cannot serve metrics on 127\\.0\\.0\\.1:${busyPort} \\(.*Address already in use.*\\); choose another address with --metrics or VFMIGRATE_METRICS_ADDRESS$`));
    });
  });
});
