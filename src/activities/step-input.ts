import { z } from 'zod';
import { hostRoles } from '../plan/schema.js';
import { factsSchema } from './facts.js';

/** What the interpreter workflow sends every activity. */
export const stepInputSchema = z.object({
  vm: z.string(),
  source: z.string(),
  destination: z.string(),
  /** The role whose host runs this call (the step's `on`). */
  role: z.enum(hostRoles),
  step: z.string(),
  with: z.record(z.string(), z.unknown()),
  facts: factsSchema,
  workflowId: z.string(),
});

export type StepInput = z.infer<typeof stepInputSchema>;
