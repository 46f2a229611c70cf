import type { Client } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import proto from '@temporalio/proto';
import { InputError } from '../errors.js';

const { VersionDrainageStatus, WorkerDeploymentVersionStatus } = proto.temporal.api.enums.v1;
/** gRPC status codes (grpc-js is not a dependency of vfmigrate's own). */
const grpcStatus = { NOT_FOUND: 5, FAILED_PRECONDITION: 9 } as const;

/** One version of a Worker Deployment as the server sees it (`vfmigrate deployment status`). */
export interface VersionSummary {
  buildId: string;
  /** current, ramping, draining (pinned runs left), drained, inactive. */
  status: string;
  /** Only for a version that is neither current nor ramping: whether pinned runs still need its workers. */
  drainage: 'draining' | 'drained' | null;
  createdAt: string | null;
}

export interface DeploymentState {
  name: string;
  current: string | null;
  versions: VersionSummary[];
}

/** The deployment as the server sees it; null before any of its workers has polled. */
export async function describeDeployment(client: Client, namespace: string, name: string): Promise<DeploymentState | null> {
  let info;
  try {
    info = (await client.workflowService.describeWorkerDeployment({ namespace, deploymentName: name })).workerDeploymentInfo;
  } catch (err) {
    if (grpcCode(err) === grpcStatus.NOT_FOUND) return null;
    throw err;
  }
  return {
    name,
    current: info?.routingConfig?.currentDeploymentVersion?.buildId || null,
    versions: (info?.versionSummaries ?? []).map((v) => ({
      buildId: v.deploymentVersion?.buildId ?? '',
      status: enumName(WorkerDeploymentVersionStatus, v.status, 'WORKER_DEPLOYMENT_VERSION_STATUS_'),
      drainage: drainage(v.drainageStatus ?? v.drainageInfo?.status),
      createdAt: v.createTime?.seconds ? new Date(Number(v.createTime.seconds) * 1000).toISOString() : null,
    })),
  };
}

/** What a control worker starting as `ours` does about routing, given the deployment's current version. */
export type StartupRouting = 'make-current' | 'is-current' | 'wait-for-promote';

/**
 * A deployment with no current version has never been rolled out: its first worker makes itself current,
 * so a first install needs no extra step. After that, only an operator moves the deployment to another
 * version (`vfmigrate deployment promote`): a worker starting is not a decision to upgrade the fleet.
 */
export function startupRouting(current: string | null, ours: string): StartupRouting {
  if (current === null) return 'make-current';
  return current === ours ? 'is-current' : 'wait-for-promote';
}

/** Carries out `startupRouting` for a control worker that has just started polling; returns the line to print. */
export async function routeOnStartup(client: Client, namespace: string, version: WorkerDeploymentVersion): Promise<string> {
  const name = version.deploymentName;
  const current = (await describeDeployment(client, namespace, name))?.current ?? null;
  switch (startupRouting(current, version.buildId)) {
    case 'make-current':
      await promoteVersion(client, namespace, version, 60_000, 'vfmigrate worker (first version of the deployment)');
      return `deployment ${name}: version ${version.buildId} is current (the deployment's first)`;
    case 'is-current':
      return `deployment ${name}: version ${version.buildId} is current`;
    case 'wait-for-promote':
      return `deployment ${name}: version ${version.buildId} is running beside current version ${current}; new runs stay on ${current} until \`vfmigrate deployment promote\``;
  }
}

/**
 * Makes `version` the deployment's current version: new runs start on its workers, evacuations move to it,
 * pinned migrations stay where they are. The server knows a version only once one of its workers has
 * polled, so this waits up to `waitMs` for that. Returns the previous current build id.
 */
export async function promoteVersion(client: Client, namespace: string, version: WorkerDeploymentVersion, waitMs = 30_000, identity?: string): Promise<string | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const response = await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        ...(identity ? { identity } : {}),
      });
      return response.previousDeploymentVersion?.buildId || null;
    } catch (err) {
      const code = grpcCode(err);
      const notYet = code === grpcStatus.NOT_FOUND || code === grpcStatus.FAILED_PRECONDITION;
      if (!notYet) throw err;
      if (Date.now() >= deadline) {
        throw new InputError(
          `version ${version.buildId} of deployment ${version.deploymentName} is not known to Temporal (${(err as Error).message}); start a control worker of that version (VFMIGRATE_DEPLOYMENT=${version.deploymentName}) first`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function drainage(status: number | null | undefined): VersionSummary['drainage'] {
  if (status === VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING) return 'draining';
  if (status === VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED) return 'drained';
  return null;
}

function enumName(values: Record<string, string | number>, value: number | null | undefined, prefix: string): string {
  const name = values[value ?? 0];
  return typeof name === 'string' ? name.replace(prefix, '').toLowerCase() : 'unspecified';
}

function grpcCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
}
