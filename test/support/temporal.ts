import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { connectClient, connectWorker, temporalSettings } from '../../src/config/connection.js';
import { loadTemporalDevConfig } from '../../src/config/temporal-dev.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';

/**
 * The real Temporal dev server the tests run against. `test/run.ts` starts one per test run and passes
 * its address down; a test file run on its own starts its own (same temporal-dev.yml, headless, in memory).
 * The cluster suite (test/support/cluster-suite.ts) sets only the variables an operator sets, TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE and TEMPORAL_TLS_*: then the tests connect the way vfmigrate does, through src/config.
 */
export interface TestTemporal {
  address: string;
  namespace: string;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function testTemporal(): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger((process.env.VFMIGRATE_TEST_LOG as 'INFO' | undefined) ?? 'ERROR') });
    runtimeInstalled = true;
  }
  if (!process.env.VFMIGRATE_TEST_TEMPORAL_ADDRESS && process.env.TEMPORAL_ADDRESS) return operatorTemporal();
  let server: DevServer | null = null;
  let address = process.env.VFMIGRATE_TEST_TEMPORAL_ADDRESS;
  let namespace = process.env.VFMIGRATE_TEST_TEMPORAL_NAMESPACE;
  if (!address || !namespace) {
    const config = await loadTemporalDevConfig();
    server = await startDevServer(config, { headless: true, inMemory: true, freePorts: true, logFile: '/dev/null' });
    address = server.address;
    namespace = server.namespace;
  }
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    address,
    namespace,
    client: new Client({ connection, namespace }),
    nativeConnection,
    async close() {
      await nativeConnection.close();
      await connection.close();
      await server?.stop();
    },
  };
}

/** Temporal as an operator configures it: src/config reads the TEMPORAL_* variables (TLS included). */
async function operatorTemporal(): Promise<TestTemporal> {
  const settings = temporalSettings(await loadTemporalDevConfig());
  const client = await connectClient(settings);
  const nativeConnection = await connectWorker(settings);
  return {
    address: settings.address,
    namespace: settings.namespace,
    client,
    nativeConnection,
    async close() {
      await nativeConnection.close();
      await client.connection.close();
    },
  };
}
