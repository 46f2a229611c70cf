import type { Command } from 'commander';
import { evacuateHost } from '../../client/evacuate-host.js';
import { evacuationReport, followEvacuation } from '../../client/evacuation-result.js';
import { knownHostNames } from '../../config/known-hosts.js';
import { InputError } from '../../errors.js';
import type { EvacuationReport } from '../../evacuation/evacuation-types.js';
import { defaultPolicyFile } from '../../evacuation/policy.js';
import { connectFromSettings } from '../context.js';
import { evacuationLines, vmLine } from '../evacuation-lines.js';
import { consoleOutput as io, outcomeLine, printLines, uiLinkLines } from '../output.js';

interface EvacuateOptions {
  policy?: string;
  hosts?: string;
  wait?: boolean;
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

export async function runEvacuate(host: string, opts: EvacuateOptions): Promise<number> {
  const hostsFile = opts.hosts ?? process.env.VFMIGRATE_HOSTS;
  if (!hostsFile) throw new InputError('say which fleet to use: --hosts FILE (a hosts file or a model fleet), or set VFMIGRATE_HOSTS');
  const { settings, client } = await connectFromSettings();
  const started = await evacuateHost(client, {
    host,
    ...(opts.policy ? { policyFile: opts.policy } : {}),
    knownHosts: await knownHostNames(hostsFile),
    namespace: settings.namespace,
    queuePrefix: settings.queuePrefix,
    uiUrl: settings.uiUrl,
  });
  io.out(`started ${started.workflowId} (run ${started.runId}); destinations: ${started.candidates.join(', ')}`);
  printLines(io, uiLinkLines(started.uiLink));
  if (!opts.wait) return 0;
  const report = await follow(started.handle);
  io.out(outcomeLine(report));
  return report.outcome === 'completed' ? 0 : 1;
}

export function registerEvacuateCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('evacuate')
    .argument('<host>', 'the host to drain')
    .option('--policy <file>', `evacuation policy (default ${defaultPolicyFile})`)
    .option('--hosts <file>', 'the fleet: a hosts file or a model fleet (default $VFMIGRATE_HOSTS)')
    .option('--wait', 'follow it: a progress bar, counts, ETA, failures as they happen')
    .description('drain a host: live-migrate every running VM off it within the policy\'s limits')
    .action(async (host: string, opts: EvacuateOptions) => exit(await runEvacuate(host, opts)));
}
