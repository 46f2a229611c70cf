import { z } from 'zod';
import { hostRoles } from '../plan/schema.js';
import { hostNamePattern, vmNamePattern } from '../temporal/names.js';
import { factsSchema } from './facts.js';

/** What the interpreter workflow sends every activity. */
export const stepInputSchema = z.object({
  /** Checked again here: any Temporal client can start a workflow, and this worker runs as root. */
  vm: z.string().regex(vmNamePattern, { message: 'expected a VM name (letters, digits, . _ : + -)' }),
  source: z.string().regex(hostNamePattern, { message: 'expected a host name' }),
  destination: z.string().regex(hostNamePattern, { message: 'expected a host name' }),
  /** The role whose host runs this call (the step's `on`). */
  role: z.enum(hostRoles),
  step: z.string(),
  with: z.record(z.string(), z.unknown()),
  facts: factsSchema,
  workflowId: z.string(),
});

export type StepInput = z.infer<typeof stepInputSchema>;
