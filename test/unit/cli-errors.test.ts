import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';

const cli = path.resolve(import.meta.dirname, '../../src/cli/main.js');

/** The CLI as a user runs it, with only the environment given (no TEMPORAL_* leaking in from the shell). */
async function vfmigrate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [cli, ...args], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

void describe('the CLI on bad input that needs no Temporal: what is wrong, no stack, non-zero exit', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-cli-'));
  });

  void it('an alias bomb of a plan is refused at once, naming the file', async () => {
    const file = path.join(dir, 'bomb.yaml');
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 9; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    await writeFile(file, text);
    const started = performance.now();
    const r = await vfmigrate(['plan', 'validate', file]);
    assert.ok(performance.now() - started < 20_000);
    assert.deepEqual(r, { code: 1, stdout: `invalid: ${file}: 1 problem\nYAML error: its aliases expand past 100 nodes (an alias bomb?); refused`, stderr: '' });
  });

  void it('half a TLS client pair is refused before anything connects', async () => {
    const r = await vfmigrate(['status', 'migrate/vm-1'], { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/client.key' });
    assert.deepEqual(r, {
      code: 1,
      stdout: '',
      stderr:
        'error: bad Temporal settings in the environment\n  TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: the key is set without its certificate; set both or neither',
    });
  });

  void it('an API key with TLS turned off is refused: the key never travels in plaintext', async () => {
    const r = await vfmigrate(['cancel', 'migrate/vm-1'], { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_API_KEY: 'secret', TEMPORAL_TLS: 'false' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n')[1], '  TEMPORAL_API_KEY is set with TEMPORAL_TLS=false: an API key is never sent without TLS; unset TEMPORAL_TLS or the key');
    assert.doesNotMatch(r.stderr, /secret/);
  });
});
