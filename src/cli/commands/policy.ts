import type { Command } from 'commander';
import { loadPolicy } from '../../evacuation/policy.js';
import { consoleOutput as io, invalidLines, printLines } from '../output.js';

export async function validatePolicyCommand(file: string, host: string | undefined): Promise<number> {
  const loaded = await loadPolicy(file, host);
  if (!loaded.ok) {
    printLines(io, invalidLines(loaded.file, loaded.problems));
    return 1;
  }
  const s = loaded.policy.spec;
  io.out(
    `ok: ${loaded.file}: policy ${loaded.policy.metadata.name}, plan ${loaded.plan.resolved.name} v${loaded.plan.resolved.version}, ` +
      `${Math.min(s.maxParallel, s.maxOutgoingPerSource)} at a time (max ${s.maxIncomingPerDestination} into a host), ${s.placement}, ${s.order}, on failure ${s.onFailure}` +
      (s.planRules.length ? `, ${s.planRules.length} plan rule${s.planRules.length === 1 ? '' : 's'} (first match wins; otherwise the VM's shape chooses)` : ''),
  );
  return 0;
}

export function registerPolicyCommands(program: Command, exit: (code: number) => void): void {
  const policy = program.command('policy').description('check evacuation policies');
  policy
    .command('validate')
    .argument('<file>', 'policy file')
    .option('--host <name>', 'the host it will drain (checks include/exclude do not name it)')
    .description('validate a policy: exit 0 with a summary, or exit 1 listing every problem, path first')
    .action(async (file: string, opts: { host?: string }) => exit(await validatePolicyCommand(file, opts.host)));
}
