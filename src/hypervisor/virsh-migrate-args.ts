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
    // --postcopy only allows the switch; without --postcopy-after-precopy it waits for `migrate-postcopy`.
    ...(opts.postCopy === true ? ['--postcopy', '--postcopy-after-precopy'] : opts.postCopy === 'on-request' ? ['--postcopy'] : []),
    '--domain',
    vm,
    '--desturi',
    targetUri,
  ];
}
