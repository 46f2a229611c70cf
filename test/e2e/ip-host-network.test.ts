/**
 * IpHostNetwork against real iproute2 inside a network namespace of its own (a bridge with a veth port),
 * so the host's own networking is never touched. Needs root. VF MACs need an SR-IOV PF (or netdevsim,
 * which this kernel cannot load): only the refusal on a non-SR-IOV device is checked here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { HostNetworkRefusedError } from '../../src/network/errors.js';
import { IpHostNetwork } from '../../src/network/ip-host-network.js';

const NS = `vfm-ipnet-${process.pid}`;
const inNs = ['ip', 'netns', 'exec', NS];
const MAC = '52:54:00:aa:bb:cc';

async function sh(args: string[]): Promise<string> {
  return (await execa(args[0]!, args.slice(1), { env: { LC_ALL: 'C' }, timeout: 10_000 })).stdout;
}

async function fdbEntries(dev: string): Promise<string[]> {
  return (await sh([...inNs, 'bridge', 'fdb', 'show', 'dev', dev])).split('\n').filter((l) => l.startsWith(MAC));
}

void describe('IpHostNetwork in a network namespace', () => {
  before(async () => {
    await sh(['ip', 'netns', 'add', NS]);
    await sh([...inNs, 'ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await sh([...inNs, 'ip', 'link', 'add', 'port0', 'type', 'veth', 'peer', 'name', 'peer0']);
    await sh([...inNs, 'ip', 'link', 'set', 'port0', 'master', 'br0']);
  });

  after(async () => {
    await sh(['ip', 'netns', 'del', NS]);
  });

  const net = new IpHostNetwork({ vfMac: true, fdbDevice: 'port0', commandPrefix: inNs, hostName: 'testhost' });

  void it('adds a static FDB entry, idempotently', async () => {
    assert.equal(net.managesFdb, true);
    await net.addFdbEntry(MAC);
    await net.addFdbEntry(MAC);
    assert.deepEqual(await fdbEntries('port0'), [`${MAC} master br0 static`]);
  });

  void it('removes it; a missing entry is success', async () => {
    await net.removeFdbEntry(MAC);
    assert.deepEqual(await fdbEntries('port0'), []);
    await net.removeFdbEntry(MAC);
  });

  void it('fails with a typed, non-retryable error on a device that does not exist', async () => {
    const wrong = new IpHostNetwork({ vfMac: false, fdbDevice: 'nosuch0', commandPrefix: inNs, hostName: 'testhost' });
    await assert.rejects(wrong.addFdbEntry(MAC), (err: unknown) => {
      assert.ok(err instanceof HostNetworkRefusedError);
      assert.match(err.message, /^bridge fdb replace 52:54:00:aa:bb:cc dev nosuch0 master static on testhost failed: Cannot find device "nosuch0"/);
      return true;
    });
    await assert.rejects(wrong.removeFdbEntry(MAC), HostNetworkRefusedError);
  });

  void it('refuses to set a VF MAC on a device without SR-IOV', async () => {
    await assert.rejects(net.setVfMac('port0', 0, '00:00:00:00:00:00'), (err: unknown) => {
      assert.ok(err instanceof HostNetworkRefusedError);
      assert.match(err.message, /ip link set dev port0 vf 0 mac 00:00:00:00:00:00 on testhost failed: .*Operation not supported/);
      return true;
    });
  });

  void it('has no FDB device unless configured', async () => {
    const none = new IpHostNetwork({ vfMac: false, commandPrefix: inNs, hostName: 'testhost' });
    assert.equal(none.managesFdb, false);
    assert.equal(none.managesVfMac, false);
    await assert.rejects(none.addFdbEntry(MAC), /no FDB device is configured on testhost/);
  });
});
