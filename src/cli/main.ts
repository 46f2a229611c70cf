import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommand } from './commands/dev.js';
import { registerEvacuationCommands } from './commands/evacuate.js';
import { registerLedgerCommands } from './commands/ledger.js';
import { registerLintCommand } from './commands/lint.js';
import { registerMigrateCommands } from './commands/migrate.js';
import { registerPlanCommands } from './commands/plan.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerWorkerCommand } from './commands/worker.js';
import { errorReport } from './error-report.js';

const exit = (code: number): void => {
  process.exitCode = code;
};

// Read at run time, not compiled in: the version an operator sees is the one of the package installed.
const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('vfmigrate')
  .version(version)
  .description('Live-migrate KVM/libvirt VMs whose SR-IOV VF is teamed with a virtio standby (net_failover), on Temporal')
  .showHelpAfterError()
  .exitOverride();

registerPlanCommands(program, exit);
registerLintCommand(program, exit);
registerDevCommand(program, exit);
registerWorkerCommand(program, exit);
registerMigrateCommands(program, exit);
registerDemoCommand(program, exit);
registerEvacuationCommands(program, exit);
registerLedgerCommands(program, exit);
registerSchemaCommand(program, exit);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(errorReport(err));
    process.exitCode = 1;
  }
}
