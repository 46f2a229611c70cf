import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { formatZodIssues } from './zod-problems.js';

const port = z.int().min(1).max(65535);
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an identifier' });

export const temporalDevSchema = z.strictObject({
  ip: z.union([z.ipv4(), z.literal('localhost')]),
  grpcPort: port,
  uiPort: port,
  namespace: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, { message: 'expected a Temporal namespace name' }),
  sqliteFile: z.string(),
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the Temporal dev-server config ${file}: ${(err as Error).message}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new InputError(`${file} is not valid YAML`, doc.errors.map((e) => e.message));
  }
  const parsed = temporalDevSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new InputError(`${file} is not a valid temporal-dev.yml`, formatZodIssues(parsed.error.issues));
  }
  const sqlitePath = parsed.data.sqliteFile ? path.resolve(path.dirname(file), parsed.data.sqliteFile) : null;
  return { ...parsed.data, sqlitePath };
}
