import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../src/activities/bind.js';
import { HypervisorError } from '../../src/hypervisor/errors.js';
import { HostNetworkError, HostNetworkFailureError, HostNetworkRefusedError } from '../../src/network/errors.js';
import { classifyIpError, IpHostNetwork } from '../../src/network/ip-host-network.js';
import { ModelHostNetwork } from '../../src/network/model-host-network.js';

/** Host-network failures are typed as what they are, not as hypervisor (libvirt) failures. */
void describe('host-network errors', () => {
  const refusals = [
    'Cannot find device "nosuch0"',
    'RTNETLINK answers: Operation not supported',
    'RTNETLINK answers: Operation not permitted',
    'RTNETLINK answers: Invalid argument',
    'Error: argument "zz" is wrong: invalid MAC address',
    'Usage: ip link set DEVICE ...',
  ];
  for (const stderr of refusals) {
    void it(`"${stderr}" is a refusal: never retried`, () => {
      const err = classifyIpError(stderr, `bridge fdb replace on h1 failed: ${stderr}`);
      assert.ok(err instanceof HostNetworkRefusedError);
      assert.ok(!(err instanceof HypervisorError));
      assert.equal(err.type, 'HostNetworkRefused');
      assert.equal(err.retryable, false);
      assert.equal(err.message, `bridge fdb replace on h1 failed: ${stderr}`);
    });
  }

  void it('anything else is a failure that is retried', () => {
    const err = classifyIpError('RTNETLINK answers: Device or resource busy', 'ip link set on h1 failed');
    assert.ok(err instanceof HostNetworkFailureError);
    assert.equal(err.type, 'HostNetworkFailure');
    assert.equal(err.retryable, true);
  });

  void it('no FDB device configured is a refusal, raised before any command runs', async () => {
    const none = new IpHostNetwork({ vfMac: false, hostName: 'h1', commandPrefix: ['/nonexistent/never-run'] });
    await assert.rejects(none.removeFdbEntry('52:54:00:aa:bb:cc'), (err: unknown) => {
      assert.ok(err instanceof HostNetworkRefusedError);
      assert.equal(err.message, 'no FDB device is configured on h1');
      return true;
    });
  });

  void it('the model fails the same way: fatal as a refusal, otherwise as a retried failure', async () => {
    const net = new ModelHostNetwork('h1');
    net.failNext('setVfMac', { fatal: true });
    net.failNext('addFdbEntry');
    await assert.rejects(net.setVfMac('pf0', 1, '00:00:00:00:00:00'), HostNetworkRefusedError);
    await assert.rejects(net.addFdbEntry('52:54:00:aa:bb:cc'), HostNetworkFailureError);
    await net.addFdbEntry('52:54:00:aa:bb:cc');
    assert.deepEqual([...net.fdb], ['52:54:00:aa:bb:cc']);
  });

  void it('reaches Temporal as an ApplicationFailure of its own type, non-retryable only when refused', () => {
    const refused = toFailure(new HostNetworkRefusedError('no'), 'clearVfMac', 'h1');
    const failed = toFailure(new HostNetworkFailureError('busy'), 'addFdbEntry', 'h1');
    assert.ok(refused instanceof ApplicationFailure && failed instanceof ApplicationFailure);
    assert.deepEqual([refused.type, refused.nonRetryable, refused.message], ['HostNetworkRefused', true, 'no']);
    assert.deepEqual([failed.type, failed.nonRetryable, failed.message], ['HostNetworkFailure', false, 'busy']);
    assert.ok(new HostNetworkRefusedError('x') instanceof HostNetworkError);
  });
});
