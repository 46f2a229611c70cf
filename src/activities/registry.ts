import type { ActivityDefinition } from './define.js';
import { attachVf } from './attach-vf.js';
import { detachVf } from './detach-vf.js';
import { addFdbEntry, removeFdbEntry } from './fdb-entry.js';
import { migrate } from './migrate.js';
import { preflightDestination } from './preflight-destination.js';
import { preflightSource } from './preflight-source.js';
import { releaseVf } from './release-vf.js';
import { reserveMemory } from './reserve-memory.js';
import { reserveVf } from './reserve-vf.js';
import { setStandbyLink } from './set-standby-link.js';
import { clearVfMac, restoreVfMac } from './vf-mac.js';

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
  reserveMemory,
] as ActivityDefinition<unknown>[];

export const activityRegistry: ReadonlyMap<string, ActivityDefinition<unknown>> = new Map(activityDefinitions.map((a) => [a.name, a]));
