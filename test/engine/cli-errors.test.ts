import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { testTemporal, type TestTemporal } from '../support/temporal.js';

const cli = path.resolve(import.meta.dirname, '../../src/cli/main.js');

/** The CLI against the test server, with no other TEMPORAL_* or VFMIGRATE_* variable leaking in. */
async function vfmigrate(temporal: TestTemporal, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace };
  const r = await execa(process.execPath, [cli, ...args], { reject: false, extendEnv: false, env, timeout: 60_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

void describe('the CLI against a real Temporal: a known failure is one line and a non-zero exit', () => {
  let temporal: TestTemporal;
  before(async () => {
    temporal = await testTemporal();
  });
  after(async () => {
    await temporal.close();
  });

  for (const command of ['status', 'cancel']) {
    void it(`${command} of an id no run has`, async () => {
      const r = await vfmigrate(temporal, [command, 'migrate/no-such-vm']);
      assert.deepEqual(r, {
        code: 1,
        stdout: '',
        stderr: `error: no run with id migrate/no-such-vm in namespace ${temporal.namespace}; list runs with \`temporal workflow list --address ${temporal.address} --namespace ${temporal.namespace}\``,
      });
    });
  }

  void it('status and cancel of a run terminated by hand (no report): one line each', async () => {
    const workflowId = `migrate/terminated-${Date.now()}`;
    // Nobody polls this queue: the run does nothing until it is terminated.
    const handle = await temporal.client.workflow.start('migrateVm', { workflowId, taskQueue: `nobody-${Date.now()}`, args: [] });
    await handle.terminate('stuck, terminated by the operator');
    assert.deepEqual(await vfmigrate(temporal, ['cancel', workflowId]), {
      code: 1,
      stdout: '',
      stderr: `error: ${workflowId} has already ended (TERMINATED); there is nothing to cancel`,
    });
    const status = await vfmigrate(temporal, ['status', workflowId]);
    assert.equal(status.code, 1);
    assert.deepEqual(status.stderr.split('\n'), ['error: the run ended without a report (TerminatedFailure): stuck, terminated by the operator']);
    assert.match(status.stdout, new RegExp(`^${workflowId} run [0-9a-f-]+: TERMINATED`));
  });

  void it('a host worker whose hosts file names a qemu+ext URI refuses to start, naming the file and the field', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'vfm-cli-hosts-')), 'hosts.yaml');
    await writeFile(
      file,
      `apiVersion: vfmigrate/v1
kind: Hosts
spec:
  hosts:
    - name: hostA
      libvirtUri: qemu+ext:///system?command=/tmp/prog
      migrationUri: qemu+tcp://127.0.0.2/system
      stateDir: state
      vfs: { provider: emulated, count: 1 }
`,
    );
    const r = await vfmigrate(temporal, ['worker', '--host', 'hostA', '--hosts', file]);
    assert.deepEqual(r, {
      code: 1,
      stdout: '',
      stderr: `error: ${file} is not a valid hosts file\n  spec.hosts[0].libvirtUri: "qemu+ext:///system?command=/tmp/prog": the ext transport runs the program named in command= (as root); use qemu+ssh or qemu+tls`,
    });
  });
});
