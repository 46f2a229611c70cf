import type { Command } from 'commander';
import { describeDeployment, promoteVersion } from '../../client/worker-deployment.js';
import { deploymentSetting } from '../../config/deployment-setting.js';
import { InputError } from '../../errors.js';
import { deploymentVersion } from '../../workers/deployment-version.js';
import { connectFromSettings } from '../context.js';
import { consoleOutput as io } from '../output.js';

function requiredDeployment(): string {
  const name = deploymentSetting();
  if (!name) throw new InputError('VFMIGRATE_DEPLOYMENT is not set: the control workers run unversioned; set it as in their environment file (docs/operations.md "Upgrade")');
  return name;
}

/** Makes this installation's version (or `buildId`) current: new runs and evacuations go to it, migrations stay pinned. */
export async function runPromote(opts: { buildId?: string }): Promise<number> {
  const name = requiredDeployment();
  const { settings, client } = await connectFromSettings();
  const version = opts.buildId ? { deploymentName: name, buildId: opts.buildId } : await deploymentVersion(name);
  const previous = await promoteVersion(client, settings.namespace, version, 10_000, 'vfmigrate deployment promote');
  io.out(
    previous === version.buildId
      ? `deployment ${name}: version ${version.buildId} was already current`
      : `deployment ${name}: version ${version.buildId} is current${previous ? ` (was ${previous}: its migrations finish there; stop its workers once \`vfmigrate deployment status\` shows it drained)` : ''}`,
  );
  return 0;
}

export async function runDeploymentStatus(): Promise<number> {
  const name = requiredDeployment();
  const { settings, client } = await connectFromSettings();
  const state = await describeDeployment(client, settings.namespace, name);
  if (!state) throw new InputError(`deployment ${name} is not known to namespace ${settings.namespace}: no control worker with VFMIGRATE_DEPLOYMENT=${name} has polled yet`);
  const ours = (await deploymentVersion(name)).buildId;
  io.out(`deployment ${name}: current ${state.current ?? '(none)'}; this installation is ${ours}`);
  for (const v of state.versions) io.out(`  ${v.buildId}  ${v.drainage ?? v.status}${v.createdAt ? `  created ${v.createdAt}` : ''}`);
  return 0;
}

export function registerDeploymentCommands(program: Command, exit: (code: number) => void): void {
  const deployment = program
    .command('deployment')
    .description('the control workers\' Worker Deployment (VFMIGRATE_DEPLOYMENT): which version runs new workflows, which still drain');
  deployment
    .command('promote')
    .description('make this installation\'s version current: new runs start on it and evacuations move to it; running migrations finish on their version')
    .option('--build-id <id>', 'promote this version instead (as `vfmigrate deployment status` lists it)')
    .action(async (opts: { buildId?: string }) => exit(await runPromote(opts)));
  deployment
    .command('status')
    .description('the current version and every version the server knows, with whether its pinned migrations have drained')
    .action(async () => exit(await runDeploymentStatus()));
}
