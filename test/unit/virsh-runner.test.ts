import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { virshConnection } from '../../src/hypervisor/virsh-runner.js';

/**
 * The runner the adapter gets outside tests is the one that keeps issue 8's rules: its session and its
 * process both refuse a hostile argument before virsh could see it (the checks are virsh-arguments.ts).
 */
void describe('virshConnection', () => {
  const virsh = virshConnection({ uri: 'test:///default', host: 'hostA' }, 1);

  void it('refuses, in a session, a name libvirt could not hold or a readline editing key', async () => {
    for (const domain of ['probe1" ; destroy --domain victim ; echo "', 'probe\x15victim', 'probé']) {
      await assert.rejects(virsh.run([['domstate', '--domain', 'probe1'], ['dumpxml', '--domain', domain]], 1000), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        assert.match(err.message, /^refused to send virsh .dumpxml. to hostA: /);
        return true;
      });
    }
  });

  void it('refuses, as a process of its own, a migration URI outside the allow-list', async () => {
    const args = ['migrate', '--live', '--p2p', '--domain', 'probe1', '--desturi', 'qemu+ext:///system?command=/bin/sh'];
    await assert.rejects(virsh.runProcess(args, 1000), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.match(err.message, /^refused to run virsh .migrate. on hostA: --desturi /);
      return true;
    });
  });
});
