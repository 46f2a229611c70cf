import type { VfRef } from './vf-ref.js';

/** The primary (the VF half of a teamed pair) to hot-plug into a domain. */
export interface PrimarySpec {
  alias: string;
  mac: string;
  vf: VfRef;
  /** Alias of the standby it is teamed with (`<teaming type='transient' persistent=…>`). */
  standbyAlias: string;
}

/**
 * The alias of a primary that vfmigrate plugs into a VM arriving without one (it was running on its
 * standby alone); the model's VMs start with their primary under the same alias, as the testbed's do.
 */
export const defaultPrimaryAlias = 'ua-primary0';
