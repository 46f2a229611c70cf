import { z } from 'zod';
import { InputError } from '../errors.js';
import { formatZodIssues } from './zod-problems.js';

/**
 * VFMIGRATE_DEPLOYMENT: the Worker Deployment the control workers belong to (docs/operations.md "Upgrade").
 * Unset, they run unversioned, as on the dev server: every rebuild would otherwise be a new version to
 * promote. Set, each control worker runs as this installation's version of it. Installations sharing a
 * namespace (different VFMIGRATE_QUEUE_PREFIX) need different names.
 */
const schema = z.object({
  VFMIGRATE_DEPLOYMENT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected lower-case letters, digits and dashes (at most 63), e.g. vfmigrate' })
    .optional(),
});

export function deploymentSetting(env: NodeJS.ProcessEnv = process.env): string | null {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new InputError('bad VFMIGRATE_DEPLOYMENT in the environment', formatZodIssues(parsed.error.issues));
  return parsed.data.VFMIGRATE_DEPLOYMENT ?? null;
}
