import { DOMParser } from '@xmldom/xmldom';
import type { VfRef } from '../domain/vf-ref.js';
import type { VfProvider } from './provider.js';

/**
 * VFs of a libvirt hostdev network (`<forward mode='hostdev' managed='yes'><pf dev='…'/>`). libvirt lists
 * an active network's VFs as `<address>` elements under `<forward>`; we book them by address and attach
 * by address, so a reservation made before the source is touched is exactly the VF the VM gets.
 * (A consumer that attaches through the network itself bypasses these bookings; see docs/hosts.md.)
 */
export class LibvirtNetworkProvider implements VfProvider {
  constructor(
    private readonly network: string,
    private readonly dumpNetworkXml: (network: string) => Promise<string>,
  ) {}

  async list(): Promise<VfRef[]> {
    return vfsOfNetworkXml(this.network, await this.dumpNetworkXml(this.network));
  }
}

export function vfsOfNetworkXml(network: string, xml: string): VfRef[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const forward = doc.getElementsByTagName('forward')[0];
  if (!forward || forward.getAttribute('mode') !== 'hostdev') {
    throw new Error(`libvirt network ${network} is not a hostdev network (<forward mode='hostdev'>); it cannot hand out VFs`);
  }
  const pf = forward.getElementsByTagName('pf')[0]?.getAttribute('dev') ?? undefined;
  return Array.from(forward.getElementsByTagName('address'))
    .filter((a) => a.getAttribute('type') === 'pci')
    .map((a, vfIndex) => {
      const hex = (name: string, width: number): string => (a.getAttribute(name) ?? '0').replace(/^0x/, '').padStart(width, '0');
      const pciAddress = `${hex('domain', 4)}:${hex('bus', 2)}:${hex('slot', 2)}.${hex('function', 1)}`;
      return { id: pciAddress, kind: 'pci' as const, pciAddress, network, ...(pf ? { pf, vfIndex } : {}) };
    });
}
