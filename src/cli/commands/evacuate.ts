import type { Command } from 'commander';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { evacuateHost } from '../../client/evacuate-host.js';
import { evacuationReport, followEvacuation, queryEvacuation } from '../../client/evacuation-result.js';
import { connectClient } from '../../config/connection.js';
import { knownHostNames } from '../../config/known-hosts.js';
import { InputError } from '../../errors.js';
import type { EvacuationProgress, EvacuationReport, VmEntry } from '../../evacuation/evacuation-types.js';
import { defaultPolicyFile, loadPolicy } from '../../evacuation/policy.js';
import { pauseUpdate, resumeUpdate } from '../../workflows/definitions.js';
import { consoleOutput as io, loadSettings } from '../context.js';

const stateMarks: Record<VmEntry['state'], string> = {
  pending: ' ',
  waiting: '…',
  migrating: '▶',
  migrated: '✓',
  degraded: '!',
  failed: '✗',
  cancelled: '–',
  skipped: '↷',
  unplaceable: '∅',
};

export function evacuationLines(p: EvacuationProgress | EvacuationReport): string[] {
  const c = p.counts;
  const done = c.migrated + c.failed + c.degraded + c.skipped + c.unplaceable + c.cancelled;
  const total = p.vms.length;
  const width = 30;
  const filled = total ? Math.round((width * done) / total) : width;
  const eta = p.etaMs === null ? '' : `, ETA ${Math.round(p.etaMs / 1000)} s`;
  return [
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${p.state} — ${c.migrated} migrated, ${c.migrating} migrating, ${c.pending + c.waiting} waiting, ${c.failed} failed, ${c.degraded} degraded, ${c.skipped} skipped, ${c.unplaceable} unplaceable; ${Math.round(p.elapsedMs / 1000)} s${eta}`,
    ...p.unavailable.map((u) => `  unavailable: ${u.host}: ${u.reason}`),
  ];
}

function vmLine(v: VmEntry): string {
  return `  ${stateMarks[v.state]} ${v.vm} (${v.memoryMiB} MiB)${v.destination ? ` → ${v.destination}` : ''} ${v.state}${v.durationMs !== undefined ? ` ${v.durationMs} ms` : ''}${v.message && v.state !== 'migrated' ? `: ${v.message}` : ''}`;
}

/** Prints the bar whenever it changes, and each VM as it finishes (failures as they happen). */
function follow(handle: Parameters<typeof evacuationReport>[0]): Promise<EvacuationReport> {
  const printed = new Set<string>();
  let lastBar = '';
  return followEvacuation(handle, (p) => {
    for (const v of p.vms) {
      const key = `${v.vm}:${v.state}`;
      if (['migrated', 'failed', 'degraded', 'skipped', 'unplaceable', 'cancelled'].includes(v.state) && !printed.has(key)) {
        printed.add(key);
        io.out(vmLine(v));
      }
    }
    const bar = evacuationLines(p)[0] ?? '';
    if (bar.replace(/; \d+ s.*$/, '') !== lastBar.replace(/; \d+ s.*$/, '')) io.out(bar);
    lastBar = bar;
  });
}

export async function runEvacuate(host: string, opts: { policy?: string; hosts?: string; wait?: boolean }): Promise<number> {
  const hostsFile = opts.hosts ?? process.env.VFMIGRATE_HOSTS;
  if (!hostsFile) throw new InputError('say which fleet to use: --hosts FILE (a hosts file or a model fleet), or set VFMIGRATE_HOSTS');
  const { settings } = await loadSettings();
  const client = await connectClient(settings);
  const started = await evacuateHost(client, {
    host,
    ...(opts.policy ? { policyFile: opts.policy } : {}),
    knownHosts: await knownHostNames(hostsFile),
    namespace: settings.namespace,
    queuePrefix: settings.queuePrefix,
    uiUrl: settings.uiUrl,
  });
  io.out(`started ${started.workflowId} (run ${started.runId}); destinations: ${started.candidates.join(', ')}`);
  if (started.uiLink) io.out(`Temporal UI: ${started.uiLink}`);
  if (!opts.wait) return 0;
  const report = await follow(started.handle);
  io.out(`${report.outcome.toUpperCase()}: ${report.message}`);
  return report.outcome === 'completed' ? 0 : 1;
}

/** `vfmigrate status ID` for an evacuation: the bar and every VM, or the report once it has ended. */
export async function evacuationStatus(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  if ((await handle.describe()).status.name === 'RUNNING') {
    const p = await queryEvacuation(handle);
    [...evacuationLines(p), ...p.vms.map(vmLine)].forEach((l) => io.out(l));
    return;
  }
  const report = await evacuationReport(handle);
  [...evacuationLines(report), ...report.vms.map(vmLine), `${report.outcome.toUpperCase()}: ${report.message}`].forEach((l) => io.out(l));
}

async function control(workflowId: string, action: 'pause' | 'resume'): Promise<number> {
  const { settings } = await loadSettings();
  const client = await connectClient(settings);
  try {
    const p = await client.workflow.getHandle(workflowId).executeUpdate(action === 'pause' ? pauseUpdate : resumeUpdate);
    io.out(`${workflowId}: ${p.state}${action === 'pause' ? ' (migrations in flight finish; no new ones start)' : ''}`);
    return 0;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new InputError(`no running evacuation ${workflowId}`);
    throw err;
  }
}

export async function validatePolicyCommand(file: string, host: string | undefined): Promise<number> {
  const loaded = await loadPolicy(file, host);
  if (!loaded.ok) {
    io.out(`invalid: ${loaded.file}: ${loaded.problems.length} problem${loaded.problems.length > 1 ? 's' : ''}`);
    loaded.problems.forEach((p) => io.out(p));
    return 1;
  }
  const s = loaded.policy.spec;
  io.out(
    `ok: ${loaded.file}: policy ${loaded.policy.metadata.name}, plan ${loaded.plan.resolved.name} v${loaded.plan.resolved.version}, ` +
      `${Math.min(s.maxParallel, s.maxOutgoingPerSource)} at a time (max ${s.maxIncomingPerDestination} into a host), ${s.placement}, ${s.order}, on failure ${s.onFailure}`,
  );
  return 0;
}

export function registerEvacuationCommands(program: Command, exit: (code: number) => void): void {
  program
    .command('evacuate')
    .argument('<host>', 'the host to drain')
    .option('--policy <file>', `evacuation policy (default ${defaultPolicyFile})`)
    .option('--hosts <file>', 'the fleet: a hosts file or a model fleet (default $VFMIGRATE_HOSTS)')
    .option('--wait', 'follow it: a progress bar, counts, ETA, failures as they happen')
    .description('drain a host: live-migrate every running VM off it within the policy\'s limits')
    .action(async (host: string, opts: { policy?: string; hosts?: string; wait?: boolean }) => exit(await runEvacuate(host, opts)));
  for (const action of ['pause', 'resume'] as const) {
    program
      .command(action)
      .argument('<workflow-id>', 'e.g. evacuate/hostA')
      .description(action === 'pause' ? 'pause an evacuation: in-flight migrations finish, no new ones start' : 'resume a paused evacuation')
      .action(async (id: string) => exit(await control(id, action)));
  }
  const policy = program.command('policy').description('check evacuation policies');
  policy
    .command('validate')
    .argument('<file>', 'policy file')
    .option('--host <name>', 'the host it will drain (checks include/exclude do not name it)')
    .description('validate a policy: exit 0 with a summary, or exit 1 listing every problem, path first')
    .action(async (file: string, opts: { host?: string }) => exit(await validatePolicyCommand(file, opts.host)));
}
