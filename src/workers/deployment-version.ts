import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { workflowBundle } from './workflow-bundle.js';

/**
 * The Worker Deployment version a control worker runs as: the package version, for the operator, and a
 * hash of the workflow bundle, for Temporal. The bundle is the code that has to replay a run's history,
 * so two installs with the same bundle are one version (whatever their path or the time they were built),
 * and any change to the workflows or to what they import (plans' resolved schema, the SDK) is a new one,
 * even when someone forgot to bump the package version. The bundle is built once per process anyway.
 */
export async function deploymentVersion(deploymentName: string): Promise<WorkerDeploymentVersion> {
  const [{ code }, version] = await Promise.all([workflowBundle(), packageVersion()]);
  return { deploymentName, buildId: `${version}-${createHash('sha256').update(code).digest('hex').slice(0, 12)}` };
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
