import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { quoted } from '../util/printable.js';

/** The variable naming where a worker serves Prometheus metrics; `vfmigrate worker --metrics` overrides it. */
export const metricsAddressVariable = 'VFMIGRATE_METRICS_ADDRESS';

const example = 'e.g. 127.0.0.1:9464, [::1]:9464, or 0.0.0.0:9464 for every interface';

/**
 * IP:PORT only: the SDK's exporter binds a socket address and resolves no names, so a host name would
 * only fail later, inside the native runtime, with a message that does not say which setting was wrong.
 */
const addressSchema = z.string().transform((text, ctx) => {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const ip = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  const ipOk = match?.[1] !== undefined ? isIPv6(match[1]) : ip !== undefined && isIPv4(ip);
  if (!ipOk) {
    ctx.addIssue({ code: 'custom', message: `expected IP:PORT (${example}): an IP address, not a host name, and IPv6 in brackets` });
    return z.NEVER;
  }
  if (!(port >= 1 && port <= 65535)) {
    ctx.addIssue({ code: 'custom', message: `port ${match?.[3]} is not between 1 and 65535 (${example})` });
    return z.NEVER;
  }
  return text;
});

/**
 * Where this process serves its metrics: `--metrics`, else the variable, else nowhere (null: metrics are
 * off). A malformed value is refused before anything starts.
 */
export function metricsAddress(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const [source, value] = option !== undefined ? ['--metrics', option] : [metricsAddressVariable, env[metricsAddressVariable]];
  if (value === undefined || (source === metricsAddressVariable && value === '')) return null;
  const parsed = addressSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InputError(`${source} ${quoted(value)}: ${parsed.error.issues[0]?.message ?? 'not an address'}`);
}
