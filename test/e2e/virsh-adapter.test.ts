/**
 * The libvirt adapter against the REAL two-host testbed (docs/testbed.md): one guest of its own, teamed
 * standby + emulated primary, moved back and forth between hostA and hostB. Needs root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { findTeamingPair } from '../../src/domain/teaming.js';
import {
  ConnectionFailedError,
  DeviceStuckError,
  MigrationAbortedError,
  TimedOutError,
  VmNotFoundError,
} from '../../src/hypervisor/errors.js';
import type { PrimarySpec } from '../../src/domain/primary-spec.js';
import type { MigrationProgress, MigrationTarget } from '../../src/hypervisor/hypervisor.js';
import { runVirsh } from '../../src/hypervisor/virsh-command.js';
import { VirshSession } from '../../src/hypervisor/virsh-session.js';
import { VirshHypervisor } from '../../src/hypervisor/virsh.js';
import { readProbeLog } from '../../src/testbed/probe-log.js';
import {
  defaultGuestMac,
  hostUri,
  serialLogPath,
  startGuest,
  startHost,
  stopHost,
  TESTBED_CACHE,
  testbedUp,
  waitForProbeReady,
  type TestbedHost,
} from '../../src/testbed/testbed.js';

const VM = `va-${process.pid}`;
const MAC = defaultGuestMac(VM);
const hosts: TestbedHost[] = ['hostA', 'hostB'];
// Progress every 200 ms: the copy phase of the 256 MiB guest lasts only ~1 s.
const hyp = (host: TestbedHost) => new VirshHypervisor({ hostName: host, uri: hostUri(host), primaryMode: 'emulated', commandTimeoutMs: 20_000, progressMs: 200 });
const A = hyp('hostA');
const B = hyp('hostB');
const toA: MigrationTarget = { host: 'hostA', uri: hostUri('hostA') };
const toB: MigrationTarget = { host: 'hostB', uri: hostUri('hostB') };
const primary: PrimarySpec = { alias: 'ua-primary0', mac: MAC, standbyAlias: 'ua-backup0', vf: { id: 'emulated-0', kind: 'emulated' } };
const timings: Record<string, number[]> = {};

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await f();
  (timings[what] ??= []).push(Math.round(performance.now() - start));
  return result;
}

function virsh(host: TestbedHost, args: string[]): Promise<string> {
  return runVirsh(hostUri(host), args, { host, timeoutMs: 20_000 });
}

async function configXmlHas(host: TestbedHost, alias: string): Promise<boolean> {
  return parseDomainXml(await virsh(host, ['dumpxml', '--domain', VM, '--inactive'])).interfaces.some((n) => n.alias === alias);
}

/** Incoming migrations a host has started for our guest (one QEMU "starting up" line each). */
async function qemuStarts(host: TestbedHost): Promise<number> {
  const log = await readFile(join(TESTBED_CACHE, 'hosts', host, 'log', 'qemu', `${VM}.log`), 'utf8').catch(() => '');
  return log.split('\n').filter((l) => l.includes('starting up')).length;
}

function noAbort(): { onProgress: (p: MigrationProgress) => void; signal: AbortSignal; seen: MigrationProgress[] } {
  const seen: MigrationProgress[] = [];
  return { onProgress: (p) => seen.push(p), signal: new AbortController().signal, seen };
}

/** Each migration test starts with the guest on hostA, whatever an earlier failure left behind. */
async function onHostA(): Promise<void> {
  if ((await A.listVms()).some((v) => v.name === VM && v.state === 'running')) return;
  await B.migrate(VM, toA, {}, noAbort());
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Guest side: the probe's latest topology line says whether a primary slave is enslaved. */
async function guestSeesPrimary(): Promise<boolean | null> {
  const { events } = await readProbeLog(serialLogPath(VM), 0);
  const last = events.filter((e) => e.kind === 'netdevs').at(-1);
  return last && last.kind === 'netdevs' ? last.primary !== null : null;
}

void describe('VirshHypervisor on the two-host testbed', { timeout: 300_000 }, () => {
  before(async () => {
    await testbedUp();
    await startGuest(VM, { host: 'hostA' });
    // The guest must have booted (PCIe hot-plug driver loaded) before it can release a device.
    await waitForProbeReady(VM, 60_000);
  });

  after(async () => {
    for (const host of hosts) {
      await virsh(host, ['destroy', '--domain', VM]).catch(() => undefined);
      await virsh(host, ['undefine', '--domain', VM]).catch(() => undefined);
    }
    console.log(`timings (ms): ${JSON.stringify(timings)}`);
  });

  void it('describes the running guest and finds its teaming pair (emulated mode)', async () => {
    const d = await timed('describeVm', () => A.describeVm(VM));
    assert.equal(d.state, 'running');
    assert.equal(d.memoryMiB, 256);
    const pair = findTeamingPair(d, 'emulated');
    assert.equal(pair?.standby.alias, 'ua-backup0');
    assert.equal(pair?.standby.link, 'down');
    assert.equal(pair?.primary?.alias, 'ua-primary0');
    assert.equal(pair?.primary?.model, 'e1000e');
    assert.equal(pair?.primary?.mac, MAC);
  });

  void it('lists VMs, free memory and the VF holders of a host', async () => {
    const vms = await timed('listVms', () => A.listVms());
    assert.deepEqual(vms.find((v) => v.name === VM), { name: VM, state: 'running', memoryMiB: 256 });
    assert.ok((await timed('freeMemoryMiB', () => A.freeMemoryMiB())) > 256);
    assert.deepEqual((await timed('vfHolders', () => A.vfHolders())).filter((h) => h.vm === VM), [{ vm: VM, pciAddress: null }]);
    assert.deepEqual((await B.vfHolders()).filter((h) => h.vm === VM), []);
  });

  void it('runs commands in one long-lived virsh: quoted arguments stay arguments, and a missing domain does not stop the rest', async () => {
    const local = new VirshSession('test:///default', 'local');
    const sneaky = 'x"; destroy --domain ' + VM + ' ; echo "\\';
    const echoed = await local.run([['echo', sneaky], ['echo', 'second']], 20_000);
    assert.deepEqual(echoed.stdout.split('\n'), [sneaky, 'second', ''], 'each argument printed verbatim, nothing else ran');
    local.close();
    const session = new VirshSession(hostUri('hostA'), 'hostA');
    const { stdout, stderr } = await session.run([['dumpxml', '--domain', 'no-such-domain'], ['dumpxml', '--domain', VM]], 20_000);
    assert.match(stderr, /failed to get domain 'no-such-domain'/);
    assert.equal(parseDomainXml(stdout).name, VM);
    // The next call on the same session sees only its own output.
    const again = await session.run([['domstate', '--domain', VM]], 20_000);
    assert.deepEqual([again.stdout.trim(), again.stderr], ['running', '']);
    session.close();
    assert.equal((await A.describeVm(VM)).state, 'running');
  });

  void it('a session call that overruns its timeout fails as TimedOut and the next call gets a fresh session', async () => {
    const session = new VirshSession(hostUri('hostA'), 'hostA');
    // 1 ms: no virsh starts, connects and answers that fast.
    await assert.rejects(session.run([['domstate', '--domain', VM]], 1), (err: unknown) => err instanceof TimedOutError && /did not finish within 1 ms/.test(err.message));
    assert.equal((await session.run([['domstate', '--domain', VM]], 20_000)).stdout.trim(), 'running');
    session.close();
  });

  void it('a session that cannot start virsh fails its call at once, naming why', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      // Left to its timeout, the call would fail as TimedOut instead.
      await assert.rejects(new VirshSession('test:///default', 'local').run([['list']], 20_000), /cannot run virsh for local: .*ENOENT/);
    } finally {
      process.env.PATH = path;
    }
  });

  void it('sets the standby link up and down, confirmed in the live XML, idempotently', async () => {
    const link = async () => findTeamingPair(await A.describeVm(VM), 'emulated')?.standby.link;
    await timed('setLinkState', () => A.setLinkState(VM, 'ua-backup0', 'up'));
    assert.equal(await link(), 'up');
    await timed('setLinkState (already)', () => A.setLinkState(VM, 'ua-backup0', 'up'));
    assert.equal(await link(), 'up');
    await A.setLinkState(VM, 'ua-backup0', 'down');
    assert.equal(await link(), 'down');
    // The primary shares the MAC: it must not have been touched.
    assert.equal(findTeamingPair(await A.describeVm(VM), 'emulated')?.primary?.link, 'up');
    await A.setLinkState(VM, 'ua-backup0', 'up');
    await assert.rejects(A.setLinkState(VM, 'ua-nothere', 'up'), /has no interface with alias ua-nothere/);
  });

  void it('detaches the primary from the live domain and its definition, idempotently', async () => {
    assert.equal(await configXmlHas('hostA', 'ua-primary0'), true);
    await timed('detachInterface', () => A.detachInterface(VM, 'ua-primary0', { deadlineMs: 10_000 }));
    assert.equal(findTeamingPair(await A.describeVm(VM), 'emulated')?.primary, null);
    assert.equal(await configXmlHas('hostA', 'ua-primary0'), false);
    await timed('detachInterface (already)', () => A.detachInterface(VM, 'ua-primary0', { deadlineMs: 10_000 }));
    await waitUntil('the guest to drop its primary slave', async () => (await guestSeesPrimary()) === false);
  });

  void it('attaches the primary, confirmed, idempotently, and the guest enslaves it', async () => {
    await timed('attachPrimary', () => A.attachPrimary(VM, primary, { deadlineMs: 10_000 }));
    const pair = findTeamingPair(await A.describeVm(VM), 'emulated');
    assert.equal(pair?.primary?.alias, 'ua-primary0');
    assert.equal(pair?.primary?.model, 'e1000e');
    assert.equal(await configXmlHas('hostA', 'ua-primary0'), true);
    await timed('attachPrimary (already)', () => A.attachPrimary(VM, primary, { deadlineMs: 10_000 }));
    assert.equal((await A.describeVm(VM)).interfaces.length, 2);
    await waitUntil('the guest to enslave the new primary', async () => (await guestSeesPrimary()) === true);
  });

  void it('reports a guest that never releases the device as DeviceStuck, and the unplug completes once it runs', async () => {
    await virsh('hostA', ['suspend', '--domain', VM]);
    try {
      assert.equal((await A.describeVm(VM)).state, 'paused');
      const started = Date.now();
      await assert.rejects(A.detachInterface(VM, 'ua-primary0', { deadlineMs: 1500 }), (err: unknown) => {
        assert.ok(err instanceof DeviceStuckError, String(err));
        assert.match(err.message, /hostA did not release ua-primary0 within 1500 ms/);
        return true;
      });
      assert.ok(Date.now() - started < 5000);
    } finally {
      await virsh('hostA', ['resume', '--domain', VM]);
    }
    // The request stays pending in QEMU: once resumed, the guest releases it; a retry confirms it.
    await A.detachInterface(VM, 'ua-primary0', { deadlineMs: 10_000 });
    assert.equal(findTeamingPair(await A.describeVm(VM), 'emulated')?.primary, null);
  });

  void it('migrates hostA → hostB with progress and downtime, then back', async () => {
    await onHostA();
    const startsOnB = await qemuStarts('hostB');
    const hooks = noAbort();
    const result = await timed('migrate', () => A.migrate(VM, toB, { maxDowntimeMs: 300 }, hooks));
    assert.equal(result.alreadyThere, false);
    assert.ok(result.downtimeMs !== null && result.downtimeMs > 0 && result.downtimeMs < 5000, `downtime ${result.downtimeMs}`);
    assert.ok(result.dataProcessedBytes > 10 * 1048576);
    assert.ok(hooks.seen.length >= 2, `progress reports: ${hooks.seen.length}`);
    assert.ok(hooks.seen.some((p) => p.dataTotalBytes > 0 && p.dataProcessedBytes > 0));
    assert.equal((await B.describeVm(VM)).state, 'running');
    await assert.rejects(A.describeVm(VM), VmNotFoundError);
    assert.equal(await qemuStarts('hostB'), startsOnB + 1);
    // The detach reached the persistent definition, so the destination's has no stale primary.
    assert.equal(await configXmlHas('hostB', 'ua-primary0'), false);
    console.log(`migrate A→B: ${JSON.stringify(result)}; ${hooks.seen.length} progress reports`);

    const back = await timed('migrate', () => B.migrate(VM, toA, {}, noAbort()));
    assert.equal(back.alreadyThere, false);
    assert.equal((await A.describeVm(VM)).state, 'running');
    console.log(`migrate B→A: ${JSON.stringify(back)}`);
  });

  void it('finds the VM already on the target, and reports a VM that is nowhere', async () => {
    await onHostA();
    assert.equal((await A.migrate(VM, toB, {}, noAbort())).alreadyThere, false);
    // A retry of the same step on the source, after the VM moved.
    const again = await timed('migrate (already there)', () => A.migrate(VM, toB, {}, noAbort()));
    assert.deepEqual(again, { durationMs: 0, dataProcessedBytes: 0, downtimeMs: null, alreadyThere: true });
    await B.migrate(VM, toA, {}, noAbort());
    await assert.rejects(A.migrate('nosuch-vm', toB, {}, noAbort()), (err: unknown) => {
      assert.ok(err instanceof VmNotFoundError);
      assert.match(err.message, /nosuch-vm is neither on hostA nor on hostB/);
      return true;
    });
  });

  void it('aborts a running migration on signal: MigrationAborted, the VM keeps running on the source', async () => {
    await onHostA();
    const startsOnB = await qemuStarts('hostB');
    const ctl = new AbortController();
    const seen: MigrationProgress[] = [];
    const started = performance.now();
    let abortedAt = 0;
    const onProgress = (p: MigrationProgress) => {
      seen.push(p);
      if (p.dataProcessedBytes > 0 && !ctl.signal.aborted) {
        abortedAt = performance.now();
        ctl.abort();
      }
    };
    await assert.rejects(A.migrate(VM, toB, { bandwidthMiBps: 20 }, { onProgress, signal: ctl.signal }), (err: unknown) => {
      assert.ok(err instanceof MigrationAbortedError, String(err));
      assert.match(err.message, /was aborted; it keeps running on hostA/);
      return true;
    });
    (timings['abort → rejected'] ??= []).push(Math.round(performance.now() - abortedAt));
    (timings['abort: migrate call'] ??= []).push(Math.round(performance.now() - started));
    assert.equal((await A.describeVm(VM)).state, 'running');
    assert.equal(await A.migrationJob(VM), null);
    await assert.rejects(B.describeVm(VM), VmNotFoundError);
    assert.equal(await qemuStarts('hostB'), startsOnB + 1);
  });

  void it('follows a migration job already in progress instead of starting a second one', async () => {
    await onHostA();
    const startsOnB = await qemuStarts('hostB');
    const first = A.migrate(VM, toB, { bandwidthMiBps: 40 }, noAbort());
    const second = hyp('hostA');
    await waitUntil('the first migration job to run', async () => (await second.migrationJob(VM)) !== null);
    const hooks = noAbort();
    const followed = await timed('migrate (follow)', () => second.migrate(VM, toB, {}, hooks));
    const own = await first;
    assert.equal(followed.alreadyThere, false);
    assert.ok(hooks.seen.length >= 1, 'the follower reports progress');
    assert.ok(followed.downtimeMs !== null && followed.downtimeMs > 0);
    assert.equal(own.downtimeMs, followed.downtimeMs, 'both read the same completed job');
    assert.equal(await qemuStarts('hostB'), startsOnB + 1, 'exactly one incoming migration');
    await B.migrate(VM, toA, {}, noAbort());
  });

  void it('two attempts starting at the same moment end up with one job, both succeed', async () => {
    await onHostA();
    const startsOnB = await qemuStarts('hostB');
    const [one, two] = await Promise.all([A.migrate(VM, toB, {}, noAbort()), hyp('hostA').migrate(VM, toB, {}, noAbort())]);
    assert.equal(one.alreadyThere || two.alreadyThere, false);
    assert.equal((await B.describeVm(VM)).state, 'running');
    assert.equal(await qemuStarts('hostB'), startsOnB + 1, 'exactly one incoming migration');
    await B.migrate(VM, toA, {}, noAbort());
  });

  void it('abortMigration from another caller ends the job; the migrating call reports MigrationAborted', async () => {
    await onHostA();
    const migrating = A.migrate(VM, toB, { bandwidthMiBps: 20 }, noAbort());
    const other = hyp('hostA');
    await waitUntil('the job to run', async () => (await other.migrationJob(VM)) !== null);
    await timed('abortMigration', () => other.abortMigration(VM));
    assert.equal(await other.migrationJob(VM), null);
    await assert.rejects(migrating, MigrationAbortedError);
    assert.equal((await A.describeVm(VM)).state, 'running');
    await other.abortMigration(VM); // nothing to abort: fine
  });

  void it('follows a job whose virsh client was SIGKILLed (a dead worker): libvirtd carries on with p2p', async () => {
    await onHostA();
    const startsOnB = await qemuStarts('hostB');
    const client = execa('virsh', ['-c', hostUri('hostA'), 'migrate', '--live', '--p2p', '--persistent', '--undefinesource', '--bandwidth', '40', '--domain', VM, '--desturi', hostUri('hostB')], {
      env: { LC_ALL: 'C' },
      reject: false,
    });
    await waitUntil('the job to run', async () => ((await A.migrationJob(VM))?.dataProcessedBytes ?? 0) > 0);
    client.kill('SIGKILL');
    const exit = await client;
    assert.equal(exit.signal, 'SIGKILL');
    const job = await A.migrationJob(VM);
    assert.ok(job !== null, 'the job survives its client');
    const result = await A.migrate(VM, toB, {}, noAbort());
    assert.equal(result.alreadyThere, false);
    assert.equal((await B.describeVm(VM)).state, 'running');
    assert.equal(await qemuStarts('hostB'), startsOnB + 1);
    await B.migrate(VM, toA, {}, noAbort());
  });

  void it('names the host in VmNotFound', async () => {
    await assert.rejects(B.describeVm(`nosuch-${process.pid}`), (err: unknown) => {
      assert.ok(err instanceof VmNotFoundError);
      assert.match(err.message, /on hostB failed: failed to get domain 'nosuch-\d+'/);
      return true;
    });
  });

  void it('fails with ConnectionFailed while the target libvirtd is stopped, and the VM stays put', async () => {
    await onHostA();
    await stopHost('hostB');
    try {
      const started = performance.now();
      await assert.rejects(A.migrate(VM, toB, {}, noAbort()), (err: unknown) => {
        assert.ok(err instanceof ConnectionFailedError, String(err));
        assert.equal(err.retryable, true);
        assert.match(err.message, /hostA could not reach hostB \(qemu\+tcp:\/\/127\.0\.0\.3\/system\) to migrate/);
        assert.match(err.message, /Connection refused/);
        return true;
      });
      (timings['migrate to a stopped host'] ??= []).push(Math.round(performance.now() - started));
      await assert.rejects(B.listVms(), (err: unknown) => err instanceof ConnectionFailedError && /on hostB failed: (failed to connect|Failed to reconnect) to the hypervisor/.test(err.message));
      assert.equal((await A.describeVm(VM)).state, 'running');
    } finally {
      await startHost('hostB');
    }
    // B's session lost its libvirtd: the next call starts a fresh one.
    assert.equal((await B.listVms()).some((v) => v.name === VM), false);
  });
});
