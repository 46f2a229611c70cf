import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadTemporalDevConfig } from '../../src/config/temporal-dev.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';

/**
 * The real Temporal dev server the tests run against. `test/run.ts` starts one per test run and passes
 * its address down; a test file run on its own starts its own (same temporal-dev.yml, headless, in memory).
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
