import path from 'node:path';
import { z } from 'zod';
import { readYamlFile } from './yaml-file.js';

const port = z.int().min(1).max(65535);
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an identifier' });

export const temporalDevSchema = z.strictObject({
  ip: z.union([z.ipv4(), z.literal('localhost')]),
  grpcPort: port,
  uiPort: port,
  namespace: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, { message: 'expected a Temporal namespace name' }),
  sqliteFile: z.string(),
  /** Passed as `--sqlite-pragma NAME=VALUE` when the server keeps a file (in memory there is nothing to tune). */
  sqlitePragmas: z.record(z.string().regex(/^[a-z_]+$/, { message: 'expected a SQLite pragma name, e.g. journal_mode' }), z.union([z.string(), z.number()])).default({}),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']),
  searchAttributes: z.record(identifier, z.enum(['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'])),
  dynamicConfig: z.record(z.string().regex(/^[A-Za-z0-9_.]+$/), z.union([z.string(), z.number(), z.boolean()])),
});

export type TemporalDevConfig = z.infer<typeof temporalDevSchema> & {
  /** Absolute path of the SQLite file, or null for in memory. */
  sqlitePath: string | null;
};

export const defaultTemporalDevFile = path.resolve(import.meta.dirname, '../../../temporal-dev.yml');

export async function loadTemporalDevConfig(file = defaultTemporalDevFile): Promise<TemporalDevConfig> {
  const config = await readYamlFile(file, temporalDevSchema, 'temporal-dev.yml');
  return { ...config, sqlitePath: config.sqliteFile ? path.resolve(path.dirname(file), config.sqliteFile) : null };
}
