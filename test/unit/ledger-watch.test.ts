import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { LedgerWatch } from '../../src/workers/ledger-watch.js';
import { modelHostServices } from '../../src/workers/model-host-services.js';
import { RecordingLogger } from '../support/recording-logger.js';

/** hostA's pool holding a booking for vm-gone (attached, as a source keeps one whose release failed) and one for vm-here. */
async function hostWithLeftBooking() {
  const fleet = new ModelFleet();
  fleet.addHost('hostA', { vfs: 2 });
  fleet.addVm('hostA', { name: 'vm-here' });
  const host = modelHostServices(fleet, 'hostA');
  const [a, b] = fleet.vfAddresses('hostA');
  await host.vfs.adopt('vm-here', a!, 'migrate/vm-here');
  await host.vfs.markAttached('vm-gone', { id: b!, kind: 'pci', pciAddress: b! }, 'migrate/vm-gone');
  return { fleet, host, vf: b! };
}

void describe("a host worker takes back its ledger's bookings of VMs that left, once their run has ended", () => {
  void it('a pass reclaims the booking of a VM that left after its run ended, with one log line saying what and why; an open run keeps it', async () => {
    const { host, vf } = await hostWithLeftBooking();
    const log = new RecordingLogger();
    let open = true;
    const watch = new LedgerWatch({ pool: host.vfs, everyMs: 60_000, isOpen: () => Promise.resolve(open), log });
    assert.deepEqual(await watch.pass(), [], 'its run is still open: the run releases it');
    assert.equal((await host.vfs.bookingOf('vm-gone'))?.booking.state, 'attached');
    open = false;
    assert.deepEqual(await watch.pass(), ['vm-gone']);
    assert.equal(await host.vfs.bookingOf('vm-gone'), null);
    assert.equal((await host.vfs.bookingOf('vm-here'))?.booking.state, 'attached', 'a VM on the host keeps its booking');
    assert.deepEqual(
      log.lines.map((l) => [l.level, l.message, l.meta.decision]),
      [['warn', `reclaimed VF ${vf} on hostA, booked (attached) for vm-gone by migrate/vm-gone: vm-gone is not defined on hostA and migrate/vm-gone, the run that booked it, has ended`, 'reclaimed']],
    );
    assert.equal((await host.vfs.status()).free, 1);
  });

  void it('start() looks at once; stop() waits for the look in flight; a look that fails is logged and the next one runs', async () => {
    const { fleet, host } = await hostWithLeftBooking();
    const log = new RecordingLogger();
    fleet.injectFault({ host: 'hostA', op: 'listVms', mode: 'fail' });
    const watch = new LedgerWatch({ pool: host.vfs, everyMs: 10, isOpen: () => Promise.resolve(false), log });
    watch.start();
    await new Promise((r) => setTimeout(r, 100));
    await watch.stop();
    assert.match(log.lines[0]?.message ?? '', /^looking for VF bookings of VMs that left hostA failed: injected failure of listVms/);
    assert.equal(await host.vfs.bookingOf('vm-gone'), null, 'a later look reclaimed it');
  });
});
