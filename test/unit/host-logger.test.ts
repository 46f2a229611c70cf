import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { hostLogger } from '../../src/workers/host-logger.js';

void describe('hostLogger', () => {
  void it("writes to the running activity's logger inside an activity, to the Runtime's outside", async () => {
    const runtimeLines: LogEntry[] = [];
    Runtime.install({ logger: new DefaultLogger('DEBUG', (entry) => void runtimeLines.push(entry)) });
    const activityLines: string[] = [];
    const record = (level: string) => (message: string) => void activityLines.push(`${level} ${message}`);
    const logger = { log: () => undefined, trace: () => undefined, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const env = new MockActivityEnvironment({}, { logger });
    await env.run(async () => {
      hostLogger.info('inside: the device left, looking again', { vm: 'probe1' });
      // Still inside once the activity awaited something: the adapter logs after virsh answered.
      await new Promise((resolve) => setImmediate(resolve));
      hostLogger.warn('inside, later');
    });
    hostLogger.debug('outside: domains that went away are left out');
    assert.deepEqual(activityLines.filter((l) => !/ Activity (started|completed)$/.test(l)), ['info inside: the device left, looking again', 'warn inside, later']);
    assert.deepEqual(
      runtimeLines.filter((e) => e.message.startsWith('outside')).map((e) => [e.level, e.message]),
      [['DEBUG', 'outside: domains that went away are left out']],
    );
    assert.ok(!runtimeLines.some((e) => e.message.startsWith('inside')), 'activity lines go to the activity only');
  });
});
