import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { formatZodIssues } from './zod-problems.js';

/** Reads a YAML file and validates it; every problem is reported, path first, in one InputError. */
export async function readYamlFile<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.output<S>> {
  const read = await readText(file, what);
  if (!read.ok) throw new InputError(read.problem);
  return parseYamlText(read.text, file, schema, what);
}

/** A file's text, or one line saying why it cannot be read ("no such file" rather than an errno). */
export async function readText(file: string, what: string): Promise<{ ok: true; text: string } | { ok: false; problem: string }> {
  try {
    return { ok: true, text: await readFile(file, 'utf8') };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { ok: false, problem: `${file}: cannot read the ${what}: ${reason}` };
  }
}

/**
 * Aliases a document may expand. None of vfmigrate's files needs many; a billion-laughs document (aliases
 * of aliases) would otherwise expand to gigabytes in the worker or CLI that reads it.
 */
const maxAliasCount = 100;

/** Parses YAML text; syntax errors come back one line each, with the line and column YAML gives. */
export function parseYaml(text: string): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) return { ok: false, problems: doc.errors.map((e) => `YAML syntax error${where(e.linePos?.[0])}: ${firstLine(e.message)}`) };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount }) };
  } catch (err) {
    // yaml throws a ReferenceError for excessive aliases and for an alias to an anchor it cannot resolve.
    if (!(err instanceof ReferenceError)) throw err;
    const reason = /excessive alias count/i.test(err.message) ? `its aliases expand past ${maxAliasCount} nodes (an alias bomb?); refused` : firstLine(err.message);
    return { ok: false, problems: [`YAML error: ${reason}`] };
  }
}

function where(pos: { line: number; col: number } | undefined): string {
  return pos ? ` at line ${pos.line}, column ${pos.col}` : '';
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S, what: string): z.output<S> {
  const yaml = parseYaml(text);
  if (!yaml.ok) throw new InputError(`${file} is not valid YAML`, yaml.problems);
  const parsed = schema.safeParse(yaml.value);
  if (!parsed.success) throw new InputError(`${file} is not a valid ${what}`, formatZodIssues(parsed.error.issues));
  return parsed.data;
}
