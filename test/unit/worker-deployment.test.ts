import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { startupRouting } from '../../src/client/worker-deployment.js';
import { deploymentSetting } from '../../src/config/deployment-setting.js';
import { InputError } from '../../src/errors.js';

const cli = path.resolve(import.meta.dirname, '../../src/cli/main.js');

async function vfmigrate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [cli, ...args], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

void describe('Worker Deployment versioning of the control workers', () => {
  void it('a starting worker makes itself current only when the deployment has no current version', () => {
    assert.equal(startupRouting(null, '0.1.0-aaaaaaaaaaaa'), 'make-current');
    assert.equal(startupRouting('0.1.0-aaaaaaaaaaaa', '0.1.0-aaaaaaaaaaaa'), 'is-current');
    assert.equal(startupRouting('0.1.0-aaaaaaaaaaaa', '0.2.0-bbbbbbbbbbbb'), 'wait-for-promote');
    // An older version starting again (a rollback of the workers, not of routing) does not take over either.
    assert.equal(startupRouting('0.2.0-bbbbbbbbbbbb', '0.1.0-aaaaaaaaaaaa'), 'wait-for-promote');
  });

  void it('VFMIGRATE_DEPLOYMENT: unset means unversioned; a name is checked', () => {
    assert.equal(deploymentSetting({}), null);
    assert.equal(deploymentSetting({ VFMIGRATE_DEPLOYMENT: 'vfmigrate' }), 'vfmigrate');
    for (const bad of ['', 'VFMigrate', 'vf.migrate', '-x', 'a'.repeat(64)]) {
      assert.throws(() => deploymentSetting({ VFMIGRATE_DEPLOYMENT: bad }), (err: unknown) => err instanceof InputError && /VFMIGRATE_DEPLOYMENT/.test(err.message), bad);
    }
  });

  void it('`deployment promote` without a deployment says what to set, in one line, before connecting', async () => {
    const r = await vfmigrate(['deployment', 'promote'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.deepEqual(r, {
      code: 1,
      stdout: '',
      stderr: 'error: VFMIGRATE_DEPLOYMENT is not set: the control workers run unversioned; set it as in their environment file (docs/operations.md "Upgrade")',
    });
  });

  void it('`deployment status` with a bad deployment name names the variable and the rule', async () => {
    const r = await vfmigrate(['deployment', 'status'], { TEMPORAL_ADDRESS: '127.0.0.1:1', VFMIGRATE_DEPLOYMENT: 'Bad.Name' });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: bad VFMIGRATE_DEPLOYMENT in the environment\n {2}VFMIGRATE_DEPLOYMENT: .*lower-case letters, digits and dashes/);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace');
  });
});
