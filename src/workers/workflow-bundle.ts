import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.js', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | null = null;

/** Bundled once per process: webpack takes seconds, and tests start many workers. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  // webpack's own report (every asset and module) is no news on a normal run; its warnings and errors are.
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}
