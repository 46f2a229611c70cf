/**
 * What libvirt allows in the names vfmigrate passes back to it. Values read from libvirt or a plan are
 * held to these before they reach virsh (src/hypervisor/virsh-arguments.ts) or an activity.
 */

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * Device aliases: libvirt's user aliases are `ua-` followed by USER_ALIAS_CHARS ([A-Za-z0-9_-],
 * domain_conf.c); the ones it assigns itself (`net0`, `hostdev1`, `pci.2`) add the dot.
 */
export const aliasPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** libvirt network names: no '/' (network_conf.c); we keep to the portable subset. */
export const networkNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,127}$/;
export const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
