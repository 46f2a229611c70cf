import { Command, CommanderError } from 'commander';
import { VfmigrateError } from '../errors.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommand } from './commands/dev.js';
import { registerEvacuationCommands } from './commands/evacuate.js';
import { registerLintCommand } from './commands/lint.js';
import { registerMigrateCommands } from './commands/migrate.js';
import { registerPlanCommands } from './commands/plan.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerWorkerCommand } from './commands/worker.js';

const exit = (code: number): void => {
  process.exitCode = code;
};

const program = new Command('vfmigrate')
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
registerSchemaCommand(program, exit);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof VfmigrateError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
