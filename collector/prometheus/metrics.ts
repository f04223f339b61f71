// /metrics: a view of the model, computed at scrape time, plus the collector's own counters.
import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { ClusterModel } from '../model/model.js';
import type { Alert } from '../alerts/types.js';
import type { DeliveryStats } from '../alerts/notify/index.js';

export interface CollectorMetrics {
  registry: Registry<RegistryContentType>;
  ingestBatches: Counter<'result'>;
  ingestSamples: Counter;
  commitSeconds: Histogram;
  queueDepth: Gauge;
}

export const createMetrics = (
  model: ClusterModel,
  queueDepth: () => number,
  openAlerts: () => Alert[] = () => [],
  delivery: () => DeliveryStats | null = () => null,
): CollectorMetrics => {
  const registry = new Registry<RegistryContentType>();

  // Notifier health: a page that cannot be delivered is itself an incident.
  new Gauge({
    name: 'hawatch_notifier_pending',
    help: 'Alert notifications waiting for delivery (durable), per notifier.',
    labelNames: ['notifier', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, n] of Object.entries(delivery()?.notifiers ?? {})) this.set({ notifier: name, kind: n.kind }, n.pending);
    },
  });
  new Gauge({
    name: 'hawatch_notifier_consecutive_failures',
    help: 'Failed delivery attempts in a row, per notifier (0 after a success).',
    labelNames: ['notifier', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, n] of Object.entries(delivery()?.notifiers ?? {})) this.set({ notifier: name, kind: n.kind }, n.consecutiveFailures);
    },
  });

  new Gauge({
    name: 'hawatch_alerts',
    help: 'Open alerts (pending: seen, not yet past the rule\'s for; firing: paging) by rule, severity and cluster.',
    labelNames: ['cluster', 'rule', 'severity', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of openAlerts()) this.inc({ cluster: a.cluster, rule: a.rule, severity: a.severity, status: a.status });
    },
  });

  new Gauge({
    name: 'hawatch_agent_up',
    help: '1 when the node\'s agent pushed within its staleness limit, 0 when it went silent (its data is then unknown).',
    labelNames: ['cluster', 'node'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of model.snapshot().clusters) for (const n of c.nodes) this.set({ cluster: c.name, node: n.name }, n.agentState === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hawatch_agent_last_push_timestamp_seconds',
    help: 'When the collector last stored a push from the node\'s agent.',
    labelNames: ['cluster', 'node'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of model.snapshot().clusters) for (const n of c.nodes) this.set({ cluster: c.name, node: n.name }, n.agent.lastSeenMs / 1000);
    },
  });
  new Gauge({
    name: 'hawatch_probe_success',
    help: '1 when the probe\'s last run on the node succeeded, 0 when its tool was absent, failed or timed out.',
    labelNames: ['cluster', 'node', 'probe'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of model.snapshot().clusters)
        for (const n of c.nodes) for (const p of Object.values(n.probes)) this.set({ cluster: c.name, node: n.name, probe: p.probe }, p.status === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hawatch_probe_duration_seconds',
    help: 'How long the probe\'s last run on the node took.',
    labelNames: ['cluster', 'node', 'probe'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of model.snapshot().clusters)
        for (const n of c.nodes) for (const p of Object.values(n.probes)) this.set({ cluster: c.name, node: n.name, probe: p.probe }, p.durationMs / 1000);
    },
  });
  new Gauge({
    name: 'hawatch_cluster_nodes',
    help: 'Nodes whose agents report to this collector, per cluster.',
    labelNames: ['cluster'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of model.snapshot().clusters) this.set({ cluster: c.name }, c.nodes.length);
    },
  });

  const ingestBatches = new Counter({
    name: 'hawatch_ingest_batches_total',
    help: 'Pushes received, by result: stored, duplicate (a replay, stored before), rejected (bad token, schema or size), failed (store error).',
    labelNames: ['result'],
    registers: [registry],
  });
  const ingestSamples = new Counter({ name: 'hawatch_ingest_samples_total', help: 'Samples committed to the store.', registers: [registry] });
  const commitSeconds = new Histogram({
    name: 'hawatch_store_commit_duration_seconds',
    help: 'Time to commit one group of pushes to SQLite.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const depth = new Gauge({
    name: 'hawatch_ingest_queue_depth',
    help: 'Pushes waiting for the next group commit.',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  return { registry, ingestBatches, ingestSamples, commitSeconds, queueDepth: depth };
};
