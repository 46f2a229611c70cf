import type { Command } from 'commander';
import type { MetricMeter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { Runtime, type Logger as RuntimeLogger, type Worker } from '@temporalio/worker';
import type { HostServices } from '../../activities/host-services.js';
import { isRunOpen } from '../../client/open-run.js';
import { startRepair } from '../../client/start-repair.js';
import { routeOnStartup } from '../../client/worker-deployment.js';
import { connectClient, connectWorker, type TemporalSettings } from '../../config/connection.js';
import { deploymentSetting } from '../../config/deployment-setting.js';
import { loadHostConfig, type HostConfig } from '../../config/hosts.js';
import { logFormatSetting } from '../../config/log-format.js';
import { metricsAddress, metricsAddressVariable } from '../../config/metrics-address.js';
import { InputError } from '../../errors.js';
import { createControlWorker } from '../../workers/control-worker.js';
import { deploymentVersion } from '../../workers/deployment-version.js';
import { hostLogger } from '../../workers/host-logger.js';
import { jsonLinesLogger } from '../../workers/json-log-line.js';
import { createHostWorker } from '../../workers/host-worker.js';
import { RepairWatch } from '../../workers/repair-watch.js';
import { hostServicesFromConfig } from '../../workers/host-services-from-config.js';
import { modelFleetHosts } from '../../workers/model-fleet-hosts.js';
import { installWorkerRuntime } from '../../workers/worker-runtime.js';
import { loadSettings } from '../context.js';
import { consoleOutput, counted, type Output } from '../output.js';

interface WorkerOptions {
  control?: boolean;
  host?: string;
  hosts?: string;
  model?: string;
  metrics?: string;
  logFormat?: string;
}

/**
 * Runs the requested workers in this process until SIGINT/SIGTERM, then drains them. `served`: where the
 * runtime serves metrics (installed with it), or null.
 */
export async function runWorkers(opts: WorkerOptions, served: string | null, io: Output = consoleOutput): Promise<number> {
  if (!opts.control && !opts.host && !opts.model) {
    throw new InputError('say which worker to run: --control, --host NAME --hosts FILE, or --model FILE (add --control to run it alongside)');
  }
  if (opts.host && opts.model) throw new InputError('--host and --model are exclusive: a model fleet runs all its hosts in one process');
  const { settings } = await loadSettings();
  const deploymentName = opts.control ? deploymentSetting() : null;
  // The host's own state before Temporal: a second worker for the host, or a ledger it cannot read, refuses at once.
  const host = opts.host ? await openHost(opts.host, opts.hosts, io) : null;
  const connection = await connectWorker(settings);
  const common = { connection, namespace: settings.namespace, queuePrefix: settings.queuePrefix };
  const metrics = served ? Runtime.instance().metricMeter : undefined;
  const workers: Worker[] = [];
  const deployment = deploymentName ? await deploymentVersion(deploymentName) : null;
  // Host workers take back bookings of VMs that left, once their run is over (ledger-watch.ts), and look for VMs to repair.
  const runs = new Client({ connection, namespace: settings.namespace });
  const isOpen = isRunOpen(runs);
  const repair = host && opts.hosts ? (await loadHostConfig(opts.hosts, host.name)).repair : null;
  if (opts.control) workers.push(await createControlWorker({ ...common, ...(deployment ? { deployment } : {}) }));
  if (host && repair) workers.push(await createHostWorker({ ...common, host, metrics, ledgerWatch: { everyMs: repair.scanEvery, isOpen } }));
  if (opts.model) {
    const { config, hosts, activityInterceptors } = await modelFleetHosts(opts.model);
    const ledgerWatch = { everyMs: config.spec.watchEvery, isOpen };
    for (const h of hosts) workers.push(await createHostWorker({ ...common, host: h, metrics, activityInterceptors, ledgerWatch }));
    io.out(`model fleet (NOT real hypervisors): ${config.spec.hosts.map((h) => `${h.name} [${h.vms.map((v) => v.name).join(', ')}]`).join(', ')}`);
  }
  if (served) io.out(`metrics: http://${served}/metrics`);
  io.out(`workers polling ${settings.address} namespace ${settings.namespace}: ${workers.map((w) => w.options.taskQueue).join(', ')}`);
  const watch = host && repair ? repairWatch(host, repair, runs, settings, metrics) : null;
  watch?.start();
  const running = Promise.all(workers.map((w) => w.run()));
  if (deployment) await reportRouting(settings, deployment, io);
  await running;
  await watch?.stop();
  await connection.close();
  return 0;
}

/** Once the control worker polls, the server knows its version: a first one becomes current (worker-deployment.ts). */
async function reportRouting(settings: TemporalSettings, version: { deploymentName: string; buildId: string }, io: Output): Promise<void> {
  const client = await connectClient(settings);
  try {
    io.out(await routeOnStartup(client, settings.namespace, version));
  } catch (err) {
    // The worker runs either way; routing is the operator's to fix, and this says what is wrong.
    io.err(`deployment ${version.deploymentName}: could not check version ${version.buildId}: ${(err as Error).message}`);
  } finally {
    await client.connection.close();
  }
}

/** In JSON-lines mode the worker's own lines are log entries too: nothing on stdout that is not JSON. */
function loggerOutput(logger: RuntimeLogger): Output {
  return {
    out: (line) => {
      logger.info(line);
    },
    err: (line) => {
      logger.warn(line);
    },
  };
}

/** The host's services, its ledger held by this process (createHostWorker keeps it until the worker ends). */
async function openHost(name: string, hostsFile: string | undefined, io: Output): Promise<HostServices> {
  if (!hostsFile) throw new InputError('--host needs --hosts FILE (the host config file that describes it)');
  const host = await hostServicesFromConfig(hostsFile, name);
  await host.vfs.open();
  // Fail fast and clearly when libvirt is not there, rather than on the first migration.
  const vms = await host.hypervisor.listVms();
  io.out(`${host.name}: libvirt answers (${counted(vms.length, 'domain')}), VFs: ${JSON.stringify(await host.vfs.status())}`);
  return host;
}

/** The host's look for VMs a run could not finish, as its host config's `repair` section sets it. */
function repairWatch(host: HostServices, repair: HostConfig['repair'], client: Client, settings: TemporalSettings, metrics: MetricMeter | undefined): RepairWatch {
  return new RepairWatch({
    host,
    everyMs: repair.scanEvery,
    autoRepair: repair.autoRepair,
    isOpen: isRunOpen(client),
    startRepair: async (vm) => (await startRepair(client, { vm, host: host.name, namespace: settings.namespace, queuePrefix: settings.queuePrefix, checkWorkers: false })).workflowId,
    log: hostLogger,
    ...(metrics ? { metrics } : {}),
  });
}

export function registerWorkerCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('worker')
    .description('run workers: the control worker (workflows), a host worker (that host\'s activities), or a model fleet')
    .option('--control', 'run the control worker (workflows) on the control queue')
    .option('--host <name>', "run this host's worker (its activities, on its own task queue)")
    .option('--hosts <file>', 'host config file (YAML) describing the host: libvirt URI, migration URI, VF pool, host networking')
    .option('--model <file>', 'run every host of a MODEL fleet file (in-memory hypervisors, for trying vfmigrate without libvirt)')
    .option('--metrics <ip:port>', `serve Prometheus metrics at http://IP:PORT/metrics (default: $${metricsAddressVariable}; unset: off)`)
    .option('--log-format <format>', 'text, or json: one JSON object per line, a line per step start and end (default: VFMIGRATE_LOG_FORMAT, else text)')
    .action(async (opts: WorkerOptions) => {
      const served = metricsAddress(opts.metrics);
      const json = logFormatSetting(opts.logFormat) === 'json';
      // In JSON mode the SDK core's own (Rust) lines come through the same logger instead of straight to stdout.
      const jsonLogging = { logger: jsonLinesLogger(), telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN' as const, other: 'WARN' as const } } } };
      installWorkerRuntime({ shutdownSignals: ['SIGINT', 'SIGTERM'], ...(json ? jsonLogging : {}) }, served);
      exit(await runWorkers(opts, served, json ? loggerOutput(Runtime.instance().logger) : consoleOutput));
      // Drained: an activity cut short by the shutdown may leave its migration's follower running (the job
      // itself is libvirt's, and the next attempt follows it). Waiting for it would hold the stop for as long
      // as the migration lasts, past any service manager's stop timeout.
      process.exit();
    });
}
