/**
 * The whole test suite against ONE real Temporal dev server (temporal-dev.yml, headless, in memory, free
 * ports), started here and handed to every test file through the environment.
 *   node lib/test/run.js              every suite: unit, engine, replay, e2e (e2e needs root: real libvirt hosts)
 *   node lib/test/run.js unit engine  only those suites
 *   VFMIGRATE_TEST_FILES=cancel,faults node lib/test/run.js engine   only those files of the suites
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { loadTemporalDevConfig } from '../src/config/temporal-dev.js';
import { startDevServer } from '../src/temporal/dev-server.js';

const suites = ['unit', 'engine', 'replay', 'e2e'];
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
const files = chosen
  .flatMap((s) => testFiles(path.join(root, 'lib/test', s)))
  .filter((f) => only.length === 0 || only.some((word) => path.basename(f).includes(word)));
await mkdir(path.join(root, '.cache'), { recursive: true });
const logFile = path.join(root, '.cache/test-temporal.log');
const config = await loadTemporalDevConfig();
const server = await startDevServer(config, { headless: true, inMemory: true, freePorts: true, logFile });
console.log(`Temporal dev server for this run: ${server.address} (namespace ${server.namespace}, log ${logFile})`);
console.log(`running ${files.length} test files: ${chosen.join(', ')}`);

const result = await execa(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  reject: false,
  env: { VFMIGRATE_TEST_TEMPORAL_ADDRESS: server.address, VFMIGRATE_TEST_TEMPORAL_NAMESPACE: server.namespace },
});
await server.stop();
process.exit(result.exitCode ?? 1);
