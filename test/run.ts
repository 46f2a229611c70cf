/**
 * The whole test suite against ONE real Temporal dev server (temporal-dev.yml, headless, in memory, free
 * ports), started here and handed to every test file through the environment.
 *   node lib/test/run.js              every suite: unit, engine, replay, e2e (e2e needs root: real libvirt hosts),
 *                                     then cluster
 *   node lib/test/run.js unit engine  only those suites
 *   VFMIGRATE_TEST_FILES=cancel,faults node lib/test/run.js engine   only those files of the suites
 *   node lib/test/run.js cluster      test/cluster and a named part of the engine suite against a real Temporal
 *                                     server on PostgreSQL with mTLS (scripts/temporal-cluster.sh), not the dev server
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { loadTemporalDevConfig } from '../src/config/temporal-dev.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { clusterEngineTests, runClusterSuite } from './support/cluster-suite.js';
import { nodeTestArgs } from './support/node-test-args.js';

const suites = ['unit', 'engine', 'replay', 'e2e', 'cluster'];
const root = path.resolve(import.meta.dirname, '../..');
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : suites;
const unknown = chosen.filter((s) => !suites.includes(s));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(', ')} (known: ${suites.join(', ')})`);
  process.exit(2);
}

function testFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? testFiles(path.join(dir, f)) : [path.join(dir, f)]))
      .filter((f) => f.endsWith('.test.js'))
      .sort();
  } catch {
    return [];
  }
}

// VFMIGRATE_TEST_FILES=happy,cancel runs only the chosen suites' files whose names contain one of those words.
const only = (process.env.VFMIGRATE_TEST_FILES ?? '').split(',').filter(Boolean);
const picked = (f: string): boolean => only.length === 0 || only.some((word) => path.basename(f).includes(word));
const files = chosen
  .filter((s) => s !== 'cluster')
  .flatMap((s) => testFiles(path.join(root, 'lib/test', s)))
  .filter(picked);
let exitCode = 0;
if (files.length) {
  await mkdir(path.join(root, '.cache'), { recursive: true });
  const logFile = path.join(root, '.cache/test-temporal.log');
  const config = await loadTemporalDevConfig();
  const server = await startDevServer(config, { headless: true, inMemory: true, freePorts: true, logFile });
  console.log(`Temporal dev server for this run: ${server.address} (namespace ${server.namespace}, log ${logFile})`);
  console.log(`running ${files.length} test files: ${chosen.filter((s) => s !== 'cluster').join(', ')}`);

  const result = await execa(process.execPath, [...nodeTestArgs, ...files], {
    stdio: 'inherit',
    reject: false,
    env: { VFMIGRATE_TEST_TEMPORAL_ADDRESS: server.address, VFMIGRATE_TEST_TEMPORAL_NAMESPACE: server.namespace },
  });
  await server.stop();
  exitCode = result.exitCode ?? 1;
}
if (chosen.includes('cluster')) {
  const clusterFiles = [
    ...clusterEngineTests.map((name) => path.join(root, 'lib/test/engine', `${name}.test.js`)),
    ...testFiles(path.join(root, 'lib/test/cluster')),
  ].filter(picked);
  const clusterExit = await runClusterSuite(root, clusterFiles);
  exitCode ||= clusterExit;
}
process.exit(exitCode);
