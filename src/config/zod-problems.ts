import type { z } from 'zod';

/** `a.b[2].c` from a zod issue path, prefixed with `prefix` (the path of the value that was parsed). */
export function formatPath(segments: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const seg of segments) {
    out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  }
  return out || '(top level)';
}

/** One line per problem, path first; unknown keys are reported one per key, at the key's own path. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key], prefix)}: unknown field "${key}"`);
    }
    return [`${formatPath(issue.path, prefix)}: ${describeIssue(issue)}`];
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod 4 leaves the input out of issues unless asked; its message still says what was received.
  if (issue.code === 'invalid_type') {
    return issue.message.endsWith('received undefined') ? `missing (expected ${issue.expected})` : issue.message.replace(/^Invalid input: /, '');
  }
  // A record's key failed its own schema: say why, not just that.
  if (issue.code === 'invalid_key') return `bad key: ${issue.issues.map(describeIssue).join('; ')}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}
