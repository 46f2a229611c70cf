import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConnectionFailedError, HypervisorFailureError, InvalidOperationError, MigrationAbortedError, MigrationFailedError, VmNotFoundError } from '../../src/hypervisor/errors.js';
import type { PrimarySpec } from '../../src/domain/primary-spec.js';
import type { MigrationProgress } from '../../src/hypervisor/hypervisor.js';
import { VirshHypervisor } from '../../src/hypervisor/virsh.js';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { COMPLETED_IN, RUNNING_JOB, seen } from '../support/libvirt-texts.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { deferred, ScriptedVirsh, type Reply, type Script } from '../support/scripted-virsh.js';

/**
 * The libvirt adapter's decisions, against virsh as a test scripts it with what libvirt 9.0 printed on
 * the testbed (support/libvirt-texts.ts): no root, no virsh. The testbed (e2e) shows the same calls work
 * on real libvirt; these show what the adapter makes of each answer.
 */

const SOURCE_URI = 'qemu+tcp://127.0.0.2/system';
const target = { host: 'hostB', uri: 'qemu+tcp://127.0.0.3/system' };
const VM = 'probe1';
const NO_JOB = 'Job type: 0\n\n';
const GONE = seen('domjobinfo on the source right after the domain migrated away');
const SOURCE_DOWN = seen('a call in a live virsh session while its libvirtd is stopped');

function adapter(script: Script, primaryMode: 'emulated' | 'hostdev' = 'emulated') {
  const virsh = new ScriptedVirsh(script);
  const log = new RecordingLogger();
  const hyp = new VirshHypervisor({ hostName: 'hostA', uri: SOURCE_URI, primaryMode, commandTimeoutMs: 1000, pollMs: 1, progressMs: 1, log }, virsh.connect);
  return { hyp, virsh, log };
}

/** hostA and hostB as virsh shows them to the adapter: where the VM runs, and hostA's migration job. */
interface World {
  /** domstate on hostA / hostB; null: not defined there. */
  here: string | null;
  there: string | null;
  /** domjobinfo on hostA while the VM is there. */
  job: string;
  /** domjobinfo --completed on hostB. */
  completed: Reply;
  migrate: () => Reply | Promise<Reply>;
  abort: () => Reply;
}

function world(w: Partial<World>): World & { script: Script } {
  const all: World = {
    here: 'running',
    there: null,
    job: NO_JOB,
    completed: { stdout: COMPLETED_IN },
    migrate: () => assert.fail('virsh migrate was not expected'),
    abort: () => assert.fail('domjobabort was not expected'),
    ...w,
  };
  const script: Script = (host, args) => {
    switch (args[0]) {
      case 'domstate': {
        const state = host === 'hostA' ? all.here : all.there;
        return state === null ? { stderr: GONE } : { stdout: `${state}\n\n` };
      }
      case 'domjobinfo':
        if (host === target.host) return all.completed;
        return all.here === null ? { stderr: GONE } : { stdout: all.job };
      case 'migrate-setmaxdowntime':
        return {};
      case 'migrate':
        return all.migrate();
      case 'domjobabort':
        return all.abort();
      default:
        return assert.fail(`unscripted: ${host}: ${args.join(' ')}`);
    }
  };
  return Object.assign(all, { script });
}

/** The VM now runs on hostB and is gone from hostA. */
function arrive(w: World): void {
  [w.here, w.there, w.job] = [null, 'running', NO_JOB];
}

function hooks(onProgress: (p: MigrationProgress, count: number) => void = () => undefined, signal = new AbortController().signal) {
  const seenProgress: MigrationProgress[] = [];
  return { seenProgress, signal, onProgress: (p: MigrationProgress) => onProgress(p, seenProgress.push(p)) };
}

const MIGRATE = `hostA: migrate --live --p2p --persistent --undefinesource --domain ${VM} --desturi ${target.uri}`;

void describe('VirshHypervisor.migrate: where the VM is', () => {
  void it('already on the target: done, without starting anything', async () => {
    const w = world({ here: null, there: 'running' });
    const { hyp, virsh } = adapter(w.script);
    assert.deepEqual(await hyp.migrate(VM, target, {}, hooks()), { durationMs: 0, dataProcessedBytes: 0, downtimeMs: null, alreadyThere: true });
    assert.deepEqual(virsh.trail(), [`hostA: domstate --domain ${VM}`, `hostB: domstate --domain ${VM}`]);
  });

  void it('paused here counts as here: the migration starts', async () => {
    const w = world({ here: 'paused' });
    w.migrate = () => (arrive(w), {});
    const { hyp, virsh } = adapter(w.script);
    assert.equal((await hyp.migrate(VM, target, {}, hooks())).alreadyThere, false);
    assert.deepEqual(virsh.trail(['migrate']), [MIGRATE]);
  });

  void it('neither here nor on the target: VmNotFound', async () => {
    const { hyp, virsh } = adapter(world({ here: null }).script);
    await assert.rejects(hyp.migrate(VM, target, {}, hooks()), (err: unknown) => {
      assert.ok(err instanceof VmNotFoundError);
      assert.equal(err.message, `${VM} is neither on hostA nor on hostB`);
      return true;
    });
    assert.deepEqual(virsh.trail(['migrate']), []);
  });

  void it('shut off here and not on the target: refused, only a running VM can be live-migrated', async () => {
    const { hyp } = adapter(world({ here: 'shut off' }).script);
    await assert.rejects(hyp.migrate(VM, target, {}, hooks()), (err: unknown) => {
      assert.ok(err instanceof InvalidOperationError);
      assert.match(err.message, /^probe1 is shutoff on hostA: only a running VM can be live-migrated$/);
      return true;
    });
  });
});

void describe('VirshHypervisor.migrate: following the job', () => {
  void it('starts one job (max downtime set first), reports its progress, and confirms the VM on the target', async () => {
    const w = world({});
    const end = deferred<Reply>();
    w.migrate = () => ((w.job = RUNNING_JOB), end.promise);
    const { hyp, virsh } = adapter(w.script);
    const h = hooks((_, count) => {
      if (count !== 2) return;
      arrive(w);
      end.resolve({});
    });
    const result = await hyp.migrate(VM, target, { maxDowntimeMs: 300 }, h);
    assert.ok(h.seenProgress.length >= 2);
    assert.deepEqual(h.seenProgress[0], { elapsedMs: 1139, dataTotalBytes: 268967936, dataProcessedBytes: 88769794, dataRemainingBytes: 0 });
    assert.deepEqual({ ...result, durationMs: 0 }, { durationMs: 0, dataProcessedBytes: 88769794, downtimeMs: 86, alreadyThere: false });
    assert.deepEqual(virsh.trail(['domstate', 'migrate-setmaxdowntime', 'migrate']), [
      `hostA: domstate --domain ${VM}`,
      `hostA: migrate-setmaxdowntime --domain ${VM} --downtime 300`,
      MIGRATE,
      `hostA: domstate --domain ${VM}`,
      `hostB: domstate --domain ${VM}`,
    ]);
    assert.deepEqual(virsh.trail().at(-1), `hostB: domjobinfo --domain ${VM} --completed --keep-completed --rawstats`);
    assert.equal(virsh.calls.find((c) => c.args[0] === 'migrate')?.process, true, 'virsh migrate runs as a process of its own');
  });

  void it('a job already running (an earlier attempt) is followed, not restarted', async () => {
    const w = world({ job: RUNNING_JOB });
    const { hyp, virsh } = adapter(w.script);
    const h = hooks((_, count) => count === 3 && arrive(w));
    const before = Date.now();
    const result = await hyp.migrate(VM, target, {}, h);
    assert.deepEqual(virsh.trail(['migrate', 'migrate-setmaxdowntime']), []);
    assert.ok(h.seenProgress.length >= 3);
    assert.ok(result.durationMs >= 1139 + (Date.now() - before) - 50, `the job's time so far counts: ${result.durationMs}`);
    assert.equal(result.downtimeMs, 86);
  });

  void it('our virsh migrate lost the race to another attempt\'s job: that job is followed to its end', async () => {
    const w = world({});
    w.migrate = () => ((w.job = RUNNING_JOB), { stderr: seen('a second migrate while one runs') });
    const { hyp, virsh } = adapter(w.script);
    const result = await hyp.migrate(VM, target, {}, hooks((_, count) => count === 2 && arrive(w)));
    assert.equal(result.alreadyThere, false);
    assert.equal(virsh.trail(['migrate']).length, 1, 'no second virsh migrate');
  });

  void it('the job ends with the VM still here: MigrationFailed with libvirt\'s reason', async () => {
    const w = world({ migrate: () => ({ stderr: seen('the destination QEMU killed mid-migration') }) });
    const { hyp } = adapter(w.script);
    await assert.rejects(hyp.migrate(VM, target, {}, hooks()), (err: unknown) => {
      assert.ok(err instanceof MigrationFailedError);
      assert.equal(err.host, 'hostA');
      assert.match(err.message, /^migration of probe1 from hostA to hostB failed; it keeps running on hostA: virsh migrate .* on hostA failed: .*Unable to write to socket: Bad file descriptor$/);
      return true;
    });
  });

  void it('the job was cancelled (domjobabort from elsewhere): MigrationAborted', async () => {
    const { hyp } = adapter(world({ migrate: () => ({ stderr: seen('migrate aborted by domjobabort') }) }).script);
    await assert.rejects(hyp.migrate(VM, target, {}, hooks()), (err: unknown) => {
      assert.ok(err instanceof MigrationAbortedError);
      assert.equal(err.message, 'migration of probe1 from hostA to hostB was aborted; it keeps running on hostA');
      return true;
    });
  });

  void it('the VM left but does not run on the target: MigrationFailed', async () => {
    const w = world({});
    w.migrate = () => ((w.here = null), {});
    const { hyp } = adapter(w.script);
    await assert.rejects(hyp.migrate(VM, target, {}, hooks()), /^MigrationFailedError: probe1 left hostA but does not run on hostB \(state there: not defined\)$/);
  });

  void it('arrived, but the completed job cannot be read on the target: success without a downtime figure, and logged', async () => {
    const w = world({ completed: { stderr: SOURCE_DOWN } });
    const end = deferred<Reply>();
    w.migrate = () => ((w.job = RUNNING_JOB), end.promise);
    const { hyp, log } = adapter(w.script);
    const result = await hyp.migrate(VM, target, {}, hooks((_, count) => count === 1 && (arrive(w), end.resolve({}))));
    assert.equal(result.downtimeMs, null);
    assert.equal(result.dataProcessedBytes, 88769794, 'from the last progress seen');
    const [warn] = log.at('warn');
    assert.match(warn?.message ?? '', /completed job could not be read/);
    assert.match(String(warn?.meta.error), /Failed to reconnect to the hypervisor/);
  });
});

void describe('VirshHypervisor.migrate: aborting', () => {
  void it('abort requested before any job: MigrationAborted, nothing started', async () => {
    const controller = new AbortController();
    controller.abort();
    const { hyp, virsh } = adapter(world({}).script);
    await assert.rejects(hyp.migrate(VM, target, { maxDowntimeMs: 300 }, hooks(undefined, controller.signal)), MigrationAbortedError);
    assert.deepEqual(virsh.trail(), [`hostA: domstate --domain ${VM}`, `hostA: domjobinfo --domain ${VM} --rawstats`]);
  });

  void it('abort requested mid-job: domjobabort until the job ends (a failed request is logged and asked again), then MigrationAborted', async () => {
    const w = world({});
    const end = deferred<Reply>();
    w.migrate = () => ((w.job = RUNNING_JOB), end.promise);
    let aborts = 0;
    w.abort = () => {
      if (++aborts === 1) return { stderr: SOURCE_DOWN };
      w.job = NO_JOB;
      end.resolve({ stderr: seen('migrate aborted by domjobabort') });
      return {};
    };
    const controller = new AbortController();
    const { hyp, virsh, log } = adapter(w.script);
    await assert.rejects(hyp.migrate(VM, target, {}, hooks((_, count) => count === 1 && controller.abort(), controller.signal)), MigrationAbortedError);
    assert.deepEqual(virsh.trail(['domjobabort']), [`hostA: domjobabort --domain ${VM}`, `hostA: domjobabort --domain ${VM}`]);
    const [warn] = log.at('warn');
    assert.match(warn?.message ?? '', /domjobabort failed; asking again/);
    assert.match(String(warn?.meta.error), /Failed to reconnect to the hypervisor/);
  });
  void it('abort requested: a job libvirt still reports after our virsh migrate ended is not followed', async () => {
    const w = world({});
    const end = deferred<Reply>();
    w.migrate = () => ((w.job = RUNNING_JOB), end.promise);
    let aborts = 0;
    w.abort = () => ((++aborts === 3 && (w.job = NO_JOB)), {});
    const controller = new AbortController();
    const { hyp } = adapter(w.script);
    const h = hooks((_, count) => {
      if (count !== 1) return;
      controller.abort();
      end.resolve({ stderr: seen('migrate aborted by domjobabort') });
    }, controller.signal);
    await assert.rejects(hyp.migrate(VM, target, {}, h), MigrationAbortedError);
    assert.ok(aborts <= 1, `the job was followed (${aborts} domjobabort calls)`);
  });

  void it('abortMigration: asks libvirt to abort the job and waits until it is gone; no job, nothing to do', async () => {
    const w = world({ job: RUNNING_JOB });
    w.abort = () => ((w.job = NO_JOB), {});
    const { hyp, virsh } = adapter(w.script);
    await hyp.abortMigration(VM);
    assert.deepEqual(virsh.trail(), [`hostA: domjobinfo --domain ${VM} --rawstats`, `hostA: domjobabort --domain ${VM}`, `hostA: domjobinfo --domain ${VM} --rawstats`]);
    await hyp.abortMigration(VM);
    assert.equal(virsh.trail(['domjobabort']).length, 1);
  });
});

void describe('VirshHypervisor.migrate: lost connections', () => {
  const failing = (stderr: string) => world({ migrate: () => ({ stderr }) }).script;

  void it("virsh's own connection to this host broke: ConnectionFailed on this host", async () => {
    for (const stderr of [seen('migrate running while the source libvirtd is stopped'), seen('any command while this host’s libvirtd is stopped')]) {
      const { hyp } = adapter(failing(stderr));
      await assert.rejects(hyp.migrate(VM, target, {}, hooks()), (err: unknown) => {
        assert.ok(err instanceof ConnectionFailedError);
        assert.equal(err.host, 'hostA');
        assert.equal(err.retryable, true);
        assert.match(err.message, /^lost the connection to libvirtd on hostA while migrating probe1 to hostB: /);
        return true;
      });
    }
  });

  void it('this host could not reach the target: ConnectionFailed on the target', async () => {
    const { hyp } = adapter(failing(seen('migrate --p2p to a host whose libvirtd is stopped')));
    await assert.rejects(hyp.migrate(VM, target, {}, hooks()), (err: unknown) => {
      assert.ok(err instanceof ConnectionFailedError);
      assert.equal(err.host, 'hostB');
      assert.match(err.message, /^hostA could not reach hostB \(qemu\+tcp:\/\/127\.0\.0\.3\/system\) to migrate probe1: .*Connection refused$/);
      return true;
    });
  });

  void it('libvirtd here still down after the job: the state check fails with the connection error, retryable', async () => {
    const w = world({ migrate: () => ((w.here = 'unreachable'), { stderr: seen('migrate running while the source libvirtd is stopped') }) });
    const script: Script = (host, args) => (w.here === 'unreachable' && host === 'hostA' ? { stderr: SOURCE_DOWN } : w.script(host, args));
    const { hyp } = adapter(script);
    await assert.rejects(hyp.migrate(VM, target, {}, hooks()), (err: unknown) => {
      assert.ok(err instanceof ConnectionFailedError);
      assert.match(err.message, /^virsh domstate --domain probe1 on hostA failed: Failed to reconnect to the hypervisor/);
      return true;
    });
  });
});

// ---- devices ------------------------------------------------------------------------------------

const DOMAIN_XML = readFileSync(new URL('../../../test/fixtures/domains/valid-testbed.xml', import.meta.url), 'utf8');
const WITHOUT_PRIMARY = DOMAIN_XML.replace(/<interface type='user'>(?:(?!<\/interface>)[\s\S])*ua-primary0[\s\S]*?<\/interface>\s*/, '');
const GUEST = 'vfm-guest';
const PRIMARY: PrimarySpec = { alias: 'ua-primary0', mac: '52:54:00:12:34:56', vf: { id: 'emu0', kind: 'emulated' }, standbyAlias: 'ua-backup0' };
/** libvirt names the alias it was asked for; the testbed's text was for ua-nosuch. */
const NO_SUCH_ALIAS = seen('detach-device-alias of an alias the domain does not have').replaceAll('ua-nosuch', 'ua-primary0');

/** One domain on hostA, with or without its primary; `persistent` decides whether it has a definition to keep in step. */
function guest(state: { primary: boolean; persistent: boolean }, on: Record<string, () => Reply>): Script {
  return (_host, args) => {
    const handler = on[args[0] ?? ''];
    if (handler) return handler();
    if (args[0] === 'dumpxml') return { stdout: state.primary ? DOMAIN_XML : WITHOUT_PRIMARY };
    if (args[0] === 'dominfo') return { stdout: `Id:             1\nName:           ${GUEST}\nPersistent:     ${state.persistent ? 'yes' : 'no'}\n` };
    return assert.fail(`unscripted: ${args.join(' ')}`);
  };
}

const LOOK = [`hostA: dumpxml --domain ${GUEST}`, `hostA: dominfo --domain ${GUEST}`, `hostA: dumpxml --domain ${GUEST} --inactive`];

void describe('VirshHypervisor: device changes that lose a race', () => {
  void it('detach: "no device found with alias" (an earlier unplug completed meanwhile) -> looks again, finds it gone, and logs why', async () => {
    const state = { primary: true, persistent: true };
    const { hyp, virsh, log } = adapter(guest(state, { 'detach-device-alias': () => ((state.primary = false), { stderr: NO_SUCH_ALIAS }) }));
    await hyp.detachInterface(GUEST, 'ua-primary0', { deadlineMs: 1000 });
    assert.deepEqual(virsh.trail(), [...LOOK, `hostA: detach-device-alias --domain ${GUEST} --alias ua-primary0 --live --config`, ...LOOK]);
    const [info] = log.at('info');
    assert.match(info?.message ?? '', /looking again/);
    assert.match(String(info?.meta.error), /no device found with alias ua-primary0/);
  });

  void it('detach: any other refusal is not retried', async () => {
    const state = { primary: true, persistent: false };
    const { hyp, virsh, log } = adapter(guest(state, { 'detach-device-alias': () => ({ stderr: seen('detach-device-alias / update-device on a shut-off domain; domjobinfo while a migrated domain is cleaned up') }) }));
    await assert.rejects(hyp.detachInterface(GUEST, 'ua-primary0', { deadlineMs: 1000 }), /InvalidOperationError: .*domain is not running/);
    assert.deepEqual(virsh.trail(['detach-device-alias']), [`hostA: detach-device-alias --domain ${GUEST} --alias ua-primary0 --live`]);
    assert.deepEqual(log.at('info'), []);
  });

  void it('attach: "non unique alias" (another attempt attached it meanwhile) -> looks again, finds it there, and logs why', async () => {
    const state = { primary: false, persistent: false };
    const { hyp, virsh, log } = adapter(guest(state, { 'attach-device': () => ((state.primary = true), { stderr: seen('attach-device of a second device with the same alias') }) }));
    await hyp.attachPrimary(GUEST, PRIMARY, { deadlineMs: 1000 });
    const trail = virsh.trail().map((l) => l.replace(/--file \S+/, '--file FILE'));
    assert.deepEqual(trail, [...LOOK, `hostA: attach-device --domain ${GUEST} --file FILE --live`, ...LOOK]);
    const [info] = log.at('info');
    assert.match(info?.message ?? '', /looking again/);
    assert.match(String(info?.meta.error), /non unique alias detected: ua-primary0/);
  });
});

// ---- inventory ----------------------------------------------------------------------------------

const UUID_HERE = '0b4e6c2f-3d1a-4c8e-9f7b-5a2d8e1c6f30';
/** The UUID in the testbed's "Domain not found" text. */
const UUID_GONE = 'edf0a5af-74f2-4149-9241-dfdbf692a614';

function inventory(list: string, gone: string = GONE): Script {
  return (_host, args) => {
    if (args[0] === 'list') return { stdout: list };
    if (args.includes(UUID_GONE)) return { stderr: gone };
    if (args[0] === 'domstate') return { stdout: 'running\n\n' };
    if (args[0] === 'dumpxml') return { stdout: `${DOMAIN_XML}\n` };
    return assert.fail(`unscripted: ${args.join(' ')}`);
  };
}

void describe('VirshHypervisor: every domain on the host', () => {
  void it('reads every domain by UUID in one session line; one that went away in between is left out, and logged', async () => {
    const { hyp, virsh, log } = adapter(inventory(`${UUID_HERE}\n${UUID_GONE}\n\n`));
    assert.deepEqual(await hyp.listVms(), [{ name: GUEST, state: 'running', memoryMiB: 256 }]);
    assert.deepEqual(virsh.trail(), [
      'hostA: list --uuid --all',
      `hostA: domstate --domain ${UUID_HERE}`,
      `hostA: dumpxml --domain ${UUID_HERE}`,
      `hostA: domstate --domain ${UUID_GONE}`,
      `hostA: dumpxml --domain ${UUID_GONE}`,
    ]);
    const [debug] = log.at('debug');
    assert.deepEqual(debug?.meta.errors, [GONE.trim(), GONE.trim()]);
    assert.deepEqual(await hyp.vfHolders(), [{ vm: GUEST, pciAddress: null }]);
  });

  void it('holders and VMs asked for side by side share one read; a shut-off domain holds no VF', async () => {
    const OFF = '7c1f2a9e-5b3d-4e6f-8a1b-2c3d4e5f6a7b';
    const { hyp, virsh } = adapter((_host, args) => {
      if (args[0] === 'list') return { stdout: `${UUID_HERE}\n${OFF}\n` };
      if (args[0] === 'domstate') return { stdout: args.includes(OFF) ? 'shut off\n\n' : 'running\n\n' };
      if (args[0] === 'dumpxml') return { stdout: `${args.includes(OFF) ? DOMAIN_XML.replace(`<name>${GUEST}</name>`, '<name>off-vm</name>') : DOMAIN_XML}\n` };
      return assert.fail(`unscripted: ${args.join(' ')}`);
    });
    const [holders, vms] = await Promise.all([hyp.vfHolders(), hyp.listVms()]);
    assert.deepEqual(holders, [{ vm: GUEST, pciAddress: null }]);
    assert.deepEqual(vms.map((v) => `${v.name} ${v.state}`), [`${GUEST} running`, 'off-vm shutoff']);
    assert.equal(virsh.trail().filter((c) => c.includes('dumpxml')).length, 2, virsh.trail().join('\n'));
    // A call made after a read started gets a read of its own: never an answer older than the call.
    await hyp.vfHolders();
    assert.equal(virsh.trail().filter((c) => c.includes('dumpxml')).length, 4);
  });

  void it('any other error on one domain fails the whole read, classified', async () => {
    const { hyp } = adapter(inventory(`${UUID_HERE}\n${UUID_GONE}\n`, SOURCE_DOWN));
    await assert.rejects(hyp.listVms(), (err: unknown) => {
      assert.ok(err instanceof ConnectionFailedError);
      assert.match(err.message, /^virsh \(every domain\) on hostA failed: Failed to reconnect/);
      return true;
    });
  });

  void it('a listing that is not UUIDs is refused, not used to address domains', async () => {
    const { hyp, virsh } = adapter(inventory(`${UUID_HERE}\nprobe1\n`));
    await assert.rejects(hyp.listVms(), (err: unknown) => err instanceof HypervisorFailureError && /printed .*probe1.*, not a UUID/.test(err.message));
    assert.deepEqual(virsh.trail(), ['hostA: list --uuid --all']);
  });
});

// ---- the <hostdev> teaming form ------------------------------------------------------------------

/**
 * A VF passed as a plain PCI `<hostdev>` with `<teaming type='transient' persistent=…>` (libvirt 7.1+), in
 * the shape of libvirt's own tests/qemuxmlconfdata/net-virtio-teaming-hostdev.xml: the fixture is a live
 * domain holding one. The testbed has no PCI device to pass through, so these scripted calls are the proof.
 */
const HOSTDEV_XML = readFileSync(new URL('../../../test/fixtures/domains/valid-hostdev-teaming.xml', import.meta.url), 'utf8');
const HOSTDEV_ELEMENT = /<hostdev mode='subsystem' type='pci' managed='yes'>[\s\S]*?<\/hostdev>\s*/;
const WITHOUT_HOSTDEV = HOSTDEV_XML.replace(HOSTDEV_ELEMENT, '');
const HOSTDEV_GUEST = 'web-01';
const HOSTDEV_PRIMARY: PrimarySpec = {
  alias: 'ua-sriov0',
  mac: '52:54:00:6d:90:02',
  vf: { id: '0000:3b:02.1', kind: 'pci', pciAddress: '0000:3b:02.1' },
  standbyAlias: 'ua-backup0',
  form: 'hostdev',
};

/** web-01 on hostA, persistent, with or without its `<hostdev>` primary (live and in its definition alike). */
function hostdevGuest(state: { present: boolean; attached: string[] }): Script {
  return (_host, args) => {
    switch (args[0]) {
      case 'dumpxml':
        return { stdout: state.present ? HOSTDEV_XML : WITHOUT_HOSTDEV };
      case 'dominfo':
        return { stdout: `Id:             7\nName:           ${HOSTDEV_GUEST}\nPersistent:     yes\n` };
      case 'detach-device-alias':
        state.present = false;
        return {};
      case 'attach-device':
        state.attached.push(readFileSync(args[args.indexOf('--file') + 1] ?? '', 'utf8'));
        state.present = true;
        return {};
      default:
        return assert.fail(`unscripted: ${args.join(' ')}`);
    }
  };
}

const HOSTDEV_LOOK = [`hostA: dumpxml --domain ${HOSTDEV_GUEST}`, `hostA: dominfo --domain ${HOSTDEV_GUEST}`, `hostA: dumpxml --domain ${HOSTDEV_GUEST} --inactive`];

void describe('VirshHypervisor: a VF teamed as a plain <hostdev>', () => {
  void it('is unplugged by its alias, live and from the definition, and confirmed gone', async () => {
    const state = { present: true, attached: [] as string[] };
    const { hyp, virsh } = adapter(hostdevGuest(state), 'hostdev');
    await hyp.detachInterface(HOSTDEV_GUEST, 'ua-sriov0', { deadlineMs: 1000 });
    assert.deepEqual(virsh.trail(), [
      ...HOSTDEV_LOOK,
      `hostA: detach-device-alias --domain ${HOSTDEV_GUEST} --alias ua-sriov0 --live --config`,
      `hostA: dumpxml --domain ${HOSTDEV_GUEST}`,
    ]);
  });

  void it('is plugged back as a <hostdev> with <teaming>, never as an <interface>, live and into the definition', async () => {
    const state = { present: false, attached: [] as string[] };
    const { hyp, virsh } = adapter(hostdevGuest(state), 'hostdev');
    await hyp.attachPrimary(HOSTDEV_GUEST, HOSTDEV_PRIMARY, { deadlineMs: 1000 });
    assert.deepEqual(
      virsh.trail().map((l) => l.replace(/--file \S+/, '--file FILE')),
      [...HOSTDEV_LOOK, `hostA: attach-device --domain ${HOSTDEV_GUEST} --file FILE --live --config`, `hostA: dumpxml --domain ${HOSTDEV_GUEST}`],
    );
    assert.deepEqual(state.attached, [
      '<hostdev mode="subsystem" type="pci" managed="yes"><source><address domain="0x0000" bus="0x3b" slot="0x02" function="0x1"/></source>' +
        '<teaming type="transient" persistent="ua-backup0"/><alias name="ua-sriov0"/></hostdev>',
    ]);
    // What libvirt would hold afterwards reads back as the very primary the domain had: same form, VF and team.
    const devicesEnd = WITHOUT_HOSTDEV.indexOf('    <serial');
    const after = parseDomainXml(`${WITHOUT_HOSTDEV.slice(0, devicesEnd)}${state.attached[0]}\n${WITHOUT_HOSTDEV.slice(devicesEnd)}`);
    const before = parseDomainXml(HOSTDEV_XML);
    const pick = (d: typeof before) => d.interfaces.filter((i) => i.form === 'hostdev').map(({ guestSlot: _slot, ...nic }) => nic);
    assert.deepEqual(pick(after), pick(before));
    assert.equal(pick(after).length, 1);
  });

  void it('a <hostdev> already in place (a retry) is not plugged again', async () => {
    const state = { present: true, attached: [] as string[] };
    const { hyp, virsh } = adapter(hostdevGuest(state), 'hostdev');
    await hyp.attachPrimary(HOSTDEV_GUEST, HOSTDEV_PRIMARY, { deadlineMs: 1000 });
    assert.deepEqual(virsh.trail(['attach-device']), []);
  });

  void it('a two-pair domain holds two VFs, both booked by the pool', async () => {
    const twoPairs = readFileSync(new URL('../../../test/fixtures/domains/valid-two-pairs.xml', import.meta.url), 'utf8');
    const { hyp } = adapter((_h, args) => {
      if (args[0] === 'list') return { stdout: `${UUID_HERE}\n` };
      if (args[0] === 'domstate') return { stdout: 'running\n\n' };
      // virsh prints the domain alone: the fixture's leading comment is ours.
      if (args[0] === 'dumpxml') return { stdout: twoPairs.slice(twoPairs.indexOf('<domain')) };
      return assert.fail(args.join(' '));
    }, 'hostdev');
    assert.deepEqual(await hyp.vfHolders(), [
      { vm: 'web-01', pciAddress: '0000:3b:02.1' },
      { vm: 'web-01', pciAddress: '0000:3b:02.2' },
    ]);
  });
});
