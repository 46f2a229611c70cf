import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadHostConfig } from '../../src/config/hosts.js';
import { InputError } from '../../src/errors.js';
import { loadPolicy } from '../../src/evacuation/policy.js';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPlan } from '../../src/plan/load.js';

/** Billion laughs: nine levels of nine aliases each, 9^9 (387 million) strings once expanded. */
function aliasBomb(header: string): string {
  let text = `${header}\nlol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  for (let i = 1; i <= 9; i++) text += `lol${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`;
  return text;
}

const refusal = 'YAML error: its aliases expand past 100 nodes (an alias bomb?); refused';

void describe('YAML files: an alias bomb is refused at once, naming the file', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vfm-yaml-'));
  });

  async function file(name: string, text: string): Promise<string> {
    const f = path.join(dir, name);
    await writeFile(f, text);
    return f;
  }

  /** Runs `fn`, failing if it takes longer than the time a refusal needs (expansion would take minutes). */
  async function fast<T>(fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await fn();
    assert.ok(performance.now() - started < 2000, `took ${Math.round(performance.now() - started)} ms`);
    return result;
  }

  void it('a hosts file', async () => {
    const f = await file('hosts.yaml', aliasBomb('apiVersion: vfmigrate/v1\nkind: Hosts'));
    await fast(() =>
      assert.rejects(loadHostConfig(f, 'hostA'), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.message, `${f} is not valid YAML\n  ${refusal}`);
        return true;
      }),
    );
  });

  void it('a plan', async () => {
    const f = await file('plan.yaml', aliasBomb('apiVersion: vfmigrate/v1\nkind: MigrationPlan'));
    assert.deepEqual(await fast(() => loadPlan(f, activityRegistry)), { ok: false, file: f, problems: [refusal] });
  });

  void it('a policy', async () => {
    const f = await file('policy.yaml', aliasBomb('apiVersion: vfmigrate/v1\nkind: EvacuationPolicy'));
    assert.deepEqual(await fast(() => loadPolicy(f)), { ok: false, file: f, problems: [refusal] });
  });

  void it('an alias to an anchor that is not there is a YAML problem, not a crash', async () => {
    const f = await file('dangling.yaml', 'apiVersion: vfmigrate/v1\nkind: Hosts\nspec: *nowhere\n');
    await assert.rejects(loadHostConfig(f, 'hostA'), (e: unknown) => e instanceof InputError && e.message.startsWith(`${f} is not valid YAML\n  YAML`));
  });

  void it('a few ordinary aliases still work', async () => {
    const f = await file(
      'shared.yaml',
      `apiVersion: vfmigrate/v1
kind: Hosts
spec:
  hosts:
    - name: hostA
      libvirtUri: &local qemu:///system
      migrationUri: qemu+tls://hostA.example/system
      stateDir: state
      vfs: &vfs { provider: emulated, count: 2 }
    - name: hostB
      libvirtUri: *local
      migrationUri: qemu+tls://hostB.example/system
      stateDir: state
      vfs: *vfs
`,
    );
    assert.deepEqual((await loadHostConfig(f, 'hostB')).vfs, { provider: 'emulated', count: 2 });
  });
});
