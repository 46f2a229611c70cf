import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadHostConfig } from '../../src/config/hosts.js';
import { InputError } from '../../src/errors.js';

async function hostsFile(repair: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'vfm-hosts-')), 'hosts.yaml');
  await writeFile(
    file,
    `apiVersion: vfmigrate/v1
kind: Hosts
spec:
  hosts:
    - name: hostA
      libvirtUri: qemu:///system
      migrationUri: qemu+tcp://127.0.0.2/system
      stateDir: state
      vfs: { provider: emulated, count: 2 }
${repair}`,
  );
  return file;
}

void describe('hosts file: the repair section', () => {
  void it('defaults: look every 5 minutes, auto-repair off', async () => {
    const host = await loadHostConfig(await hostsFile(''), 'hostA');
    assert.deepEqual(host.repair, { scanEvery: 300_000, autoRepair: { enabled: false, maxPerHour: 4 } });
  });

  void it('takes an interval and auto-repair with its hourly limit', async () => {
    const host = await loadHostConfig(await hostsFile('      repair: { scanEvery: 30s, autoRepair: { enabled: true, maxPerHour: 2 } }\n'), 'hostA');
    assert.deepEqual(host.repair, { scanEvery: 30_000, autoRepair: { enabled: true, maxPerHour: 2 } });
  });

  void it('refuses a bad interval, a limit of 0 and unknown fields, path first', async () => {
    const file = await hostsFile('      repair: { scanEvery: often, autoRepair: { enabled: true, maxPerHour: 0, burst: 3 } }\n');
    await assert.rejects(loadHostConfig(file, 'hostA'), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.problems, [
        'spec.hosts[0].repair.scanEvery: expected a duration such as 250ms, 30s, 5m or 1h',
        'spec.hosts[0].repair.autoRepair.maxPerHour: expected 1 to 60 repairs an hour (to start none, set enabled: false)',
        'spec.hosts[0].repair.autoRepair.burst: unknown field "burst"',
      ]);
      return true;
    });
  });
});
