import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyVirshError, libvirtMessage, sessionErrors } from '../../src/hypervisor/virsh-command.js';

/**
 * virsh's stderr exactly as met on the two-host testbed (libvirt 9.0.0, QEMU 7.2, LC_ALL=C), with the
 * command that produced it. hostA = qemu+tcp://127.0.0.2/system, hostB = qemu+tcp://127.0.0.3/system.
 */
const SEEN: { what: string; stderr: string; type: string }[] = [
  { what: 'dumpxml of a domain that does not exist', stderr: "error: failed to get domain 'nosuch'\n", type: 'VmNotFound' },
  {
    what: 'domjobinfo on the source right after the domain migrated away',
    stderr: "error: Domain not found: no domain with matching uuid 'edf0a5af-74f2-4149-9241-dfdbf692a614' (probe1)\n",
    type: 'VmNotFound',
  },
  { what: 'domjobabort with no job running', stderr: 'error: Requested operation is not valid: no job is active on the domain\n', type: 'InvalidOperation' },
  {
    what: 'detach-device-alias / update-device on a shut-off domain; domjobinfo while a migrated domain is cleaned up',
    stderr: 'error: Failed to detach device with alias ua-primary0\nerror: Requested operation is not valid: domain is not running\n',
    type: 'InvalidOperation',
  },
  {
    what: 'a second migrate while one runs',
    stderr: "error: Requested operation is not valid: another migration job is already running for domain 'probe1'\n",
    type: 'InvalidOperation',
  },
  {
    what: 'any command while this host’s libvirtd is stopped',
    stderr: "error: failed to connect to the hypervisor\nerror: unable to connect to server at '127.0.0.2:16509': Connection refused\n",
    type: 'ConnectionFailed',
  },
  {
    what: 'a call in a live virsh session while its libvirtd is stopped',
    stderr: "error: Failed to reconnect to the hypervisor\nerror: unable to connect to server at '127.0.0.3:16509': Connection refused\n",
    type: 'ConnectionFailed',
  },
  {
    what: 'migrate --p2p to a host whose libvirtd is stopped',
    stderr: "error: unable to connect to server at '127.0.0.3:16509': Connection refused\n",
    type: 'ConnectionFailed',
  },
  {
    what: 'connecting to a server that resets the connection',
    stderr: 'error: failed to connect to the hypervisor\nerror: Cannot recv data: Connection reset by peer\n',
    type: 'ConnectionFailed',
  },
  {
    what: 'migrate running while the source libvirtd is stopped',
    stderr: 'error: Disconnected from qemu+tcp://127.0.0.2/system due to I/O error\nerror: End of file while reading data: Input/output error\n',
    type: 'ConnectionFailed',
  },
  {
    what: 'virsh event running while its libvirtd is stopped',
    stderr: 'error: Disconnected from qemu+tcp://127.0.0.2/system due to I/O error\nerror: internal error: client socket is closed\n',
    type: 'ConnectionFailed',
  },
  { what: 'migrate aborted by domjobabort', stderr: "error: operation aborted: job 'migration out' canceled by client\n", type: 'MigrationAborted' },
  {
    what: 'the destination QEMU killed mid-migration',
    stderr: "error: operation failed: job 'migration out' failed: Unable to write to socket: Bad file descriptor\n",
    type: 'MigrationFailed',
  },
  {
    what: 'migrate to the own host (hosts sharing a host_uuid)',
    stderr: 'error: internal error: Attempt to migrate guest to the same host 7f1d5c2a-6b0e-4c1f-9a57-0000000000a1\n',
    type: 'MigrationFailed',
  },
  {
    what: 'detach-device-alias of an alias the domain does not have',
    stderr: 'error: Failed to detach device with alias ua-nosuch\nerror: internal error: no device found with alias ua-nosuch\n',
    type: 'InvalidOperation',
  },
  {
    what: 'update-device of an interface the domain does not have',
    stderr:
      "error: Failed to update device from /tmp/nic.xml\nerror: device not found: no device found at address '(<null>)' matching MAC address '52:54:00:aa:bb:cc' and alias 'ua-nothere'\n",
    type: 'InvalidOperation',
  },
  { what: 'attach-device with a bad MAC', stderr: "error: Failed to attach device from /tmp/bad.xml\nerror: XML error: unable to parse mac address 'zz'\n", type: 'InvalidOperation' },
  {
    what: 'attach-device of XML that is not well-formed',
    stderr: "error: Failed to attach device from /tmp/bad2.xml\nerror: (device_definition):2: Couldn't find end of Start Tag interface line 1\n(null)\n^\n",
    type: 'InvalidOperation',
  },
  {
    what: 'attach-device of a second device with the same alias',
    stderr: 'error: Failed to attach device from /dev/stdin\nerror: unsupported configuration: non unique alias detected: ua-primary0\n',
    type: 'InvalidOperation',
  },
  {
    what: 'attach-device of a PCI hostdev on a host without an IOMMU',
    stderr: "error: Failed to attach device from /tmp/hd.xml\nerror: unsupported configuration: host doesn't support passthrough of host PCI devices\n",
    type: 'InvalidOperation',
  },
  {
    what: "transient teaming on a type='user' interface",
    stderr: "error: Failed to attach device from /tmp/tt.xml\nerror: unsupported configuration: virtio-net teaming transient interface must be type='hostdev', not 'user'\n",
    type: 'InvalidOperation',
  },
  {
    what: 'attach-device of an interface on a missing hostdev network',
    stderr: "error: Failed to attach device from /tmp/nw.xml\nerror: Network not found: no network with matching name 'vfpool'\n",
    type: 'InvalidOperation',
  },
  {
    what: 'a qemu+tls URI without certificates',
    stderr: "error: Cannot read CA certificate '/etc/pki/CA/cacert.pem': No such file or directory\n",
    type: 'HypervisorFailure',
  },
];

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
