import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyVirshError, libvirtMessage, sessionErrors } from '../../src/hypervisor/virsh-command.js';
import { SEEN } from '../support/libvirt-texts.js';

void describe('classifyVirshError (texts seen on the testbed)', () => {
  for (const c of SEEN) {
    void it(`${c.what} → ${c.type}`, () => {
      const err = classifyVirshError(c.stderr, 'hostA', 'virsh dumpxml --domain probe1');
      assert.equal(err.type, c.type);
      assert.equal(err.host, 'hostA');
      assert.match(err.message, /^virsh dumpxml --domain probe1 on hostA failed: /);
    });
  }

  void it('keeps every libvirt line, without the error: prefixes', () => {
    assert.equal(
      libvirtMessage('error: failed to connect to the hypervisor\nerror: unable to connect to server at \'127.0.0.2:16509\': Connection refused\n'),
      "failed to connect to the hypervisor; unable to connect to server at '127.0.0.2:16509': Connection refused",
    );
  });

  void it('tells a failed session command by its error: lines; virsh reconnecting by itself is no failure', () => {
    assert.equal(sessionErrors(''), null);
    assert.equal(sessionErrors('error: Reconnected to the hypervisor\n'), null);
    assert.equal(sessionErrors("warning: something\nerror: failed to get domain 'x'\n"), "error: failed to get domain 'x'");
  });

  void it('says whether retrying helps', () => {
    assert.equal(classifyVirshError("error: failed to get domain 'x'", 'hostA').retryable, false);
    assert.equal(classifyVirshError('error: Cannot recv data: Connection reset by peer', 'hostA').retryable, true);
    assert.equal(classifyVirshError('error: something nobody has seen before', 'hostA').retryable, true);
  });

  void it('names the host even without a command', () => {
    assert.match(classifyVirshError('', 'hostB').message, /^virsh on hostB failed: \(no message\)$/);
  });
});
