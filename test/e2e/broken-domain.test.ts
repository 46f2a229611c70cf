/**
 * A domain with a teaming error (the source document's trap: no <teaming> on the standby, so the guest
 * has no failover master) is refused by preflight, on real libvirt, with nothing changed on any host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { migrationReport } from '../../src/client/migration-result.js';
import { startMigration } from '../../src/client/start-migration.js';
import { runVirsh, withXmlFile } from '../../src/hypervisor/virsh-command.js';
import { lintLiveDomain } from '../../src/cli/commands/lint.js';
import { guestXml, hostUri, removeGuest, testbedUp } from '../../src/testbed/testbed.js';
import { testbedHostsFile, type TestbedWorkers } from '../../src/testbed/testbed-workers.js';
import { testTemporal, type TestTemporal } from '../support/temporal.js';
import { startWorkers } from './support.js';

const VM = `broken-${process.pid}`;
const readOps = new Set(['describeVm', 'migrationJob', 'vfHolders', 'listVms', 'freeMemoryMiB']);

/** The testbed guest without `<teaming type='persistent'/>` on its standby. */
function withoutStandbyTeaming(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const teaming = Array.from(doc.getElementsByTagName('teaming')).find((t) => t.getAttribute('type') === 'persistent');
  assert.ok(teaming, 'the template has a persistent teaming element to remove');
  teaming.parentNode?.removeChild(teaming);
  return new XMLSerializer().serializeToString(doc);
}

void describe('a broken domain is refused by preflight (real libvirt)', () => {
  let temporal: TestTemporal;
  let workers: TestbedWorkers & { queuePrefix: string };

  before(async () => {
    await testbedUp();
    temporal = await testTemporal();
    workers = await startWorkers(temporal);
    const xml = withoutStandbyTeaming(await guestXml(VM, { host: 'hostA' }));
    await withXmlFile(xml, (file) => runVirsh(hostUri('hostA'), ['create', file], { host: 'hostA', timeoutMs: 30_000 }));
  });
  after(async () => {
    await workers?.stop();
    await removeGuest(VM);
    await temporal?.close();
  });

  void it('vfmigrate lint on the live domain reports the error', async () => {
    const lines: string[] = [];
    const code = await lintLiveDomain({ host: 'hostA', hosts: testbedHostsFile, vm: VM }, (l) => lines.push(l));
    assert.equal(code, 1);
    assert.ok(lines.some((l) => l.startsWith('ERROR no-standby ')), lines.join('\n'));
  });

  void it('the migration is refused at preflight and nothing changes on either host', async () => {
    const before = await runVirsh(hostUri('hostA'), ['dumpxml', VM], { host: 'hostA', timeoutMs: 20_000 });
    workers.calls.length = 0;
    const run = await startMigration(temporal.client, { vm: VM, from: 'hostA', to: 'hostB', namespace: temporal.namespace, queuePrefix: workers.queuePrefix });
    const report = await migrationReport(run.handle);
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.failedStep?.id, 'preflight-source');
    assert.equal(report.failedStep?.error.type, 'PreflightFailed');
    assert.match(report.failedStep?.error.message ?? '', /is not safely teamed; nothing was changed:\nERROR no-standby /);
    assert.deepEqual(workers.calls.filter((c) => !readOps.has(c.op)), [], 'only reads reached the hosts');
    assert.equal(await runVirsh(hostUri('hostA'), ['dumpxml', VM], { host: 'hostA', timeoutMs: 20_000 }), before, 'the live domain is unchanged');
  });
});
