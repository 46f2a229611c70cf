import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { registerCancelCommand } from './commands/cancel.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDeploymentCommands } from './commands/deployment.js';
import { registerDevCommand } from './commands/dev.js';
import { registerEvacuateCommand } from './commands/evacuate.js';
import { registerLedgerCommands } from './commands/ledger.js';
import { registerLintCommand } from './commands/lint.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerPauseResumeCommands } from './commands/pause-resume.js';
import { registerPlanCommands } from './commands/plan.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerSetupNamespaceCommand } from './commands/setup-namespace.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerRepairCommand } from './commands/repair.js';
import { registerStatusCommand } from './commands/status.js';
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
registerMigrateCommand(program, exit);
registerStatusCommand(program, exit);
registerCancelCommand(program, exit);
registerDemoCommand(program, exit);
registerEvacuateCommand(program, exit);
registerPauseResumeCommands(program, exit);
registerPolicyCommands(program, exit);
registerLedgerCommands(program, exit);
registerSchemaCommand(program, exit);
registerRepairCommand(program, exit);
registerSetupNamespaceCommand(program, exit);
registerDeploymentCommands(program, exit);

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
