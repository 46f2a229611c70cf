import path from 'node:path';
import { temporalDevSchema, type TemporalDevConfig } from '../temporal/dev-server-config.js';
import { readYamlFile } from './yaml-file.js';

export const defaultTemporalDevFile = path.resolve(import.meta.dirname, '../../../temporal-dev.yml');

export async function loadTemporalDevConfig(file = defaultTemporalDevFile): Promise<TemporalDevConfig> {
  const config = await readYamlFile(file, temporalDevSchema, 'temporal-dev.yml');
  return { ...config, sqlitePath: config.sqliteFile ? path.resolve(path.dirname(file), config.sqliteFile) : null };
}
