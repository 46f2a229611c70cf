import { loadTemporalDevConfig, type TemporalDevConfig } from '../config/temporal-dev.js';
import { temporalSettings, type TemporalSettings } from '../config/connection.js';

export async function loadSettings(): Promise<{ dev: TemporalDevConfig; settings: TemporalSettings }> {
  const dev = await loadTemporalDevConfig(process.env.VFMIGRATE_TEMPORAL_DEV_CONFIG);
  return { dev, settings: temporalSettings(dev) };
}
