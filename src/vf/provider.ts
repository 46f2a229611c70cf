import type { VfRef } from '../domain/vf-ref.js';

/** The VFs one host may hand out. Which of them are free is the pool's business (pool.ts). */
export interface VfProvider {
  list(): Promise<VfRef[]>;
}

/** An explicit list of VF PCI addresses, like the source document's VF config file. */
export class PciListProvider implements VfProvider {
  constructor(private readonly vfs: { pci: string; pf?: string; vfIndex?: number }[]) {}

  list(): Promise<VfRef[]> {
    return Promise.resolve(
      this.vfs.map((vf) => ({ id: vf.pci, kind: 'pci' as const, pciAddress: vf.pci, pf: vf.pf, vfIndex: vf.vfIndex })),
    );
  }
}

/** The testbed: no SR-IOV hardware, so `count` emulated slots stand in for VFs (an e1000e each). */
export class EmulatedProvider implements VfProvider {
  constructor(
    private readonly host: string,
    private readonly count: number,
  ) {}

  list(): Promise<VfRef[]> {
    return Promise.resolve(Array.from({ length: this.count }, (_, i) => ({ id: `${this.host}/emulated-${i}`, kind: 'emulated' as const })));
  }
}
