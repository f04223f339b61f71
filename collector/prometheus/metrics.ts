// /metrics: a view of the model, computed at scrape time from one snapshot, plus the collector's own counters.
// The registry is prom-client's type (collector/http.ts sets the content type and awaits metrics()), but the
// text is written by exposition.ts: see there why.
import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { ClusterModel } from '../model/model.js';
import type { Alert } from '../alerts/types.js';
import type { DeliveryStats } from '../alerts/notify/index.js';
import { Exposition, type FamilySpec } from './exposition.js';
import { INTERNAL_FAMILIES } from './families.js';
import { renderModel, type ModelScrape } from './model-metrics.js';
import type { LiveSlaFigures } from '../sla/live.js';

export interface CollectorMetrics {
  registry: Registry<RegistryContentType>;
  ingestBatches: Counter<'result'>;
  ingestSamples: Counter;
  commitSeconds: Histogram;
  queueDepth: Gauge;
}

interface Instrument {
  spec: FamilySpec;
  get(): Promise<{ values: { value: number; labels: Record<string, string | number | undefined>; metricName?: string }[] }>;
}

/** prom-client's registry type, rendering through exposition.ts: the model first, then the instruments. */
class ScrapeRegistry extends Registry<RegistryContentType> {
  constructor(
    private readonly scrape: () => ModelScrape,
    private readonly instruments: readonly Instrument[],
  ) {
    super();
  }

  override async metrics(): Promise<string> {
    // Read once at entry: http.ts sets the type per request just before calling this.
    const out = new Exposition(this.contentType === Registry.OPENMETRICS_CONTENT_TYPE);
    // One snapshot per scrape: every family below is computed from the same instant of the model.
    renderModel(out, this.scrape());
    for (const inst of this.instruments) {
      const f = out.family(inst.spec);
      for (const v of (await inst.get()).values) {
        const labels: Record<string, string | number> = {};
        for (const [k, x] of Object.entries(v.labels)) if (x !== undefined) labels[k] = x;
        f.setRaw(v.metricName ?? inst.spec.name, labels, v.value);
      }
    }
    return out.text();
  }
}

export const createMetrics = (
  model: ClusterModel,
  queueDepth: () => number,
  openAlerts: () => Alert[] = () => [],
  delivery: () => DeliveryStats | null = () => null,
  /** The current periods' SLA figures; the provider caches them, so a scrape does not recompute them. */
  availability: () => readonly LiveSlaFigures[] = () => [],
): CollectorMetrics => {
  const I = INTERNAL_FAMILIES;
  // registers: [] keeps prom-client's own renderer out of the way; ScrapeRegistry reads these directly.
  const ingestBatches = new Counter({ name: I.ingestBatches.name, help: I.ingestBatches.help, labelNames: ['result'], registers: [] });
  const ingestSamples = new Counter({ name: I.ingestSamples.name, help: I.ingestSamples.help, registers: [] });
  const commitSeconds = new Histogram({
    name: I.commitSeconds.name,
    help: I.commitSeconds.help,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [],
  });
  const depth = new Gauge({
    name: I.queueDepth.name,
    help: I.queueDepth.help,
    registers: [],
    collect() {
      this.set(queueDepth());
    },
  });
  const registry = new ScrapeRegistry(
    () => ({ snapshot: model.snapshot(), alerts: openAlerts(), delivery: delivery(), availability: availability() }),
    [
      { spec: I.ingestBatches, get: () => ingestBatches.get() },
      { spec: I.ingestSamples, get: () => ingestSamples.get() },
      { spec: I.commitSeconds, get: () => commitSeconds.get() },
      { spec: I.queueDepth, get: () => depth.get() },
    ],
  );
  return { registry, ingestBatches, ingestSamples, commitSeconds, queueDepth: depth };
};
