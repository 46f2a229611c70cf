import { noopMetricMeter, type MetricGauge, type MetricMeter, type MetricTags } from '@temporalio/common';

/** A meter keeping the last value set on each gauge series, `name{label=value,…}`. */
export function recordingMeter(): { meter: MetricMeter; values: Map<string, number> } {
  const values = new Map<string, number>();
  const meter: MetricMeter = {
    createCounter: (name, unit, description) => noopMetricMeter.createCounter(name, unit, description),
    createHistogram: (name, valueType, unit, description) => noopMetricMeter.createHistogram(name, valueType, unit, description),
    createGauge(name: string): MetricGauge {
      const g: MetricGauge = {
        name,
        kind: 'gauge',
        valueType: 'int',
        set(value: number, tags: MetricTags = {}) {
          values.set(`${name}{${Object.entries(tags).map(([k, v]) => `${k}=${String(v)}`).join(',')}}`, value);
        },
        withTags: () => g,
      };
      return g;
    },
    withTags: () => meter,
  };
  return { meter, values };
}
