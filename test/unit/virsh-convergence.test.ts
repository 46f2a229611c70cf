import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostcopyFailedError } from '../../src/hypervisor/errors.js';
import type { MigrationProgress } from '../../src/hypervisor/hypervisor.js';
import { VirshHypervisor } from '../../src/hypervisor/virsh.js';
import { virshArgumentsProblem } from '../../src/hypervisor/virsh-arguments.js';
import { migrateArgs } from '../../src/hypervisor/virsh-migrate-args.js';
import { migrationOutProgress, parseJobInfo } from '../../src/hypervisor/virsh-output.js';
import { COMPLETED_IN, RUNNING_JOB, seen } from '../support/libvirt-texts.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { deferred, ScriptedVirsh, type Reply } from '../support/scripted-virsh.js';

/** The convergence controls' virsh calls, against virsh as a test scripts it (no root, no libvirt). */

const target = { host: 'hostB', uri: 'qemu+tcp://127.0.0.3/system' };
const VM = 'probe1';
const NO_JOB = 'Job type: 0\n\n';
const GONE = seen('domjobinfo on the source right after the domain migrated away');

/** A busy guest's job in its 4th pass, dirtying 5000 pages of 4 KiB per second. */
const BUSY_JOB = `${RUNNING_JOB}memory_dirty_rate: 5000\nmemory_page_size: 4096\n`.replace('memory_iteration: 3', 'memory_iteration: 4');

interface World {
  here: string | null;
  hereReason: string;
  there: string | null;
  thereReason: string;
  job: string;
  migrate: () => Reply | Promise<Reply>;
}

function setup(over: Partial<World> = {}) {
  const w: World = { here: 'running', hereReason: 'running (migrating)', there: null, thereReason: '', job: NO_JOB, migrate: () => ({}), ...over };
  const virsh = new ScriptedVirsh((host, args) => {
    const mine = host === 'hostA';
    switch (args[0]) {
      case 'domstate': {
        const state = mine ? w.here : w.there;
        if (state === null) return { stderr: GONE };
        return { stdout: `${args.includes('--reason') ? (mine ? w.hereReason : w.thereReason) : state}\n\n` };
      }
      case 'domjobinfo':
        if (!mine) return { stdout: COMPLETED_IN };
        return w.here === null ? { stderr: GONE } : { stdout: w.job };
      case 'migrate-setmaxdowntime':
      case 'migrate-postcopy':
        return {};
      case 'migrate':
        return w.migrate();
      default:
        return assert.fail(`unscripted: ${host}: ${args.join(' ')}`);
    }
  });
  const hyp = new VirshHypervisor({ hostName: 'hostA', uri: 'qemu+tcp://127.0.0.2/system', primaryMode: 'emulated', commandTimeoutMs: 1000, pollMs: 1, progressMs: 1, log: new RecordingLogger() }, virsh.connect);
  return { w, hyp, virsh };
}

function hooks(onProgress: (p: MigrationProgress, n: number) => void | Promise<void>) {
  let n = 0;
  return { signal: new AbortController().signal, onProgress: (p: MigrationProgress) => void onProgress(p, ++n) };
}

void describe('convergence controls through virsh', () => {
  void it('reads the pass and the dirty rate (pages × page size) once libvirt reports a rate', () => {
    assert.deepEqual(migrationOutProgress(parseJobInfo(BUSY_JOB)), {
      elapsedMs: 1139,
      dataTotalBytes: 268967936,
      dataProcessedBytes: 88769794,
      dataRemainingBytes: 0,
      dirtyRateBytesPerSecond: 5000 * 4096,
      iteration: 4,
    });
  });

  void it("post-copy 'on-request' allows the switch without making it; true keeps libvirt's automatic switch", () => {
    assert.deepEqual(migrateArgs('vm1', 'u', { postCopy: 'on-request' }).slice(5, -4), ['--postcopy']);
    assert.deepEqual(migrateArgs('vm1', 'u', { postCopy: true }).slice(5, -4), ['--postcopy', '--postcopy-after-precopy']);
    assert.deepEqual(migrateArgs('vm1', 'u', { postCopy: false }).slice(5, -4), []);
  });

  void it('the numbers set on a running job are whole, positive and nothing else', () => {
    assert.equal(virshArgumentsProblem(['migrate-setmaxdowntime', '--domain', VM, '--downtime', '95']), null);
    assert.equal(virshArgumentsProblem(['migrate', '--bandwidth', '20', '--domain', VM]), null);
    for (const bad of ['0', '-1', '1.5', '95 --connect x', '--help', '12345678']) {
      assert.match(virshArgumentsProblem(['migrate-setmaxdowntime', '--domain', VM, '--downtime', bad]) ?? '', /^--downtime ".*" is not a whole number of milliseconds/, bad);
    }
  });

  void it('raises the max downtime of the running job, and switches it to post-copy on request', async () => {
    const { hyp, virsh } = setup();
    await hyp.setMigrationMaxDowntime(VM, 94.6);
    await hyp.startPostcopy(VM);
    assert.deepEqual(virsh.trail(), [`hostA: migrate-setmaxdowntime --domain ${VM} --downtime 95`, `hostA: migrate-postcopy --domain ${VM}`]);
  });

  void it('after the switch, a job that ends with the VM still here is PostcopyFailed, naming libvirt\'s state on both hosts', async () => {
    const end = deferred<Reply>();
    const { w, hyp, virsh } = setup();
    w.migrate = () => ((w.job = BUSY_JOB), end.promise);
    const run = hyp.migrate(VM, target, { postCopy: 'on-request' }, hooks(async (_, n) => {
      if (n !== 2) return;
      await hyp.startPostcopy(VM);
      Object.assign(w, { here: 'paused', hereReason: 'paused (post-copy failed)', there: 'paused', thereReason: 'paused (post-copy failed)', job: NO_JOB });
      end.resolve({ stderr: 'error: operation failed: job \'migration out\' failed: Unable to write to socket: Broken pipe\n' });
    }));
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof PostcopyFailedError, String(err));
      assert.equal(err.retryable, false);
      assert.match(err.message, /^post-copy migration of probe1 from hostA to hostB failed after the switch \(.*Broken pipe.*\); it cannot go back to hostA\. libvirt says: hostA: paused \(post-copy failed\); hostB: paused \(post-copy failed\)\. Recover it by hand/);
      return true;
    });
    assert.deepEqual(virsh.trail(['migrate']), [`hostA: migrate --live --p2p --persistent --undefinesource --postcopy --domain ${VM} --desturi ${target.uri}`]);
  });

  void it('after the switch, a job that completes is an ordinary arrival', async () => {
    const end = deferred<Reply>();
    const { w, hyp, virsh } = setup();
    w.migrate = () => ((w.job = BUSY_JOB), end.promise);
    const result = await hyp.migrate(VM, target, { postCopy: 'on-request' }, hooks(async (_, n) => {
      if (n !== 2) return;
      await hyp.startPostcopy(VM);
      Object.assign(w, { here: null, there: 'running', job: NO_JOB });
      end.resolve({});
    }));
    assert.equal(result.alreadyThere, false);
    assert.equal(result.downtimeMs, 86);
    assert.deepEqual(virsh.trail(['migrate-postcopy']), [`hostA: migrate-postcopy --domain ${VM}`]);
  });
});
