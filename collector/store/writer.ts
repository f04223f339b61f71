// Writing pushes into SQLite. One call = one transaction over many batches (group commit), because each
// commit rewrites a WAL page per touched series: big commits are what keep ingest fast (docs/npm-stack.md).
import type { ObjectState, Observation, PushAck, PushBatch, Sample } from '../../agent/protocol/index.js';
import type { Db } from './db.js';

export interface StoredTransition {
  cluster: string;
  node: string;
  probe: string;
  kind: string;
  object: string;
  from: string | null;
  to: string;
  availability: ObjectState['availability'];
  atMs: number;
}

export interface BatchOutcome {
  ack: PushAck;
  /** The transitions this batch produced (empty for a duplicate). */
  transitions: StoredTransition[];
}

/** Samples the collector adds for every observation, so a failing or missing tool is a series, not a gap. */
const probeSamples = (o: Observation): Sample[] => [
  { metric: 'hawatch_probe_success', labels: { probe: o.probe }, value: o.status === 'ok' ? 1 : 0 },
  { metric: 'hawatch_probe_duration_seconds', labels: { probe: o.probe }, value: o.durationMs / 1000 },
];

const seriesKey = (cluster: string, node: string, metric: string, labels: string) => `${cluster}\u0000${node}\u0000${metric}\u0000${labels}`;

/** Labels serialised with sorted keys, so the same label set always maps to the same series. */
export const canonicalLabels = (labels: Record<string, string>): string => {
  const keys = Object.keys(labels);
  // Hot path on ingest: one or no label needs no sorting (most probe series).
  if (keys.length <= 1) return JSON.stringify(labels);
  keys.sort();
  const sorted: Record<string, string> = {};
  for (const k of keys) sorted[k] = labels[k] as string;
  return JSON.stringify(sorted);
};

export class StoreWriter {
  private readonly seriesIds = new Map<string, number>();
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      claimBatch: db.prepare(
        'INSERT OR IGNORE INTO batches (agent_instance, seq, received_ms, observations, samples) VALUES (?, ?, ?, ?, ?)',
      ),
      upsertAgent: db.prepare(`
        INSERT INTO agents (agent_instance, cluster, node, agent_version, interval_ms, last_seq, first_seen_ms, last_seen_ms)
        VALUES (@instance, @cluster, @node, @version, @interval, @seq, @now, @now)
        ON CONFLICT (agent_instance) DO UPDATE SET
          cluster = excluded.cluster, node = excluded.node, agent_version = excluded.agent_version,
          interval_ms = excluded.interval_ms, last_seq = max(last_seq, excluded.last_seq), last_seen_ms = excluded.last_seen_ms`),
      findSeries: db.prepare('SELECT series_id FROM series WHERE cluster = ? AND node = ? AND metric = ? AND labels = ?').pluck(),
      insertSeries: db.prepare('INSERT INTO series (cluster, node, metric, labels) VALUES (?, ?, ?, ?)'),
      // A sample for the same series and millisecond is the same observation: keep the first.
      insertSample: db.prepare('INSERT OR IGNORE INTO samples (series_id, ts, value) VALUES (?, ?, ?)'),
      probeLatest: db.prepare(`
        INSERT INTO probe_latest (cluster, node, probe, at_ms, status, duration_ms, error, report)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (cluster, node, probe) DO UPDATE SET
          at_ms = excluded.at_ms, status = excluded.status, duration_ms = excluded.duration_ms,
          error = excluded.error, report = excluded.report
        WHERE excluded.at_ms >= probe_latest.at_ms`),
      statesOf: db.prepare('SELECT kind, object, state, availability, updated_ms FROM object_state WHERE cluster = ? AND node = ? AND probe = ?'),
      upsertState: db.prepare(`
        INSERT INTO object_state (cluster, node, probe, kind, object, state, availability, since_ms, updated_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (cluster, node, kind, object) DO UPDATE SET
          probe = excluded.probe, state = excluded.state, availability = excluded.availability,
          since_ms = CASE WHEN object_state.state = excluded.state THEN object_state.since_ms ELSE excluded.since_ms END,
          updated_ms = excluded.updated_ms`),
      deleteState: db.prepare('DELETE FROM object_state WHERE cluster = ? AND node = ? AND kind = ? AND object = ?'),
      insertTransition: db.prepare(
        'INSERT INTO transitions (cluster, node, probe, kind, object, from_state, to_state, availability, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** Store many batches in one transaction. Returns one outcome per batch, in order. */
  writeBatches(batches: readonly PushBatch[], receivedMs: number): BatchOutcome[] {
    return this.db.transaction(() => batches.map((b) => this.writeOne(b, receivedMs)))();
  }

  private seriesId(cluster: string, node: string, metric: string, labels: string): number {
    const key = seriesKey(cluster, node, metric, labels);
    const cached = this.seriesIds.get(key);
    if (cached !== undefined) return cached;
    let id = this.stmt.findSeries.get(cluster, node, metric, labels) as number | undefined;
    if (id === undefined) id = Number(this.stmt.insertSeries.run(cluster, node, metric, labels).lastInsertRowid);
    this.seriesIds.set(key, id);
    return id;
  }

  private writeOne(b: PushBatch, receivedMs: number): BatchOutcome {
    const sampleCount = b.observations.reduce((n, o) => n + o.samples.length + 2, 0);
    const claimed = this.stmt.claimBatch.run(b.agentInstance, b.seq, receivedMs, b.observations.length, sampleCount);
    if (claimed.changes === 0) {
      return { ack: { seq: b.seq, duplicate: true, stored: { observations: 0, samples: 0, transitions: 0 } }, transitions: [] };
    }
    this.stmt.upsertAgent.run({
      instance: b.agentInstance,
      cluster: b.cluster,
      node: b.node,
      version: b.agentVersion,
      interval: b.intervalMs,
      seq: b.seq,
      now: receivedMs,
    });
    let samples = 0;
    const transitions: StoredTransition[] = [];
    for (const o of b.observations) {
      for (const s of [...o.samples, ...probeSamples(o)]) {
        const id = this.seriesId(b.cluster, b.node, s.metric, canonicalLabels(s.labels));
        samples += this.stmt.insertSample.run(id, o.at, s.value).changes;
      }
      this.stmt.probeLatest.run(
        b.cluster,
        b.node,
        o.probe,
        o.at,
        o.status,
        o.durationMs,
        o.error === undefined ? null : JSON.stringify(o.error),
        o.report === undefined ? null : JSON.stringify(o.report),
      );
      // Only a successful run tells us the full set of objects; a failed one leaves the states as they were.
      if (o.status === 'ok') transitions.push(...this.applyStates(b.cluster, b.node, o));
    }
    return { ack: { seq: b.seq, duplicate: false, stored: { observations: b.observations.length, samples, transitions: transitions.length } }, transitions };
  }

  private applyStates(cluster: string, node: string, o: Observation): StoredTransition[] {
    const before = new Map<string, { state: string; updated: number }>();
    for (const r of this.stmt.statesOf.all(cluster, node, o.probe) as { kind: string; object: string; state: string; updated_ms: number }[]) {
      before.set(`${r.kind}\u0000${r.object}`, { state: r.state, updated: r.updated_ms });
    }
    const out: StoredTransition[] = [];
    const seen = new Set<string>();
    for (const s of o.states) {
      const key = `${s.kind}\u0000${s.id}`;
      seen.add(key);
      const prev = before.get(key);
      // An observation older than what we hold (out-of-order delivery) must not rewind the state.
      if (prev !== undefined && prev.updated > o.at) continue;
      if (prev === undefined || prev.state !== s.state) {
        this.stmt.insertTransition.run(cluster, node, o.probe, s.kind, s.id, prev?.state ?? null, s.state, s.availability, o.at);
        out.push({ cluster, node, probe: o.probe, kind: s.kind, object: s.id, from: prev?.state ?? null, to: s.state, availability: s.availability, atMs: o.at });
      }
      this.stmt.upsertState.run(cluster, node, o.probe, s.kind, s.id, s.state, s.availability, o.at, o.at);
    }
    // Objects this probe no longer reports (a deleted resource, a removed node) end with a transition to "gone".
    for (const [key, prev] of before) {
      if (seen.has(key) || prev.updated > o.at) continue;
      const [kind, object] = key.split('\u0000') as [string, string];
      this.stmt.insertTransition.run(cluster, node, o.probe, kind, object, prev.state, 'gone', 'unknown', o.at);
      this.stmt.deleteState.run(cluster, node, kind, object);
      out.push({ cluster, node, probe: o.probe, kind, object, from: prev.state, to: 'gone', availability: 'unknown', atMs: o.at });
    }
    return out;
  }
}
