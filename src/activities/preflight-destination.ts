import { z } from 'zod';
import { NoFreeVfError, PreflightError } from '../errors.js';
import { valueOf } from '../util/settled.js';
import { defineActivity } from './define.js';

export const preflightDestination = defineActivity({
  name: 'preflightDestination',
  summary: 'check this host is reachable, has a free VF (unless the plan needs none), and has no domain of that name',
  hosts: ['destination'],
  readOnly: true,
  // `none`: the plan never attaches a VF here (plain-live-migration), so a host without a free one will do.
  with: z.strictObject({ vf: z.enum(['required', 'none']).default('required') }),
  defaults: { startToClose: '1m', scheduleToStart: '30s' },
  async run({ host, input, params }) {
    // All reads at once; their answers are still checked in this order, so the clearest reason wins.
    const [listed, memory, status] = await Promise.allSettled([host.hypervisor.listVms(), host.hypervisor.freeMemoryMiB(), host.vfs.status()]);
    if (valueOf(listed).some((v) => v.name === input.vm)) {
      throw new PreflightError(`a domain named ${input.vm} already exists on ${host.name}; remove it there or pick another destination`);
    }
    const [freeMemoryMiB, pool] = [valueOf(memory), valueOf(status)];
    // A VF already booked for this VM here (an evacuation books before it starts the migration) counts.
    if (params.vf === 'required' && pool.free === 0 && !(await host.vfs.bookingOf(input.vm))) {
      throw new NoFreeVfError(`${host.name} has no free VF (${pool.total} in its pool, all booked); pick another destination`);
    }
    return {
      destination: {
        host: host.name,
        migrationUri: host.migrationUri,
        freeMemoryMiB: freeMemoryMiB - pool.reservedMemoryMiB,
        freeVfs: pool.free,
        network: { vfMac: host.network.managesVfMac, fdb: host.network.managesFdb },
      },
    };
  },
});
