// The one cluster view. REST, Prometheus and SNMP all read snapshots of this, so they never disagree.
// It holds the latest observation of every probe on every node; history lives in the store.
import Value from 'typebox/value';
import { KnownReports, type Observation, type PacemakerReport, type ProbeError, type ProbeStatus, type PushBatch } from '../../agent/protocol/index.js';
import type { Db } from '../store/db.js';

export interface ProbeView {
  probe: string;
  atMs: number;
  status: ProbeStatus;
  durationMs: number;
  error: ProbeError | null;
  /** The probe's typed report where the collector knows the probe and the report is valid; else null. */
  report: unknown;
}

export interface AgentView {
  instance: string;
  version: string;
  intervalMs: number;
  lastSeq: number;
  lastSeenMs: number;
}

export interface NodeView {
  cluster: string;
  name: string;
  agent: AgentView;
  /** up: pushed within staleAfterIntervals × its interval; stale: silent past it (its data is then unknown). */
  agentState: 'up' | 'stale';
  probes: Record<string, ProbeView>;
}

export interface ClusterView {
  name: string;
  nodes: NodeView[];
  /** Pacemaker's view, from the reporting nodes that are not stale. */
  pacemaker: {
    /** Distinct DCs claimed by fresh reports, each with the nodes that named it and whether it has quorum. */
    dcs: { name: string; withQuorum: boolean; reportedBy: string[] }[];
    nodesConfigured: number | null;
  };
}

/** Frozen: every consumer shares it (copy what you need to change). */
export interface ModelSnapshot {
  takenAtMs: number;
  clusters: readonly ClusterView[];
}

export interface ModelOptions {
  /** An agent silent for more than this many of its push intervals is stale. */
  staleAfterIntervals: number;
  now: () => number;
  /** Called once per node and probe when a report does not match the schema this collector knows. */
  onInvalidReport?: (where: { cluster: string; node: string; probe: string }, problems: string[]) => void;
}

interface NodeState {
  agent: AgentView;
  probes: Map<string, ProbeView>;
}

/** Check a known probe's report against its schema; an unknown probe's report is kept as it came. */
export const checkReport = (probe: string, report: unknown): { ok: true } | { ok: false; problems: string[] } => {
  const schema = (KnownReports as Record<string, (typeof KnownReports)[keyof typeof KnownReports] | undefined>)[probe];
  if (schema === undefined || report === undefined) return { ok: true };
  if (Value.Check(schema, report)) return { ok: true };
  return { ok: false, problems: [...Value.Errors(schema, report)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`) };
};

export class ClusterModel {
  private readonly clusters = new Map<string, Map<string, NodeState>>();
  /** Bumped on every change, so a snapshot is rebuilt only when something changed. */
  private version = 0;
  private cached: { key: string; clusters: readonly ClusterView[] } | undefined;

  constructor(private readonly opts: ModelOptions) {}

  /** Rebuild from the store after a restart: agents and the latest result of every probe. */
  loadFromStore(db: Db): void {
    this.version++;
    const agents = db
      .prepare(
        `SELECT a.* FROM agents a WHERE a.last_seen_ms = (SELECT max(b.last_seen_ms) FROM agents b WHERE b.cluster = a.cluster AND b.node = a.node)`,
      )
      .all() as { agent_instance: string; cluster: string; node: string; agent_version: string; interval_ms: number; last_seq: number; last_seen_ms: number }[];
    for (const a of agents) {
      this.nodeState(a.cluster, a.node, {
        instance: a.agent_instance,
        version: a.agent_version,
        intervalMs: a.interval_ms,
        lastSeq: a.last_seq,
        lastSeenMs: a.last_seen_ms,
      });
    }
    const latest = db.prepare('SELECT * FROM probe_latest').all() as {
      cluster: string; node: string; probe: string; at_ms: number; status: ProbeStatus; duration_ms: number; error: string | null; report: string | null;
    }[];
    for (const p of latest) {
      const state = this.clusters.get(p.cluster)?.get(p.node);
      if (!state) continue;
      const report: unknown = p.report === null ? undefined : JSON.parse(p.report);
      state.probes.set(p.probe, deepFreeze({
        probe: p.probe,
        atMs: p.at_ms,
        status: p.status,
        durationMs: p.duration_ms,
        error: p.error === null ? null : (JSON.parse(p.error) as ProbeError),
        report: checkReport(p.probe, report).ok ? (report ?? null) : null,
      }));
    }
  }

  /** Apply a batch that has just been committed. */
  applyBatch(b: PushBatch, receivedMs: number): void {
    this.version++;
    const state = this.nodeState(b.cluster, b.node, {
      instance: b.agentInstance,
      version: b.agentVersion,
      intervalMs: b.intervalMs,
      lastSeq: b.seq,
      lastSeenMs: receivedMs,
    });
    for (const o of b.observations) this.applyObservation(b.cluster, b.node, state, o);
  }

  private applyObservation(cluster: string, node: string, state: NodeState, o: Observation): void {
    const prev = state.probes.get(o.probe);
    if (prev && prev.atMs > o.at) return;
    let report: unknown = o.report ?? null;
    const check = checkReport(o.probe, o.report);
    if (!check.ok) {
      this.opts.onInvalidReport?.({ cluster, node, probe: o.probe }, check.problems);
      report = null;
    }
    // Frozen once here, then shared by every snapshot (the batch's objects are the collector's own parse).
    state.probes.set(o.probe, deepFreeze({ probe: o.probe, atMs: o.at, status: o.status, durationMs: o.durationMs, error: o.error ?? null, report }));
  }

  private nodeState(cluster: string, node: string, agent: AgentView): NodeState {
    let nodes = this.clusters.get(cluster);
    if (!nodes) this.clusters.set(cluster, (nodes = new Map()));
    const existing = nodes.get(node);
    if (existing) {
      // A newer agent instance on the same node (reinstall) replaces the old one's identity.
      if (existing.agent.instance !== agent.instance || agent.lastSeenMs >= existing.agent.lastSeenMs) {
        existing.agent = { ...agent, lastSeq: existing.agent.instance === agent.instance ? Math.max(existing.agent.lastSeq, agent.lastSeq) : agent.lastSeq };
      }
      return existing;
    }
    const created: NodeState = { agent, probes: new Map() };
    nodes.set(node, created);
    return created;
  }

  /**
   * An immutable, self-consistent view of everything, for one REST answer, one scrape or one SNMP walk.
   * Everything in it is frozen and shared between snapshots: reports are frozen when they arrive, and the views are
   * rebuilt only when a push changed the model or an agent crossed its staleness threshold (rules run every 100 ms,
   * and a deep copy of 1,000 nodes' reports took about a second).
   */
  snapshot(): ModelSnapshot {
    const now = this.opts.now();
    const stale: string[] = [];
    for (const [name, nodes] of this.clusters) for (const [node, s] of nodes) if (this.isStale(s, now)) stale.push(`${name}\u0000${node}`);
    const key = `${this.version}\u0001${stale.sort().join('\u0001')}`;
    if (this.cached?.key !== key) this.cached = { key, clusters: this.buildViews(now) };
    return { takenAtMs: now, clusters: this.cached.clusters };
  }

  private isStale(s: NodeState, now: number): boolean {
    return now - s.agent.lastSeenMs > this.opts.staleAfterIntervals * s.agent.intervalMs;
  }

  private buildViews(now: number): readonly ClusterView[] {
    const clusters: ClusterView[] = [];
    for (const [name, nodes] of [...this.clusters].sort(([a], [b]) => a.localeCompare(b))) {
      const nodeViews: NodeView[] = [...nodes]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([nodeName, s]) => ({
          cluster: name,
          name: nodeName,
          agent: Object.freeze({ ...s.agent }),
          agentState: this.isStale(s, now) ? 'stale' : 'up',
          // ProbeViews are replaced, never changed, and frozen with their reports when they arrive: shared as they are.
          probes: Object.freeze(Object.fromEntries([...s.probes].sort(([a], [b]) => a.localeCompare(b)))),
        }));
      for (const v of nodeViews) Object.freeze(v);
      clusters.push(deepFreeze({ name, nodes: nodeViews, pacemaker: pacemakerSummary(nodeViews) }));
    }
    return Object.freeze(clusters);
  }
}

/** Freeze a JSON-shaped value in place (objects and arrays, recursively); already-frozen parts are skipped. */
export const deepFreeze = <T>(v: T): T => {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const x of Object.values(v as object)) deepFreeze(x);
  return v;
};

const pacemakerSummary = (nodes: NodeView[]): ClusterView['pacemaker'] => {
  const dcs = new Map<string, { name: string; withQuorum: boolean; reportedBy: string[] }>();
  let nodesConfigured: number | null = null;
  for (const n of nodes) {
    if (n.agentState === 'stale') continue; // stale data is unknown: it neither proves nor disproves anything
    const p = n.probes['pacemaker'];
    if (!p || p.status !== 'ok' || p.report === null) continue;
    const r = p.report as PacemakerReport;
    if (!r.running) continue;
    nodesConfigured = Math.max(nodesConfigured ?? 0, r.nodesConfigured);
    if (!r.dc) continue;
    const key = `${r.dc.name}\u0000${r.dc.withQuorum}`;
    const entry = dcs.get(key) ?? { name: r.dc.name, withQuorum: r.dc.withQuorum, reportedBy: [] };
    entry.reportedBy.push(n.name);
    dcs.set(key, entry);
  }
  return { dcs: [...dcs.values()].sort((a, b) => a.name.localeCompare(b.name)), nodesConfigured };
};
