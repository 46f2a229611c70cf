import { z } from 'zod';
import { formatZodIssues } from '../config/zod-problems.js';
import { repairWorkflowId, vmNamePattern } from '../temporal/names.js';
import { quoted } from '../util/printable.js';
import { invalidInput } from './invalid-input.js';
import { hostNameSchema, queuePrefixSchema, vmNameSchema } from './migration-request.js';
import type { CheckedRepairRequest, RepairScanRequest } from './repair-types.js';

/** repairVm's input as any client may send it, checked inside the run (workflow code: zod only). */
export const repairRequestSchema = z
  .strictObject({
    vm: vmNameSchema.meta({ description: 'the libvirt domain to repair; the run must have workflow id repair/<vm>' }),
    host: hostNameSchema.meta({ description: 'the host it runs on (its worker polls <prefix>-host-<host>); a VF is booked and attached there' }),
    formerHost: hostNameSchema.nullable().default(null).meta({ description: 'the host it last left (its ledger is reconciled too); not the host' }),
    queuePrefix: queuePrefixSchema,
  })
  .meta({ id: 'RepairRequest', title: 'repairVm input' });

/** The request with its defaults, or the InvalidInput failure naming every problem (the run's id included). */
export function checkRepairRequest(raw: unknown, workflowId: string): CheckedRepairRequest {
  const parsed = repairRequestSchema.safeParse(raw);
  const problems = parsed.success ? [] : formatZodIssues(parsed.error.issues);
  const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof fields.host === 'string' && fields.host === fields.formerHost) {
    problems.push(`formerHost: must differ from the host (both are ${quoted(fields.host)}); leave it out when the VM did not move`);
  }
  if (typeof fields.vm === 'string' && vmNamePattern.test(fields.vm) && workflowId !== repairWorkflowId(fields.vm)) {
    const expected = repairWorkflowId(fields.vm);
    problems.push(`workflow id: ${quoted(workflowId)} is not "${expected}"; start the run with workflow id ${expected} (one repair per VM at a time)`);
  }
  if (!parsed.success || problems.length) throw invalidInput('invalid repairVm input', problems);
  return parsed.data;
}

export const repairScanRequestSchema = z
  .strictObject({ host: hostNameSchema, queuePrefix: queuePrefixSchema })
  .meta({ id: 'RepairScanRequest', title: 'findVmsToRepair input' });

export function checkRepairScanRequest(raw: unknown): Required<RepairScanRequest> {
  const parsed = repairScanRequestSchema.safeParse(raw);
  if (!parsed.success) throw invalidInput('invalid findVmsToRepair input', formatZodIssues(parsed.error.issues));
  return parsed.data;
}
