import { z } from 'zod';
import { activityStepSchema, planSchema } from './schema.js';

/**
 * A MigrationPlan document in full, steps and groups included, for the published JSON Schema and the run's
 * input contract. Plans are validated by validate.ts (which walks the steps itself so that every problem
 * names its own path); this schema only describes the same language to other tools.
 */
export const planStepSchema = z
  .union([
    activityStepSchema,
    z.strictObject({
      id: activityStepSchema.shape.id,
      get parallel() {
        return z.array(planStepSchema).min(1);
      },
    }),
  ])
  .meta({ id: 'PlanStep' });

export const planDocumentSchema = planSchema
  .extend({ spec: z.strictObject({ steps: z.array(planStepSchema).min(1) }) })
  .meta({ id: 'PlanDocument', description: 'A MigrationPlan as in plans/*.yaml, as JSON' });
