import type { Command } from 'commander';
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { planDocumentSchema } from '../../plan/document-schema.js';
import { resolvedPlanSchema } from '../../plan/resolved-schema.js';
import { evacuationRequestSchema } from '../../workflows/evacuation-request.js';
import { migrationRequestSchema } from '../../workflows/migration-request.js';
import { evacuationReportSchema, migrationReportSchema } from '../../workflows/report-schemas.js';
import { consoleOutput, type Output } from '../output.js';

/** The contract a client in any language codes against (docs/api.md): inputs as accepted, results as sent. */
const schemas: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  'migrate-input': { schema: migrationRequestSchema, io: 'input' },
  'migrate-result': { schema: migrationReportSchema, io: 'output' },
  'evacuate-input': { schema: evacuationRequestSchema, io: 'input' },
  'evacuate-result': { schema: evacuationReportSchema, io: 'output' },
  plan: { schema: planDocumentSchema, io: 'input' },
  'resolved-plan': { schema: resolvedPlanSchema, io: 'input' },
};

export const schemaNames = Object.keys(schemas);

/** One JSON Schema (draft 2020-12) of the start contract. */
export function jsonSchema(name: string): object {
  const entry = schemas[name];
  if (!entry) throw new InputError(`no schema "${name}"; known: ${schemaNames.join(', ')}`);
  return z.toJSONSchema(entry.schema, { io: entry.io, target: 'draft-2020-12' });
}

export function schemaCommand(name: string, io: Output): number {
  io.out(JSON.stringify(jsonSchema(name), null, 2));
  return 0;
}

export function registerSchemaCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('schema')
    .argument('<name>', schemaNames.join(' | '))
    .description('print the JSON Schema of a workflow input or result, or of a plan (the start contract: docs/api.md)')
    .action((name: string) => exit(schemaCommand(name, consoleOutput)));
}
