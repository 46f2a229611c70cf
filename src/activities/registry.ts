import type { ActivityDefinition } from './define.js';
import { addFdbEntry } from './add-fdb-entry.js';
import { attachVf } from './attach-vf.js';
import { clearVfMac } from './clear-vf-mac.js';
import { detachVf } from './detach-vf.js';
import { migrate } from './migrate.js';
import { preflightDestination } from './preflight-destination.js';
import { preflightSource } from './preflight-source.js';
import { releaseVf } from './release-vf.js';
import { removeFdbEntry } from './remove-fdb-entry.js';
import { reserveVf } from './reserve-vf.js';
import { restoreVfMac } from './restore-vf-mac.js';
import { setStandbyLink } from './set-standby-link.js';

/** Every activity a plan may name. Plans are validated against this, and host workers register it. */
export const activityDefinitions: readonly ActivityDefinition<unknown>[] = [
  preflightSource,
  preflightDestination,
  reserveVf,
  releaseVf,
  setStandbyLink,
  detachVf,
  attachVf,
  clearVfMac,
  restoreVfMac,
  addFdbEntry,
  removeFdbEntry,
  migrate,
] as ActivityDefinition<unknown>[];

export const activityRegistry: ReadonlyMap<string, ActivityDefinition<unknown>> = new Map(activityDefinitions.map((a) => [a.name, a]));
