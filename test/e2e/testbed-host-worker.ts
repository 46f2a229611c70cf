/**
 * `node lib/test/e2e/testbed-host-worker.js HOST FAULT_DIR`: one testbed host's worker as `vfmigrate worker
 * --host HOST --hosts testbed/hosts.yaml` runs it, in a process of its own so that the testbed fault matrix
 * can SIGKILL it, plus the fault file's interceptors (src/workers/model-fault-file.ts) so that a step fails or
 * pauses at its point. Test-only: no production worker reads a fault file. Temporal from TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE and VFMIGRATE_QUEUE_PREFIX, as the matrix's other workers.
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { isRunOpen } from '../../src/client/open-run.js';
import { testbedHostsFile } from '../../src/testbed/testbed-workers.js';
import { createHostWorker } from '../../src/workers/host-worker.js';
import { hostServicesFromConfig } from '../../src/workers/host-services-from-config.js';
import { modelFaultInterceptors } from '../../src/workers/model-fault-file.js';

const [host, faultDir] = process.argv.slice(2);
const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, VFMIGRATE_QUEUE_PREFIX: queuePrefix } = process.env;
if (!host || !faultDir || !address || !namespace || !queuePrefix) {
  console.error('usage: TEMPORAL_ADDRESS=… TEMPORAL_NAMESPACE=… VFMIGRATE_QUEUE_PREFIX=… node lib/test/e2e/testbed-host-worker.js HOST FAULT_DIR');
  process.exit(2);
}
Runtime.install({ logger: new DefaultLogger('WARN') });
// The matrix stops and starts libvirtd itself (scripts/testbed.sh): a host-down fault never reaches a real host's worker.
const noHostDown = {
  setHostDown: (): void => {
    throw new Error('host-down is a model fault: the testbed matrix stops libvirtd itself');
  },
};
const services = await hostServicesFromConfig(testbedHostsFile, host);
const connection = await NativeConnection.connect({ address });
// As `vfmigrate worker --host` does: bookings of VMs that left, their run over, are taken back at start and then (ledger-watch.ts).
const ledgerWatch = { everyMs: 5_000, isOpen: isRunOpen(new Client({ connection, namespace })) };
const worker = await createHostWorker({ connection, namespace, queuePrefix, host: services, shutdownGraceTime: '1s', activityInterceptors: modelFaultInterceptors(noHostDown, faultDir), ledgerWatch });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
const running = worker.run();
console.log(`workers polling ${address} namespace ${namespace}: ${worker.options.taskQueue}`);
await running;
await connection.close();
