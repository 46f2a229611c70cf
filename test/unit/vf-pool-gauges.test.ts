import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { metrics } from '../../src/telemetry/metrics.js';
import { VfPoolGauges } from '../../src/workers/vf-pool-gauges.js';
import { modelHostServices } from '../../src/workers/model-host-services.js';
import { recordingMeter } from '../support/recording-meter.js';
import { RecordingLogger } from '../support/recording-logger.js';

function pool(fleet: ModelFleet, host: string) {
  const services = modelHostServices(fleet, host);
  let reads = 0;
  const status = services.vfs.status.bind(services.vfs);
  services.vfs.status = () => {
    reads += 1;
    return status();
  };
  return { vfs: services.vfs, reads: () => reads };
}

const series = (host: string, state: string) => `${metrics.vfPool.name}{host=${host},state=${state}}`;
const settled = () => new Promise((r) => setTimeout(r, 20));

void describe('VfPoolGauges: a host worker keeps vfmigrate_vf_pool_vfs current', () => {
  void it('reads the pool when started and after each refresh: free, reserved and attached', async () => {
    const fleet = new ModelFleet();
    fleet.addHost('h1', { vfs: 3 });
    fleet.addVm('h1', { name: 'vm-1' });
    const { vfs } = pool(fleet, 'h1');
    const { meter, values } = recordingMeter();
    const gauges = new VfPoolGauges(vfs, meter);
    gauges.start();
    await settled();
    assert.deepEqual(Object.fromEntries(values), { [series('h1', 'free')]: 2, [series('h1', 'reserved')]: 0, [series('h1', 'attached')]: 1 });
    await vfs.reserve({ vm: 'vm-in', owner: 'run-1', memoryMiB: 1024, freeMemoryMiB: () => Promise.resolve(1 << 20) });
    gauges.refresh();
    await settled();
    assert.deepEqual([values.get(series('h1', 'free')), values.get(series('h1', 'reserved')), values.get(series('h1', 'attached'))], [1, 1, 1]);
    await gauges.stop();
  });

  void it('many refreshes at once make one read and one more, not one each; none after stop', async () => {
    const fleet = new ModelFleet();
    fleet.addHost('h1', { vfs: 1 });
    const p = pool(fleet, 'h1');
    const gauges = new VfPoolGauges(p.vfs, recordingMeter().meter);
    for (let i = 0; i < 10; i++) gauges.refresh();
    await settled();
    assert.equal(p.reads(), 2);
    await gauges.stop();
    gauges.refresh();
    await settled();
    assert.equal(p.reads(), 2);
  });

  void it('a pool that cannot be read leaves the last values and says so', async () => {
    const fleet = new ModelFleet();
    fleet.addHost('h1', { vfs: 2 });
    const { vfs } = pool(fleet, 'h1');
    const { meter, values } = recordingMeter();
    const log = new RecordingLogger();
    const gauges = new VfPoolGauges(vfs, meter, log);
    gauges.refresh();
    await settled();
    vfs.status = () => Promise.reject(new Error('libvirt is gone'));
    gauges.refresh();
    await settled();
    assert.equal(values.get(series('h1', 'free')), 2);
    assert.deepEqual(log.at('warn').map((l) => [l.message, l.meta.error]), [['could not read the VF pool for its metrics', 'libvirt is gone']]);
    await gauges.stop();
  });
});
