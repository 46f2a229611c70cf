import { asyncLocalStorage } from '@temporalio/activity';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../util/logger.js';

/**
 * The logger a real host's services (its libvirt adapter, its VF pool) write to: the running activity's,
 * whose lines carry the run and the activity they belong to, and outside any activity (a worker starting,
 * `vfmigrate ledger rebuild`) the Temporal Runtime's. Chosen at each line: the services outlive every
 * activity they serve.
 */
export const hostLogger: Logger = {
  debug: (message, meta) => current().debug(message, meta),
  info: (message, meta) => current().info(message, meta),
  warn: (message, meta) => current().warn(message, meta),
};

function current(): Logger {
  return asyncLocalStorage.getStore()?.log ?? Runtime.instance().logger;
}
