import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { temporalCliPath } from '../../src/temporal/dev-server.js';
import { nodeTestArgs } from './node-test-args.js';

/**
 * The engine tests that also run against a real Temporal server on PostgreSQL with mTLS
 * (scripts/temporal-cluster.sh): the happy path, compensation (faults), cancel, host worker restarts
 * (one-run-per-vm) and evacuation (which restarts its control worker). The others test the dev server's
 * own set-up (cli-errors, temporal-cli) or packaging, which a cluster does not change.
 */
export const clusterEngineTests = ['happy-path', 'faults', 'cancel', 'one-run-per-vm', 'evacuation'];

export const clusterScript = (root: string): string => path.join(root, 'scripts/temporal-cluster.sh');

/** The TEMPORAL_* lines the cluster script writes for its clients (KEY=VALUE, one a line). */
export async function clusterClientEnv(root: string): Promise<Record<string, string>> {
  const text = await readFile(path.join(root, '.cache/temporal-cluster/client.env'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** This process's environment without any Temporal setting of the caller's: the suite's are the only ones. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(TEMPORAL_|VFMIGRATE_TEST_TEMPORAL_)/.test(e[0])),
  );
}

/**
 * Starts the cluster (unless it runs already), registers a namespace of this run's own with
 * `vfmigrate setup-namespace` (the workflow ids of earlier runs stay in PostgreSQL), runs `files` with only
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TLS_* set, then deletes the namespace and stops what it started.
 */
export async function runClusterSuite(root: string, files: string[]): Promise<number> {
  const script = clusterScript(root);
  const startedHere = (await execa(script, ['status'], { reject: false })).exitCode !== 0;
  const began = Date.now();
  await execa(script, ['start'], { stdio: 'inherit' });
  console.log(`Temporal cluster ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  const env: Record<string, string> = { ...cleanEnv(), ...(await clusterClientEnv(root)), TEMPORAL_NAMESPACE: `vfmigrate-test-${randomBytes(4).toString('hex')}` };
  try {
    const cli = path.join(root, 'lib/src/cli/main.js');
    const setup = await execa(process.execPath, [cli, 'setup-namespace'], { env, extendEnv: false, reject: false, all: true });
    console.log(setup.all);
    if (setup.exitCode !== 0) return 1;
    console.log(`running ${files.length} test files against the cluster ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE})`);
    const result = await execa(process.execPath, [...nodeTestArgs, ...files], { stdio: 'inherit', reject: false, env, extendEnv: false });
    return result.exitCode ?? 1;
  } finally {
    // Deleting a namespace is a background job of the server's; the run does not wait for it.
    await execa(temporalCliPath, ['operator', 'namespace', 'delete', '--yes'], { env, extendEnv: false, reject: false });
    if (startedHere) await execa(script, ['stop'], { stdio: 'inherit', reject: false });
  }
}
