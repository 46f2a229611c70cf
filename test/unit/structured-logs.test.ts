import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { logFormatSetting } from '../../src/config/log-format.js';
import { InputError } from '../../src/errors.js';
import { jsonLinesLogger, jsonLogLine } from '../../src/workers/json-log-line.js';
import { stepLog } from '../../src/workers/step-log.js';

const stepInput = (overrides: Record<string, unknown> = {}) => ({
  vm: 'vm-7',
  source: 'hostA',
  destination: 'hostB',
  role: 'destination',
  step: 'attach-vf',
  with: {},
  facts: {},
  workflowId: 'migrate/vm-7',
  ...overrides,
});

/** Runs `activity` on host `hostB`'s step log with the JSON-lines logger, and hands back the lines parsed. */
async function stepLines(input: unknown, activity: () => Promise<unknown>): Promise<{ lines: Record<string, unknown>[]; error: unknown }> {
  const raw: string[] = [];
  const env = new MockActivityEnvironment(
    { activityType: 'attachVf', attempt: 2, workflowExecution: { workflowId: 'migrate/vm-7', runId: 'run-1' } },
    { logger: jsonLinesLogger('INFO', (line) => void raw.push(line)), interceptors: [stepLog('hostB')] },
  );
  let error: unknown = null;
  await env.run(activity as (i: unknown) => Promise<unknown>, input).catch((err: unknown) => (error = err));
  for (const line of raw) assert.doesNotMatch(line, /\n/, 'one line per entry');
  return { lines: raw.map((l) => JSON.parse(l) as Record<string, unknown>), error };
}

void describe('structured logs (JSON lines)', () => {
  void it('a log entry is one JSON object: time, level, message, then its attributes; bigints and errors survive', () => {
    const line = jsonLogLine({
      level: 'WARN',
      message: 'Activity failed',
      timestampNanos: 1_795_000_000_123_000_000n,
      meta: { workflowId: 'migrate/vm-1', level: 'not me', bytes: 12n, error: ApplicationFailure.create({ type: 'NoFreeVf', message: 'hostB has no free VF' }) },
    });
    assert.deepEqual(JSON.parse(line), {
      time: '2026-11-18T11:06:40.123Z',
      level: 'WARN',
      message: 'Activity failed',
      workflowId: 'migrate/vm-1',
      bytes: '12',
      error: { type: 'NoFreeVf', message: 'hostB has no free VF' },
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.deepEqual(JSON.parse(jsonLogLine({ level: 'INFO', message: 'x', timestampNanos: 0n, meta: { cyclic } })), { time: '1970-01-01T00:00:00.000Z', level: 'INFO', message: 'x', unserialisable: ['cyclic'] });
  });

  void it('a step logs one line at its start and one at its end, with workflow id, VM, host, step, outcome and duration', async () => {
    const { lines, error } = await stepLines(stepInput(), async () => {
      await new Promise((r) => setTimeout(r, 30));
      return {};
    });
    assert.equal(error, null);
    const steps = lines.filter((l) => String(l.event).startsWith('step-'));
    assert.equal(steps.length, 2, JSON.stringify(lines));
    const [start, end] = steps as [Record<string, unknown>, Record<string, unknown>];
    for (const line of [start, end]) {
      assert.equal(line.level, 'INFO');
      assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(line.workflowId, 'migrate/vm-7');
      assert.equal(line.vm, 'vm-7');
      assert.equal(line.host, 'hostB');
      assert.equal(line.step, 'attach-vf');
      assert.equal(line.role, 'destination');
      assert.equal(line.activityType, 'attachVf');
      assert.equal(line.attempt, 2);
      assert.equal(line.taskToken, undefined, 'a task token completes the activity: it stays out of shipped logs');
    }
    assert.equal(start.message, 'step attach-vf started');
    assert.equal(start.event, 'step-started');
    assert.equal(start.outcome, undefined);
    assert.equal(end.message, 'step attach-vf completed');
    assert.equal(end.event, 'step-ended');
    assert.equal(end.outcome, 'completed');
    assert.ok(typeof end.durationMs === 'number' && end.durationMs >= 25 && end.durationMs < 5000, `durationMs ${String(end.durationMs)}`);
  });

  void it("a failed step's end line names the failure's type and message; the failure still reaches Temporal", async () => {
    const failure = ApplicationFailure.create({ type: 'NoFreeVf', message: 'hostB has no free VF', nonRetryable: true });
    const { lines, error } = await stepLines(stepInput({ step: 'reserve-vf' }), () => Promise.reject(failure));
    assert.equal(error, failure);
    const end = lines.find((l) => l.event === 'step-ended');
    assert.equal(end?.message, 'step reserve-vf failed');
    assert.equal(end?.outcome, 'failed');
    assert.deepEqual(end?.error, { type: 'NoFreeVf', message: 'hostB has no free VF' });
    assert.equal(typeof end?.durationMs, 'number');
  });

  void it('input the activity will refuse is never copied into a line, and the activity still runs (to refuse it)', async () => {
    let ran = 0;
    const { lines } = await stepLines(stepInput({ vm: 'vm-7\n{"level":"ERROR","message":"forged"}' }), () => Promise.resolve(ran++));
    assert.equal(ran, 1);
    assert.deepEqual(lines.filter((l) => String(l.event).startsWith('step-')), []);
    assert.ok(!lines.some((l) => l.message === 'forged'));
  });

  void it('the format: --log-format, else VFMIGRATE_LOG_FORMAT, else text; anything else is refused in one line', () => {
    assert.equal(logFormatSetting(undefined, {}), 'text');
    assert.equal(logFormatSetting(undefined, { VFMIGRATE_LOG_FORMAT: 'json' }), 'json');
    assert.equal(logFormatSetting('text', { VFMIGRATE_LOG_FORMAT: 'json' }), 'text');
    assert.equal(logFormatSetting('json', {}), 'json');
    assert.throws(() => logFormatSetting('yaml', {}), (err: unknown) => err instanceof InputError && err.message === '--log-format "yaml" is not a log format: use text or json');
    assert.throws(() => logFormatSetting(undefined, { VFMIGRATE_LOG_FORMAT: 'JSON' }), /^InputError: VFMIGRATE_LOG_FORMAT "JSON" is not a log format/);
  });
});
