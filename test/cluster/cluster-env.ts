import path from 'node:path';

/**
 * What the cluster suite (`node lib/test/run.js cluster`) hands its test files: only the variables an
 * operator sets. The certificate folder is the one TEMPORAL_TLS_CLIENT_CERT_PATH points into.
 */
export function clusterEnv(): { env: Record<string, string>; certs: string; root: string } {
  const names = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'];
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) throw new Error(`${missing.join(', ')} not set: run this file through \`node lib/test/run.js cluster\``);
  const env = Object.fromEntries(names.map((n) => [n, process.env[n]!]));
  return { env, certs: path.dirname(env.TEMPORAL_TLS_CLIENT_CERT_PATH!), root: path.resolve(import.meta.dirname, '../../..') };
}
