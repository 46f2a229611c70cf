import { z } from 'zod';

/**
 * What the Temporal dev server is started with (temporal-dev.yml). Declared beside the server it configures
 * (dev-server.ts), so that config/ reads the file into it and temporal/ never reaches up into config/.
 */
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
