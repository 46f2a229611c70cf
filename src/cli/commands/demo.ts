import path from 'node:path';
import type { Command } from 'commander';
import { Connection } from '@temporalio/client';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { connectClient, connectWorker } from '../../config/connection.js';
import { startDevServer } from '../../temporal/dev-server.js';
import { measureMigration, type MeasuredMigration } from '../../testbed/measured-migration.js';
import { guestHost, removeGuest, startGuest, testbedStatus, testbedUp, testbedDown, waitForProbeReady, REPO_ROOT, type TestbedHost } from '../../testbed/testbed.js';
import { startTestbedWorkers } from '../../testbed/testbed-workers.js';
import type { MigrationProgress } from '../../workflows/migration-types.js';
import { loadSettings } from '../context.js';
import { consoleOutput as io, outcomeLine, printLines, uiLinkLines } from '../output.js';
import { progressChanges } from '../progress-lines.js';

interface DemoOptions {
  exit?: boolean;
  guest: string;
}

/**
 * Warnings and errors only, less the one every host worker gives by design (it runs activities, no
 * workflows): the demo's screen is for the migrations.
 */
function demoLogger(): DefaultLogger {
  const print = new DefaultLogger('WARN');
  return new DefaultLogger('WARN', (entry) => {
    if (!entry.message.startsWith('No workflows registered')) print.log(entry.level, entry.message, entry.meta);
  });
}

/**
 * The README's first command: Temporal with its UI, two real libvirt hosts, a teamed guest, and live
 * migrations hostA → hostB → hostA with the default plan, each phase printed as it happens, with the
 * blackout the guest saw. Tears down what it started (and only that).
 */
export async function runDemo(opts: DemoOptions): Promise<number> {
  // The demo stops its workers itself on Ctrl-C (teardown); the Runtime must not race it to them.
  Runtime.install({ logger: demoLogger(), shutdownSignals: [] });
  const teardown: [string, () => Promise<void>][] = [];
  let failed = false;
  try {
    const { dev, settings } = await loadSettings();
    if (!(await answers(settings.address))) {
      step(`starting the Temporal dev server (${settings.address}, UI port ${dev.uiPort})`);
      const server = await startDevServer(dev, { logFile: path.join(REPO_ROOT, '.cache', 'demo-temporal.log') });
      teardown.push(['Temporal dev server', () => server.stop()]);
    } else {
      step(`using the Temporal server already at ${settings.address}`);
    }
    io.out(`Temporal Web UI: ${settings.uiUrl ?? '(set VFMIGRATE_UI_URL)'}/namespaces/${settings.namespace}/workflows`);

    const hosts = await testbedStatus().catch(() => []);
    if (hosts.length < 2 || !hosts.every((h) => h.up)) {
      step('starting the two libvirt hosts (hostA 127.0.0.2, hostB 127.0.0.3)');
      await testbedUp();
      teardown.push(['testbed', () => testbedDown()]);
    }

    const connection = await connectWorker(settings);
    const workers = await startTestbedWorkers(connection, settings.namespace, settings.queuePrefix);
    teardown.push(['workers', async () => {
      await workers.stop();
      await connection.close();
    }]);
    step('workers polling: control, hostA, hostB');

    let from = await guestHost(opts.guest);
    if (!from) {
      step(`booting guest ${opts.guest} on hostA (virtio standby + e1000e primary teamed by net_failover; ~15 s under TCG)`);
      await startGuest(opts.guest, { host: 'hostA' });
      teardown.push([`guest ${opts.guest}`, () => removeGuest(opts.guest)]);
      from = 'hostA';
    }
    const ready = await waitForProbeReady(opts.guest, 120_000);
    io.out(`guest ${opts.guest}: failover master ${ready.master} has ${ready.addr}; probing 10.0.2.2 every 10 ms`);

    const client = await connectClient(settings);
    const results: MeasuredMigration[] = [];
    for (const to of [other(from), from]) {
      const source = other(to);
      step(`live-migrating ${opts.guest}: ${source} → ${to} (plan sriov-live-migration)`);
      let prev: MigrationProgress | null = null;
      let linked = false;
      const measured = await measureMigration(
        client,
        { vm: opts.guest, from: source, to, namespace: settings.namespace, queuePrefix: settings.queuePrefix, uiUrl: settings.uiUrl },
        workers.calls,
        (p, run) => {
          if (!linked) printLines(io, uiLinkLines(run.uiLink), '  ');
          linked = true;
          printLines(io, progressChanges(prev, p), '  ');
          prev = p;
        },
      );
      io.out(`  ${outcomeLine(measured.report)}`);
      printBlackout(measured);
      // Fresh workers pay once for their first workflow task, bundle and libvirt connections.
      if (!results.length) io.out('  (the first run on fresh workers includes their one-time start-up: see the second for the steady state)');
      results.push(measured);
      if (measured.report.outcome !== 'migrated') {
        failed = true;
        break;
      }
    }
    if (!opts.exit && !failed) {
      io.out('');
      io.out(`The runs stay in the Temporal UI: ${settings.uiUrl}/namespaces/${settings.namespace}/workflows — Ctrl-C to stop and tear down.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return failed ? 1 : 0;
  } finally {
    for (const [what, stop] of teardown.reverse()) {
      await stop().catch((err: unknown) => io.err(`could not stop ${what}: ${String(err)}`));
    }
  }
}

function printBlackout(m: MeasuredMigration): void {
  const g = m.guest;
  const part = (name: string, b: { maxGapMs: number; lost: number } | null): string => (b ? `${name} ${b.maxGapMs} ms (${b.lost} lost)` : `${name} n/a`);
  io.out(`  guest saw: longest gap ${g.overall.maxGapMs} ms, ${g.overall.lost} of ${g.overall.sent} probes lost — ${part('failover to standby', g.failover)}, ${part('VF back', g.vfReturn)}`);
  io.out(
    `  libvirt downtime ${m.report.downtimeMs ?? '?'} ms; detach ${m.phases.detachMs} ms, migrate ${m.phases.migrateMs} ms, attach ${m.phases.attachMs} ms, total ${m.phases.totalMs} ms; ` +
      `orchestration overhead ${Math.round(m.overheadMs)} ms (${((100 * m.overheadMs) / m.phases.totalMs).toFixed(1)}%)`,
  );
}

function other(host: TestbedHost): TestbedHost {
  return host === 'hostA' ? 'hostB' : 'hostA';
}

function step(text: string): void {
  io.out(`\n== ${text}`);
}

async function answers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export function registerDemoCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('demo')
    .description('Temporal + two real libvirt hosts + a teamed guest: live-migrate it hostA → hostB → hostA (root)')
    .option('--exit', 'exit after the migrations instead of keeping the Web UI up until Ctrl-C')
    .option('--guest <name>', 'guest name', 'demo-vm')
    .action(async (opts: DemoOptions) => exit(await runDemo(opts)));
}
