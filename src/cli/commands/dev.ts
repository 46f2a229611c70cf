import type { Command } from 'commander';
import { startDevServer } from '../../temporal/dev-server.js';
import { loadSettings } from '../context.js';
import { consoleOutput } from '../output.js';

/** Starts the project's Temporal dev server (temporal-dev.yml) with its Web UI, until Ctrl-C. */
export async function runDevServer(): Promise<number> {
  const { dev } = await loadSettings();
  const server = await startDevServer(dev);
  consoleOutput.out(`Temporal dev server ${server.address} (namespace ${server.namespace}, ${dev.sqlitePath ?? 'in memory'})`);
  consoleOutput.out(`Temporal Web UI: ${server.uiUrl}/namespaces/${server.namespace}/workflows`);
  consoleOutput.out('Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
  return 0;
}

export function registerDevCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('dev')
    .description('start the Temporal dev server from temporal-dev.yml, with the Web UI')
    .action(async () => exit(await runDevServer()));
}
