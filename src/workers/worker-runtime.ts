import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { InputError } from '../errors.js';
import { histogramBuckets } from '../telemetry/metrics.js';

/**
 * Installs the process's Temporal runtime; with `metricsAddress`, it serves Prometheus metrics there at
 * /metrics: the SDK's own (`temporal_…`, its default names) and vfmigrate's (src/telemetry/metrics.ts).
 * Once per process, before any worker or connection exists: the runtime cannot be replaced afterwards.
 */
export function installWorkerRuntime(options: RuntimeOptions, metricsAddress: string | null): Runtime {
  if (!metricsAddress) return Runtime.install(options);
  try {
    return Runtime.install({
      ...options,
      telemetryOptions: { ...options.telemetryOptions, metrics: { prometheus: { bindAddress: metricsAddress, histogramBucketOverrides: histogramBuckets() } } },
    });
  } catch (err) {
    // The exporter binds while the runtime starts: a port in use fails here, before anything polls.
    const reason = err instanceof Error ? err.message : String(err);
    throw new InputError(`cannot serve metrics on ${metricsAddress} (${reason}); choose another address with --metrics or VFMIGRATE_METRICS_ADDRESS`);
  }
}
