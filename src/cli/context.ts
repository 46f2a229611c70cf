import { loadTemporalDevConfig } from '../config/temporal-dev.js';
import type { TemporalDevConfig } from '../temporal/dev-server-config.js';
import { temporalSettings, type TemporalSettings } from '../config/connection.js';

/** Lines go through these so tests can capture what a command printed. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function loadSettings(): Promise<{ dev: TemporalDevConfig; settings: TemporalSettings }> {
  const dev = await loadTemporalDevConfig(process.env.VFMIGRATE_TEMPORAL_DEV_CONFIG);
  return { dev, settings: temporalSettings(dev) };
}
