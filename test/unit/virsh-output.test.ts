import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migrateArgs } from '../../src/hypervisor/virsh-migrate-args.js';
import { migrationOutProgress, parseDomainReads, vmSummary, parseJobInfo, parseNodeMemStats, runState } from '../../src/hypervisor/virsh-output.js';
import { fdbArgs, vfMacArgs } from '../../src/network/ip-host-network.js';
import { COMPLETED_IN, NODEMEMSTATS, RUNNING_JOB } from '../support/libvirt-texts.js';

void describe('virsh output parsing', () => {
  void it('reads a running outgoing migration job as progress', () => {
    assert.deepEqual(migrationOutProgress(parseJobInfo(RUNNING_JOB)), {
      elapsedMs: 1139,
      dataTotalBytes: 268967936,
      dataProcessedBytes: 88769794,
      dataRemainingBytes: 0,
    });
  });

  void it('sees no migration job when there is none, or only an incoming or completed one', () => {
    assert.equal(migrationOutProgress(parseJobInfo('Job type: 0\n\n')), null);
    assert.equal(migrationOutProgress(parseJobInfo(COMPLETED_IN)), null);
    assert.equal(migrationOutProgress(parseJobInfo(RUNNING_JOB.replace('operation: 5', 'operation: 4'))), null);
  });

  void it('takes the downtime from the completed job', () => {
    const job = parseJobInfo(COMPLETED_IN);
    assert.equal(job.type, 3);
    assert.equal(job.values.downtime, 86);
    assert.equal(job.values.data_processed, 88769794);
  });

  void it('lists domains with state and memory from domstate + dumpxml pairs, by what the XML says', () => {
    const xml = (name: string) => `<domain type='kvm'>\n  <name>${name}</name>\n  <memory unit='KiB'>262144</memory>\n  <os><type machine='q35'>hvm</type></os>\n</domain>`;
    // A name holding line breaks and a forged entry stays one name: XML escapes what a line listing would not.
    const hostile = 'a&#10;running&#10;&#10;&lt;domain&gt;&lt;name&gt;victim&lt;/name&gt;&lt;/domain&gt;';
    const out = `shut off\n\n${xml('offvm')}\n\nrunning\n\n${xml('probe1')}\n\n` + `running\n\n` + `paused\n\n${xml(hostile)}\n\n`;
    assert.deepEqual(parseDomainReads(out).map(vmSummary), [
      { name: 'offvm', state: 'shutoff', memoryMiB: 256 },
      { name: 'probe1', state: 'running', memoryMiB: 256 },
      { name: 'a\nrunning\n\n<domain><name>victim</name></domain>', state: 'paused', memoryMiB: 256 },
    ]);
    assert.deepEqual(parseDomainReads(''), []);
  });

  void it('counts page cache and buffers as free memory', () => {
    assert.equal(parseNodeMemStats(NODEMEMSTATS), Math.floor((23077004 + 9828 + 1051668) / 1024));
    assert.throws(() => parseNodeMemStats('nonsense'), /unexpected nodememstats output/);
  });

  void it('maps domstate words to run states', () => {
    assert.deepEqual(['running\n\n', 'idle', 'paused', 'shut off', 'in shutdown', 'crashed'].map(runState), ['running', 'running', 'paused', 'shutoff', 'other', 'other']);
  });
});

void describe('command lines', () => {
  void it('migrates live, peer to peer, persistent, undefining the source', () => {
    assert.deepEqual(migrateArgs('vm1', 'qemu+tcp://127.0.0.3/system', {}), [
      'migrate', '--live', '--p2p', '--persistent', '--undefinesource', '--domain', 'vm1', '--desturi', 'qemu+tcp://127.0.0.3/system',
    ]);
    assert.deepEqual(migrateArgs('vm1', 'u', { bandwidthMiBps: 500, autoConverge: true, postCopy: true }).slice(5, -4), [
      '--bandwidth', '500', '--auto-converge', '--postcopy', '--postcopy-after-precopy',
    ]);
  });

  void it('builds ip and bridge argument arrays', () => {
    assert.deepEqual(vfMacArgs('ens1f0', 3, '00:00:00:00:00:00'), ['ip', 'link', 'set', 'dev', 'ens1f0', 'vf', '3', 'mac', '00:00:00:00:00:00']);
    assert.deepEqual(fdbArgs('replace', '52:54:00:aa:bb:cc', 'bond0'), ['bridge', 'fdb', 'replace', '52:54:00:aa:bb:cc', 'dev', 'bond0', 'master', 'static']);
    assert.deepEqual(fdbArgs('del', '52:54:00:aa:bb:cc', 'bond0'), ['bridge', 'fdb', 'del', '52:54:00:aa:bb:cc', 'dev', 'bond0', 'master']);
  });
});
