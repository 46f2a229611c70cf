import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPrimaryAlias } from '../../src/domain/primary-spec.js';
import { ModelFleet, modelStandbyAlias } from '../../src/hypervisor/model.js';
import { modelHostServices } from '../../src/workers/model-host-services.js';
import { RepairWatch, type RepairWatchOptions } from '../../src/workers/repair-watch.js';
import { metrics } from '../../src/telemetry/metrics.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { recordingMeter } from '../support/recording-meter.js';

/** hostA with vm-1 and vm-2 left on their standby (primary gone, standby up) and vm-3 healthy. */
async function hostWithDegradedVms() {
  const fleet = new ModelFleet();
  const hv = fleet.addHost('hostA', { vfs: 3 });
  for (const name of ['vm-1', 'vm-2', 'vm-3']) fleet.addVm('hostA', { name });
  for (const vm of ['vm-1', 'vm-2']) {
    await hv.detachInterface(vm, defaultPrimaryAlias, { deadlineMs: 100 });
    await hv.setLinkState(vm, modelStandbyAlias, 'up');
  }
  return { fleet, host: modelHostServices(fleet, 'hostA') };
}

function watch(host: RepairWatchOptions['host'], extra: Partial<RepairWatchOptions> = {}) {
  const log = new RecordingLogger();
  const started: string[] = [];
  const w = new RepairWatch({
    host,
    everyMs: 60_000,
    autoRepair: { enabled: false, maxPerHour: 1 },
    isOpen: () => Promise.resolve(false),
    startRepair: (vm) => {
      started.push(vm);
      return Promise.resolve(`repair/${vm}`);
    },
    log,
    ...extra,
  });
  return { w, log, started };
}

void describe('the host worker looks for VMs a run could not finish', () => {
  void it('reports each, one log line with the decision, and counts them for metrics; auto-repair off starts nothing', async () => {
    const { host } = await hostWithDegradedVms();
    const { w, log, started } = watch(host);
    assert.equal(w.vmsNeedingRepair(), 0);
    const found = await w.scan();
    assert.deepEqual(found.map((c) => c.vm), ['vm-1', 'vm-2']);
    assert.equal(w.vmsNeedingRepair(), 2);
    assert.deepEqual(
      log.at('warn').map((l) => [l.message, l.meta.decision]),
      [
        ['vm-1 on hostA needs repair (primary of standby ua-backup0 missing): auto-repair is off, run `vfmigrate repair vm-1 --host hostA`', 'reported'],
        ['vm-2 on hostA needs repair (primary of standby ua-backup0 missing): auto-repair is off, run `vfmigrate repair vm-2 --host hostA`', 'reported'],
      ],
    );
    assert.deepEqual(started, []);
  });

  void it('sets vfmigrate_vms_needing_repair for its host at each look', async () => {
    const { fleet, host } = await hostWithDegradedVms();
    const { meter, values } = recordingMeter();
    const { w } = watch(host, { metrics: meter });
    const series = `${metrics.vmsNeedingRepair.name}{host=hostA}`;
    assert.equal(values.get(series), undefined, 'nothing before the first look');
    await w.scan();
    assert.equal(values.get(series), 2);
    fleet.state('hostA').vms.delete('vm-1');
    await w.scan();
    assert.equal(values.get(series), 1, 'one fewer once vm-1 is gone');
  });

  void it('a VM with a migration or a repair open is not reported', async () => {
    const { host } = await hostWithDegradedVms();
    const asked: string[] = [];
    const { w } = watch(host, {
      isOpen: (id) => {
        asked.push(id);
        return Promise.resolve(id === 'migrate/vm-1' || id === 'repair/vm-2');
      },
    });
    assert.deepEqual(await w.scan(), []);
    assert.equal(w.vmsNeedingRepair(), 0);
    assert.deepEqual(asked.sort(), ['migrate/vm-1', 'migrate/vm-2', 'repair/vm-1', 'repair/vm-2'], 'healthy vm-3 costs no question');
  });

  void it('auto-repair starts repairs, at most maxPerHour an hour, and says which it held back', async () => {
    const { host } = await hostWithDegradedVms();
    let now = 5 * 3_600_000;
    const { w, log, started } = watch(host, { autoRepair: { enabled: true, maxPerHour: 1 }, now: () => now });
    await w.scan();
    assert.deepEqual(started, ['vm-1']);
    assert.deepEqual(log.at('warn').map((l) => l.meta.decision), ['repair-started', 'held-back']);
    assert.match(log.at('warn')[0]!.message, /: repair started as repair\/vm-1$/);
    assert.match(log.at('warn')[1]!.message, /^vm-2 on hostA needs repair .*: not repaired now, 1 repairs were started here in the last hour \(autoRepair.maxPerHour\)$/);
    now += 30 * 60_000;
    await w.scan();
    assert.deepEqual(started, ['vm-1'], 'still within the hour');
    now += 31 * 60_000;
    await w.scan();
    assert.deepEqual(started, ['vm-1', 'vm-1'], 'an hour after the first start, one more');
  });

  void it('a repair that cannot start is logged and does not use up the hour', async () => {
    const { host } = await hostWithDegradedVms();
    const { w, log } = watch(host, { autoRepair: { enabled: true, maxPerHour: 1 }, startRepair: (vm) => Promise.reject(new Error(`${vm} is being migrated`)) });
    await w.scan();
    assert.deepEqual(log.at('warn').map((l) => l.meta.decision), ['start-failed', 'start-failed']);
    assert.match(log.at('warn')[0]!.message, /: could not start its repair: vm-1 is being migrated$/);
  });

  void it('start() looks at once; stop() waits for the look in flight', async () => {
    const { host } = await hostWithDegradedVms();
    const { w } = watch(host);
    w.start();
    await w.stop();
    assert.equal(w.vmsNeedingRepair(), 2);
  });

  void it('a look that fails is logged, and the next one runs', async () => {
    const { fleet, host } = await hostWithDegradedVms();
    fleet.injectFault({ host: 'hostA', op: 'listVms', mode: 'fail' });
    const { w, log } = watch(host, { everyMs: 10 });
    w.start();
    await w.stop();
    assert.match(log.at('warn')[0]?.message ?? '', /^looking for VMs that need repair on hostA failed: injected failure of listVms/);
    assert.deepEqual(await w.scan().then((c) => c.map((x) => x.vm)), ['vm-1', 'vm-2']);
  });
});
