import type { Command } from 'commander';
import { retentionDays, setupNamespace } from '../../client/namespace-setup.js';
import { connectClient } from '../../config/connection.js';
import { loadSettings } from '../context.js';
import { consoleOutput as io } from '../output.js';

/** On a Temporal cluster, what the dev server does at start: the namespace and the search attributes of temporal-dev.yml. */
export async function runSetupNamespace(): Promise<number> {
  const { dev, settings } = await loadSettings();
  const client = await connectClient(settings);
  try {
    const done = await setupNamespace(client, settings.namespace, dev.searchAttributes);
    io.out(`namespace ${settings.namespace}: ${done.namespaceCreated ? `registered (closed runs kept ${retentionDays} days)` : 'already registered'}`);
    if (done.added.length) io.out(`search attributes registered: ${done.added.join(', ')}`);
    if (done.present.length) io.out(`search attributes already registered: ${done.present.join(', ')}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

export function registerSetupNamespaceCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('setup-namespace')
    .description('register the namespace (TEMPORAL_NAMESPACE, default vfmigrate) and vfmigrate\'s search attributes on a Temporal cluster; safe to run again')
    .action(async () => exit(await runSetupNamespace()));
}
