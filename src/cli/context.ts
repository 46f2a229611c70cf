import type { Client } from '@temporalio/client';
import { loadTemporalDevConfig } from '../config/temporal-dev.js';
import type { TemporalDevConfig } from '../temporal/dev-server-config.js';
import { connectClient, temporalSettings, type TemporalSettings } from '../config/connection.js';

export async function loadSettings(): Promise<{ dev: TemporalDevConfig; settings: TemporalSettings }> {
  const dev = await loadTemporalDevConfig(process.env.VFMIGRATE_TEMPORAL_DEV_CONFIG);
  return { dev, settings: temporalSettings(dev) };
}

/** The settings and a client connected with them: what every command that starts or asks a run needs. */
export async function connectFromSettings(): Promise<{ settings: TemporalSettings; client: Client }> {
  const { settings } = await loadSettings();
  return { settings, client: await connectClient(settings) };
}
