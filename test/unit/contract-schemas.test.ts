import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { jsonSchema, schemaNames } from '../../src/cli/commands/schema.js';
import { InputError } from '../../src/errors.js';
import { activityRegistry } from '../../src/activities/registry.js';
import { loadPlan, planFileFor } from '../../src/plan/load.js';

/** The published JSON Schema, read back as a validator: what a client in another language would check against. */
const validator = (name: string) => z.fromJSONSchema(jsonSchema(name) as Parameters<typeof z.fromJSONSchema>[0]);

void describe('published JSON Schemas (vfmigrate schema)', () => {
  void it('every name is a draft 2020-12 schema', () => {
    assert.deepEqual(schemaNames, ['migrate-input', 'migrate-result', 'evacuate-input', 'evacuate-result', 'plan', 'resolved-plan']);
    for (const name of schemaNames) assert.equal((jsonSchema(name) as { $schema?: string }).$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  void it('an unknown name is one clear line', () => {
    assert.throws(() => jsonSchema('migrate'), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.message, 'no schema "migrate"; known: migrate-input, migrate-result, evacuate-input, evacuate-result, plan, resolved-plan');
      return true;
    });
  });

  void it('the shipped plans validate as documents and, resolved, as resolved plans', async () => {
    for (const name of ['sriov-live-migration', 'detach-first', 'plain-live-migration']) {
      const document: unknown = parse(readFileSync(planFileFor(name), 'utf8'));
      assert.equal(validator('plan').safeParse(document).success, true, name);
      const loaded = await loadPlan(name, activityRegistry);
      assert.ok(loaded.ok);
      assert.equal(validator('resolved-plan').safeParse(loaded.resolved).success, true, name);
    }
  });

  void it('migrate-input takes a plan in each of its three forms, no queuePrefix, and refuses from/to', async () => {
    const loaded = await loadPlan('detach-first', activityRegistry);
    assert.ok(loaded.ok);
    const input = validator('migrate-input');
    const base = { vm: 'vm-7', source: 'hostA', destination: 'hostB' };
    for (const plan of ['detach-first', parse(readFileSync(loaded.file, 'utf8')) as unknown, loaded.resolved]) {
      assert.equal(input.safeParse({ ...base, plan }).success, true);
    }
    assert.equal(input.safeParse({ vm: 'vm-7', from: 'hostA', to: 'hostB', plan: 'detach-first' }).success, false);
    assert.equal(input.safeParse({ ...base, vm: 7, plan: 'detach-first' }).success, false);
    assert.equal(input.safeParse({ ...base, plan: '../etc/passwd' }).success, false);
  });

  void it('evacuate-input: the policy spec may be empty (defaults), the candidates may not', () => {
    const input = validator('evacuate-input');
    const base = { host: 'hostA', policyName: 'default', policy: {}, plan: 'sriov-live-migration' };
    assert.equal(input.safeParse({ ...base, candidates: ['hostB'] }).success, true);
    assert.equal(input.safeParse({ ...base, candidates: [] }).success, false);
  });
});
