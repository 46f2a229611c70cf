import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { formatZodIssues } from './zod-problems.js';

/** Reads a YAML file and validates it; every problem is reported, path first, in one InputError. */
export async function readYamlFile<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new InputError(`cannot read the ${what} ${file}: ${reason}`);
  }
  return parseYamlText(text, file, schema, what);
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S, what: string): z.output<S> {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    throw new InputError(
      `${file} is not valid YAML`,
      doc.errors.map((e) => `YAML syntax error${e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : ''}: ${e.message.split('\n')[0]}`),
    );
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) throw new InputError(`${file} is not a valid ${what}`, formatZodIssues(parsed.error.issues));
  return parsed.data as z.output<S>;
}
