import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { InputError, VfmigrateError } from '../errors.js';
import { defaultPolicyFile, loadPolicy } from '../evacuation/policy.js';
import type { EvacuationRequest } from '../evacuation/evacuation-types.js';
import { controlQueue, evacuationWorkflowId, evacuationWorkflowType, hostNamePattern, hostQueue } from '../temporal/names.js';
import { EvacuatedHost, EvacuationState } from '../temporal/search-attributes.js';
import type { evacuateHost as evacuateHostWorkflow } from '../workflows/evacuate-host.js';
import { runLink } from './ui-link.js';
import { requireWorkers } from './worker-check.js';

export interface EvacuateOptions {
  host: string;
  /** Policy file; default policies/default.yaml. */
  policyFile?: string;
  /** Every host of the fleet (from the hosts file): the candidates when the policy includes none. */
  knownHosts: string[];
  namespace: string;
  queuePrefix: string;
  uiUrl?: string | null;
  /** Continue-as-new threshold in history events (default 5000). */
  historyLimit?: number;
  checkWorkers?: boolean;
}

export interface StartedEvacuation {
  workflowId: string;
  runId: string;
  uiLink: string | null;
  candidates: string[];
  handle: WorkflowHandle<typeof evacuateHostWorkflow>;
}

export class EvacuationAlreadyRunningError extends VfmigrateError {
  readonly type = 'EvacuationAlreadyRunning';
  readonly retryable = false;
}

/** Checks the policy and the fleet, then starts draining `host` (one evacuation per host at a time). */
export async function evacuateHost(client: Client, opts: EvacuateOptions): Promise<StartedEvacuation> {
  if (!hostNamePattern.test(opts.host)) throw new InputError(`"${opts.host}" is not a valid host name`);
  const loaded = await loadPolicy(opts.policyFile ?? defaultPolicyFile, opts.host);
  if (!loaded.ok) throw new InputError(`the policy ${loaded.file} is not valid`, loaded.problems);
  const { policy, plan } = loaded;
  const candidates = candidateHosts(opts.host, opts.knownHosts, policy.spec.destinations);
  if (opts.checkWorkers !== false) {
    await requireWorkers(client, opts.namespace, [
      { queue: controlQueue(opts.queuePrefix), kind: 'workflow', hint: 'start `vfmigrate worker --control`' },
      { queue: hostQueue(opts.queuePrefix, opts.host), kind: 'activity', hint: `is "${opts.host}" the right host name? start its worker` },
    ]);
  }
  const request: EvacuationRequest = {
    host: opts.host,
    policyName: policy.metadata.name,
    policy: policy.spec,
    plan: plan.resolved,
    candidates,
    queuePrefix: opts.queuePrefix,
    historyLimit: opts.historyLimit ?? 5000,
  };
  const workflowId = evacuationWorkflowId(opts.host);
  try {
    const handle = await client.workflow.start<typeof evacuateHostWorkflow>(evacuationWorkflowType, {
      taskQueue: controlQueue(opts.queuePrefix),
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [request],
      typedSearchAttributes: [
        { key: EvacuatedHost, value: opts.host },
        { key: EvacuationState, value: 'running' },
      ],
      memo: { policy: policy.metadata.name, policyFile: loaded.file, planName: plan.resolved.name, planHash: plan.resolved.hash },
      staticSummary: `evacuate ${opts.host}: policy ${policy.metadata.name} (${Math.min(policy.spec.maxParallel, policy.spec.maxOutgoingPerSource)} at a time, plan ${plan.resolved.name} v${plan.resolved.version})`,
      staticDetails: `Destinations: ${candidates.join(', ')}. Placement ${policy.spec.placement}, order ${policy.spec.order}, on failure ${policy.spec.onFailure}.`,
    });
    const runId = handle.firstExecutionRunId;
    return { workflowId, runId, candidates, uiLink: runLink(opts.uiUrl ?? null, opts.namespace, workflowId, runId), handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new EvacuationAlreadyRunningError(`${opts.host} is already being evacuated by ${workflowId}; follow it with \`vfmigrate status ${workflowId}\` or cancel it`);
    }
    throw err;
  }
}

function candidateHosts(host: string, known: string[], destinations: { include: string[]; exclude: string[] }): string[] {
  const unknown = destinations.include.filter((h) => !known.includes(h));
  if (unknown.length) {
    throw new InputError('the policy names hosts the fleet does not have', unknown.map((h) => `spec.destinations.include: "${h}" is not a known host (known: ${known.join(', ')})`));
  }
  const pool = destinations.include.length ? destinations.include : known;
  const candidates = pool.filter((h) => h !== host && !destinations.exclude.includes(h));
  if (!candidates.length) throw new InputError(`no destination is left for ${host}: the fleet is ${known.join(', ')}, and the policy excludes the rest`);
  return candidates;
}
