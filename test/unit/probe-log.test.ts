import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  blackout,
  parseProbeLine,
  parseProbeText,
  readProbeLog,
  teamsAt,
  topologyAt,
  type ProbeReport,
} from '../../src/testbed/probe-log.js';

// Real serial output of a testbed guest (TCG): boot, then hostA → hostB with the standby brought up before
// the primary is detached, then hostB → hostA in the source document's order (detach first, standby up after).
const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/serial/sample.log', import.meta.url));

const slaves = (t: { standby: unknown; primary: unknown }): string =>
  [t.standby ? 'standby' : '', t.primary ? 'primary' : ''].filter(Boolean).join(',') || 'none';

void describe('parseProbeLine', () => {
  void it('parses a report', () => {
    assert.deepEqual(
      parseProbeLine(
        'VFPROBE report n=10 t=17859 sent=94 recv=94 lost=0 late=0 maxgap_ms=105 total_sent=991 total_recv=990 total_lost=0\r',
      ),
      {
        kind: 'report', n: 10, t: 17859, sent: 94, recv: 94, lost: 0, late: 0, maxGapMs: 105,
        totalSent: 991, totalRecv: 990, totalLost: 0,
      },
    );
  });

  void it('parses topology lines, with and without a primary', () => {
    assert.deepEqual(
      parseProbeLine('VFPROBE netdevs t=7858 master=eth0 addr=10.0.2.15/24 slaves=standby,primary standby=eth1/down primary=eth2/up'),
      {
        kind: 'netdevs', t: 7858, master: 'eth0', addr: '10.0.2.15/24',
        standby: { ifname: 'eth1', operstate: 'down' }, primary: { ifname: 'eth2', operstate: 'up' },
      },
    );
    assert.deepEqual(parseProbeLine('VFPROBE netdevs t=5 master=none addr=none slaves=none standby=none primary=none'), {
      kind: 'netdevs', t: 5, master: null, addr: null, standby: null, primary: null,
    });
  });

  void it('ignores console lines that are not probe lines, finds a probe line after kernel noise', () => {
    assert.equal(parseProbeLine('[   23.250992] Virtual device eth0 asks to queue packet!'), null);
    assert.equal(parseProbeLine(''), null);
    assert.deepEqual(parseProbeLine('[   1.0] xyzVFPROBE ready t=7901 master=eth0 addr=10.0.2.15/24'), {
      kind: 'ready', t: 7901, master: 'eth0', addr: '10.0.2.15/24',
    });
  });

  void it('flags damaged probe lines (undefined) instead of inventing numbers', () => {
    // A kernel message written into the middle of a report.
    assert.equal(parseProbeLine('VFPROBE report n=3 t=10855 sent=100 re[ 9.1] oops\r'), undefined);
    assert.equal(parseProbeLine('VFPROBE report n=3 t=x sent=1'), undefined);
    assert.equal(parseProbeLine('VFPROBE netdevs t=1 master=eth0 addr=none standby=eth1'), undefined);
    assert.equal(parseProbeLine('VFPROBE frobnicate t=1'), undefined);
  });

  void it('keeps the fields of init/boot/start/error lines', () => {
    assert.deepEqual(parseProbeLine('VFPROBE error t=9970 msg=no-failover-master-yet netdevs=lo,'), {
      kind: 'error', t: 9970, fields: { msg: 'no-failover-master-yet', netdevs: 'lo,' },
    });
  });
});

void describe('the recorded sample', () => {
  let reports: ProbeReport[];
  let parsed: ReturnType<typeof parseProbeText>;
  before(async () => {
    parsed = await readProbeLog(SAMPLE);
    reports = parsed.reports;
  });

  void it('boots into a teamed guest: init, master found, probe started, three netdevs, ready', () => {
    assert.deepEqual(
      parsed.events.slice(0, 5).map((e) => e.kind),
      ['init', 'boot', 'start', 'netdevs', 'ready'],
    );
    const first = parsed.topology[0]!;
    assert.equal(first.master, 'eth0');
    assert.equal(first.addr, '10.0.2.15/24');
    assert.equal(slaves(first), 'standby,primary');
    assert.equal(first.standby?.operstate, 'down');
    assert.equal(first.primary?.operstate, 'up');
    assert.equal(parsed.malformed, 0);
  });

  void it('has one report a second with consistent cumulative counters', () => {
    assert.ok(reports.length >= 30);
    reports.forEach((r, i) => assert.equal(r.n, i + 1));
    let sent = 0;
    let lost = 0;
    for (const r of reports) {
      sent += r.sent;
      lost += r.lost;
      assert.equal(r.totalSent, sent);
      assert.equal(r.totalLost, lost);
    }
  });

  void it('shows the primary leaving and coming back twice, the address never changing', () => {
    const seq = parsed.topology.map(slaves);
    assert.deepEqual(seq, [
      'standby,primary', // boot
      'standby,primary', 'standby', // A: standby up, primary detached
      'standby,primary', 'standby,primary', 'standby,primary', 'standby,primary', // B: attached, link up
      'standby,primary', 'standby', 'standby', // B: detached, then standby up
      'standby,primary', 'standby,primary', 'standby,primary', 'standby,primary', // A: attached, link up
    ]);
    assert.ok(parsed.topology.every((t) => t.master === 'eth0' && t.addr === '10.0.2.15/24'));
    assert.equal(topologyAt(parsed.topology, 20000)?.primary, null);
    assert.equal(topologyAt(parsed.topology)?.primary?.operstate, 'up');
  });

  void it('measures the blackouts: short with the standby up first, long until the new primary has link', () => {
    const quiet = blackout(reports, { toT: 15900 });
    assert.ok(quiet.maxGapMs < 100, `steady state gap ${quiet.maxGapMs}`);
    assert.equal(quiet.lost, 0);

    // Standby up, detach, migrate (guest clock excludes the paused downtime).
    const sourceSide = blackout(reports, { fromT: 16000, toT: 20900 });
    assert.equal(sourceSide.maxGapMs, 127);
    assert.equal(sourceSide.lost, 0);
    assert.equal(sourceSide.missingReports, 0);

    // Primary attached on the destination: net_failover drops what arrives on the standby from then on,
    // until the new primary has carrier.
    const destination = blackout(reports, { fromT: 21000, toT: 25900 });
    assert.equal(destination.maxGapMs, 2527);
    assert.equal(destination.lost, 246);

    // Detach first, standby up after: the gap is an order of magnitude longer than standby-first.
    const detachFirst = blackout(reports, { fromT: 32000, toT: 33900 });
    assert.equal(detachFirst.maxGapMs, 1131);
    assert.ok(detachFirst.maxGapMs > 5 * sourceSide.maxGapMs);

    const all = blackout(reports);
    assert.equal(all.lost, reports.at(-1)!.totalLost);
    assert.equal(all.reports, reports.length);
    assert.equal(all.fromT, reports[0]!.t);
  });

  void it('counts reports missing from the sequence', () => {
    const some = reports.filter((r) => r.n !== 3 && r.n !== 4);
    assert.equal(blackout(some).missingReports, 2);
    assert.deepEqual(blackout([]), {
      maxGapMs: 0, lost: 0, late: 0, sent: 0, recv: 0, reports: 0, missingReports: 0, fromT: null, toT: null,
    });
  });
});

void describe('readProbeLog', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'probe-log-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  void it('reads the whole file to its end, then nothing more from there', async () => {
    const first = await readProbeLog(SAMPLE);
    assert.equal(first.nextOffset, (await stat(SAMPLE)).size);
    const again = await readProbeLog(SAMPLE, first.nextOffset);
    assert.deepEqual(again.events, []);
    assert.equal(again.nextOffset, first.nextOffset);
  });

  void it('returns only what follows the offset', async () => {
    const all = await readProbeLog(SAMPLE);
    const half = (await stat(SAMPLE)).size >> 1;
    const rest = await readProbeLog(SAMPLE, half);
    assert.ok(rest.events.length > 0 && rest.events.length < all.events.length);
    // Only the line cut by the offset can differ (damaged, or not a probe line any more).
    assert.ok(rest.malformed <= 1);
    assert.deepEqual(rest.events.slice(1), all.events.slice(all.events.length - rest.events.length + 1));
  });

  void it('leaves a line still being written for the next call', async () => {
    const file = join(dir, 'growing.log');
    const line1 = 'VFPROBE report n=1 t=1000 sent=100 recv=100 lost=0 late=0 maxgap_ms=15 total_sent=100 total_recv=100 total_lost=0\r\n';
    await writeFile(file, line1 + 'VFPROBE report n=2 t=2000 sent=10');
    const a = await readProbeLog(file);
    assert.equal(a.reports.length, 1);
    assert.equal(a.nextOffset, Buffer.byteLength(line1));
    await appendFile(file, '0 recv=100 lost=0 late=0 maxgap_ms=16 total_sent=200 total_recv=200 total_lost=0\r\n');
    const b = await readProbeLog(file, a.nextOffset);
    assert.deepEqual(b.reports.map((r) => [r.n, r.sent, r.maxGapMs]), [[2, 100, 16]]);
  });

  void it('reads a missing file as empty and starts over when the log was rotated', async () => {
    const missing = await readProbeLog(join(dir, 'nope.log'), 42);
    assert.deepEqual([missing.events, missing.nextOffset], [[], 42]);
    const file = join(dir, 'rotated.log');
    await writeFile(file, 'VFPROBE init t=3730 kernel=6.1.0-56-amd64\n');
    const r = await readProbeLog(file, 10_000);
    assert.equal(r.events[0]?.kind, 'init');
  });
});

void describe('team lines (a guest with two teamed pairs)', () => {
  void it('parses each master\'s slaves, refuses a damaged one, and keeps the latest per master', () => {
    const text = [
      'VFPROBE boot t=900 master=eth0 masters=eth0,eth2',
      'VFPROBE team t=1000 master=eth0 slaves=standby,primary',
      'VFPROBE team t=1000 master=eth2 slaves=standby,primary',
      'VFPROBE team t=5000 master=eth2 slaves=standby',
      'VFPROBE team t=5100 master=eth0 slaves=standby',
      'VFPROBE team t=9000 master=eth0 slaves=standby,primary',
      'VFPROBE team t=9100 master=eth2 slaves=both',
    ].join('\n');
    const parsed = parseProbeText(text);
    assert.equal(parsed.malformed, 1, 'slaves=both is not a slave list');
    const teams = teamsAt(parsed.events);
    assert.deepEqual([...teams.values()].map((l) => [l.master, l.t, l.standby, l.primary]), [
      ['eth0', 9000, true, true],
      ['eth2', 5000, true, false],
    ]);
    assert.deepEqual(parseProbeLine('VFPROBE team t=1 master=eth2 slaves=none'), { kind: 'team', t: 1, master: 'eth2', standby: false, primary: false });
  });
});
