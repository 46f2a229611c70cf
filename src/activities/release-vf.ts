import { z } from 'zod';
import { defineActivity } from './define.js';

export const releaseVf = defineActivity({
  name: 'releaseVf',
  summary: "free the VF (or the memory alone) this VM holds or has booked on this host (bookkeeping only)",
  hosts: ['source', 'destination'],
  readOnly: false,
  with: z.strictObject({}),
  defaults: { startToClose: '1m' },
  async run({ host, input }) {
    await host.vfs.release(input.vm);
    return {};
  },
});
