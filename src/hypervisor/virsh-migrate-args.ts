import type { MigrateOptions } from './hypervisor.js';

/** The `virsh migrate` command line: live, peer to peer, the definition moving along with the VM. */
export function migrateArgs(vm: string, targetUri: string, opts: MigrateOptions): string[] {
  return [
    'migrate',
    '--live',
    '--p2p',
    '--persistent',
    '--undefinesource',
    ...(opts.bandwidthMiBps !== undefined ? ['--bandwidth', String(opts.bandwidthMiBps)] : []),
    ...(opts.autoConverge ? ['--auto-converge'] : []),
    // Without --postcopy-after-precopy the switch would need a separate `migrate-postcopy` call.
    ...(opts.postCopy ? ['--postcopy', '--postcopy-after-precopy'] : []),
    '--domain',
    vm,
    '--desturi',
    targetUri,
  ];
}
