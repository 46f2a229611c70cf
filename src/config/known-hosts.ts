import { z } from 'zod';
import { hostsFileSchema } from './hosts.js';
import { modelFleetSchema } from './model-fleet.js';
import { readYamlFile } from './yaml-file.js';

/** Host names from a hosts file (kind Hosts) or a model fleet (kind ModelFleet): the fleet an evacuation may use. */
export async function knownHostNames(file: string): Promise<string[]> {
  const config = await readYamlFile(file, z.union([hostsFileSchema, modelFleetSchema]), 'hosts file (kind Hosts or ModelFleet)');
  return config.spec.hosts.map((h) => h.name);
}
