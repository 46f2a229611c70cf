import { z } from 'zod';
import { InputError } from '../errors.js';

export type LogFormat = 'text' | 'json';

const format = z.enum(['text', 'json']);

/** `--log-format`, else VFMIGRATE_LOG_FORMAT (a unit's environment file), else text. */
export function logFormatSetting(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): LogFormat {
  const [value, from] = flag !== undefined ? [flag, '--log-format'] : [env.VFMIGRATE_LOG_FORMAT, 'VFMIGRATE_LOG_FORMAT'];
  if (value === undefined || value === '') return 'text';
  const parsed = format.safeParse(value);
  if (!parsed.success) throw new InputError(`${from} ${JSON.stringify(value.slice(0, 40))} is not a log format: use text or json`);
  return parsed.data;
}
