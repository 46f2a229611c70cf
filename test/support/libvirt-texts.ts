/**
 * What libvirt 9.0 (QEMU 7.2, LC_ALL=C) printed on the two-host testbed: the texts the unit tests read,
 * held in one place so that the virsh adapter is tested against what libvirt really says.
 */

/**
 * virsh's stderr exactly as met on the two-host testbed (libvirt 9.0.0, QEMU 7.2, LC_ALL=C), with the
 * command that produced it. hostA = qemu+tcp://127.0.0.2/system, hostB = qemu+tcp://127.0.0.3/system.
 */
export const SEEN: { what: string; stderr: string; type: string }[] = [
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

// Outputs as printed by virsh 9.0.0 on the testbed.
export const RUNNING_JOB = `Job type: 2

operation: 5
time_elapsed: 1139
downtime: 44
setup_time: 2
data_total: 268967936
data_processed: 88769794
data_remaining: 0
memory_total: 268967936
memory_iteration: 3
`;

export const COMPLETED_IN = `Job type: 3

operation: 4
time_elapsed: 1154
time_elapsed_net: 1141
downtime: 86
downtime_net: 73
setup_time: 2
data_total: 268967936
data_processed: 88769794
data_remaining: 0
`;

export const NODEMEMSTATS = `total  :             24683656 KiB
free   :             23077004 KiB
buffers:                 9828 KiB
cached :              1051668 KiB
`;

/** The stderr libvirt printed for the case `what` describes (see SEEN). */
export function seen(what: string): string {
  const found = SEEN.find((c) => c.what === what);
  if (!found) throw new Error(`no text seen for ${what}`);
  return found.stderr;
}
