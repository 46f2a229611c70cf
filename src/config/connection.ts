import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { defaultQueuePrefix } from '../temporal/names.js';
import type { TemporalDevConfig } from '../temporal/dev-server-config.js';
import { tlsRefusal } from './connection-failure.js';
import { formatZodIssues } from './zod-problems.js';

/**
 * Where vfmigrate finds Temporal. The defaults point at the project's dev server (temporal-dev.yml);
 * moving to a Temporal cluster or Temporal Cloud is only environment: address, namespace, TLS or an API key.
 * The variable names are the Temporal CLI's own, so one environment serves both.
 */
const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0']).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  VFMIGRATE_QUEUE_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected lower-case letters, digits and dashes' }).optional(),
  VFMIGRATE_UI_URL: z.url().optional(),
});

export interface TemporalSettings {
  address: string;
  namespace: string;
  apiKey: string | null;
  tls: TLSConfig | null;
  queuePrefix: string;
  /** Base URL of the Temporal Web UI, for links; null when unknown. */
  uiUrl: string | null;
}

export function temporalSettings(dev: TemporalDevConfig, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new InputError('bad Temporal settings in the environment', formatZodIssues(parsed.error.issues));
  const e = parsed.data;
  const problems = tlsProblems(e);
  if (problems.length) throw new InputError('bad Temporal settings in the environment', problems);
  const devAddress = `${dev.ip}:${dev.grpcPort}`;
  const address = e.TEMPORAL_ADDRESS ?? devAddress;
  const tlsOff = e.TEMPORAL_TLS === 'false' || e.TEMPORAL_TLS === '0';
  // Any TLS setting or an API key turns TLS on, like the Temporal CLI: a setting is never silently ignored.
  const tlsWanted = !tlsOff && (e.TEMPORAL_TLS !== undefined || tlsVariables.some((v) => e[v] !== undefined) || !!e.TEMPORAL_API_KEY);
  return {
    address,
    namespace: e.TEMPORAL_NAMESPACE ?? dev.namespace,
    apiKey: e.TEMPORAL_API_KEY ?? null,
    tls: tlsWanted ? tlsConfig(e) : null,
    queuePrefix: e.VFMIGRATE_QUEUE_PREFIX ?? defaultQueuePrefix,
    uiUrl: e.VFMIGRATE_UI_URL ?? (address === devAddress ? `http://${dev.ip}:${dev.uiPort}` : null),
  };
}

const tlsVariables = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME'] as const;

/** Settings that would connect with less security than they ask for: each is refused, not worked around. */
function tlsProblems(e: z.infer<typeof envSchema>): string[] {
  const problems: string[] = [];
  const cert = e.TEMPORAL_TLS_CLIENT_CERT_PATH !== undefined;
  const key = e.TEMPORAL_TLS_CLIENT_KEY_PATH !== undefined;
  if (cert !== key) {
    problems.push(
      `TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: ${cert ? 'the certificate is set without its key' : 'the key is set without its certificate'}; set both or neither`,
    );
  }
  if (e.TEMPORAL_TLS === 'false' || e.TEMPORAL_TLS === '0') {
    if (e.TEMPORAL_API_KEY) problems.push(`TEMPORAL_API_KEY is set with TEMPORAL_TLS=${e.TEMPORAL_TLS}: an API key is never sent without TLS; unset TEMPORAL_TLS or the key`);
    const set = tlsVariables.filter((v) => e[v] !== undefined);
    if (set.length) problems.push(`${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set with TEMPORAL_TLS=${e.TEMPORAL_TLS}, which turns TLS off; unset one or the other`);
  }
  return problems;
}

function tlsConfig(e: z.infer<typeof envSchema>): TLSConfig {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new InputError(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  return {
    ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH ? { serverRootCACertificate: read(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH, 'CA certificate') } : {}),
    ...(e.TEMPORAL_TLS_CLIENT_CERT_PATH && e.TEMPORAL_TLS_CLIENT_KEY_PATH
      ? { clientCertPair: { crt: read(e.TEMPORAL_TLS_CLIENT_CERT_PATH, 'client certificate'), key: read(e.TEMPORAL_TLS_CLIENT_KEY_PATH, 'client key') } }
      : {}),
  };
}

function connectionOptions(s: TemporalSettings): ConnectionOptions & { apiKey?: string } {
  return { address: s.address, ...(s.tls ? { tls: s.tls } : {}), ...(s.apiKey ? { apiKey: s.apiKey } : {}) };
}

export async function connectClient(s: TemporalSettings): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...connectionOptions(s), connectTimeout: 5000 });
    return new Client({ connection, namespace: s.namespace });
  } catch (err) {
    throw refusedOr(s, err, `cannot reach Temporal at ${s.address} (namespace ${s.namespace}): ${(err as Error).message}. Start it with \`vfmigrate dev\`, or set TEMPORAL_ADDRESS`);
  }
}

export async function connectWorker(s: TemporalSettings): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(s));
  } catch (err) {
    throw refusedOr(s, err, `cannot reach Temporal at ${s.address}: ${(err as Error).message}. Start it with \`vfmigrate dev\`, or set TEMPORAL_ADDRESS`);
  }
}

/** A TLS refusal names the certificate settings to fix; anything else is a server that cannot be reached. */
function refusedOr(s: TemporalSettings, err: unknown, unreachable: string): InputError {
  const refusal = s.tls ? tlsRefusal((err as Error).message, !!s.tls.clientCertPair) : null;
  return new InputError(refusal ? `no TLS connection to Temporal at ${s.address}: ${refusal}` : unreachable);
}
