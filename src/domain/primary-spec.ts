import type { VfRef } from './vf-ref.js';

/** The primary (the VF half of a teamed pair) to hot-plug into a domain. */
export interface PrimarySpec {
  alias: string;
  mac: string;
  vf: VfRef;
  /** Alias of the standby it is teamed with (`<teaming type='transient' persistent=…>`). */
  standbyAlias: string;
  /**
   * The form it had on the source, kept on the destination: `interface` (`<interface type='hostdev'>` or a
   * hostdev network, the default) or `hostdev`, a plain PCI `<hostdev>` with `<teaming>` (libvirt 7.1+),
   * which carries no MAC: the PF gives the VF its MAC on the host.
   */
  form?: 'interface' | 'hostdev';
}

/**
 * The alias of a primary that vfmigrate plugs into a VM arriving without one (it was running on its
 * standby alone); the model's VMs start with their primary under the same alias, as the testbed's do.
 */
export const defaultPrimaryAlias = 'ua-primary0';

/** The alias of the primary vfmigrate plugs for a VM's `index`th teamed pair (standbys in domain order) when it has none. */
export function pairPrimaryAlias(index: number): string {
  return index === 0 ? defaultPrimaryAlias : `${defaultPrimaryAlias.replace(/\d+$/, '')}${index}`;
}
