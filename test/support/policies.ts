import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { PolicySpec } from '../../src/evacuation/policy-schema.js';

/** Writes an EvacuationPolicy file (defaults from policies/default.yaml, overridden by `spec`). */
export async function policyFile(spec: Partial<PolicySpec> & Record<string, unknown> = {}, name = 'test'): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'vfm-policy-')), `${name}.yaml`);
  await writeFile(file, stringify({ apiVersion: 'vfmigrate/v1', kind: 'EvacuationPolicy', metadata: { name }, spec }));
  return file;
}
