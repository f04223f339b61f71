// SLA history from the collector's store, and the figures of one object from the cluster as a whole.
//
// Reads (all through indexes, never the samples; test/collector/sla/store.test.ts holds the query plans):
//   objects   a skip-scan of transitions_by_object: one seek per distinct object, not a walk of its rows;
//   history   per object, every row in (from, to] plus each reporting node's last row at or before `from`
//             (a walk back from `from` that stops once every node that can report the object is resolved);
//   silence   the agents table (last push) and, where recorded, `hawatch_agent` liveness transitions;
//   alerts    acknowledged alerts of the cluster firing in the range (alerts_by_cluster_firing), for MTTA;
//   windows   maintenance windows set through the API (silences of kind 'maintenance', silences_by_end),
//             applied to the objects their matchers match (matchers.ts), on top of the policy's own windows.
// Truth from the cluster as a whole; a node's view is unknown while its agent is silent (stale data proves
// nothing, as in the live model):
//   resource  each host's own report of itself while it reports, else what the other reporters say of it;
//             then service.ts: up with one healthy holder, split with two or more;
//   vip       each node's own report (present = holds it), then service.ts as for a resource;
//   node      the quorate partition's view of the node (its own view when it is in that partition), else the
//             node's own view, else the others' most common view;
//   cluster   up while some reporter is in a quorate partition (maintenance, degraded, down after that).
import type { Db } from '../store/db.js';
import { computeAvailability, type AvailabilityReport } from './compute.js';
import { contextRange, evaluatedRange, finishIntervals } from './intervals.js';
import { slaPolicy, type SlaPolicy } from './policy.js';
import { alertIsAbout, matchersMatch, parseMatchers, targetLabels, type Matcher, type VipRouters } from './matchers.js';
import type { AlertAck } from './compute.js';
import { combineService, type NodeTimeline, type ServicePolicy, type ServiceState } from './service.js';
import type { Availability, Interval, TimeRange } from './types.js';

export type SlaKind = 'resource' | 'vip' | 'node' | 'cluster';
export const SLA_KINDS: readonly SlaKind[] = Object.freeze(['resource', 'vip', 'node', 'cluster']);

/** The ObjectState kind the probes write for each SLA kind. */
export const STORE_KINDS: Readonly<Record<SlaKind, string>> = Object.freeze({
  resource: 'pcmk_resource',
  vip: 'vrrp_vip',
  node: 'pcmk_node',
  cluster: 'pcmk_cluster',
});
/** The one pcmk_cluster object id (agent/probes/pacemaker/observe.ts). */
export const CLUSTER_OBJECT = 'cluster';
/** Agent liveness rows (object = node; to_state 'up' or 'stale'), written by AgentLivenessRecorder. */
export const LIVENESS_KIND = 'hawatch_agent';

/** One stored transition as the SLA code reads it. */
export interface StateRow {
  readonly node: string;
  readonly atMs: number;
  readonly state: string;
  readonly availability: Availability;
}

/** One reporting node's rows for one object: its last row at or before range.from, then every row up to range.to. */
export interface ReporterHistory {
  readonly node: string;
  readonly rows: readonly StateRow[];
}

/** An agent instance as the agents table keeps it. */
export interface AgentRecord {
  readonly node: string;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly intervalMs: number;
}

/** An acknowledged alert as the alerts table keeps it (its latest firing), for MTTA. */
export interface StoredAlert extends AlertAck {
  readonly labels: Readonly<Record<string, string>>;
}

/** A maintenance window set through the API (silences table, kind 'maintenance'). */
export interface StoredWindow extends TimeRange {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly comment: string;
}

/** Where the SLA code reads history from: the SQLite store, or rows fetched from a collector's API. */
export interface SlaSource {
  clusters(): string[];
  /** Every object id of a store kind with any history in the cluster, sorted. */
  objects(cluster: string, kind: string): string[];
  /** Per reporting node, sorted by atMs: its last row at or before range.fromMs, then rows in (fromMs, toMs]. */
  history(cluster: string, kind: string, object: string, range: TimeRange): ReporterHistory[];
  agents(cluster: string): AgentRecord[];
  /** Acknowledged alerts of the cluster that were firing at some moment of the range (sources without alerts: absent). */
  acknowledgedAlerts?(cluster: string, range: TimeRange): StoredAlert[];
  /** Maintenance windows overlapping the range (sources without them: absent). */
  maintenanceWindows?(range: TimeRange): StoredWindow[];
}

/** The statements, exported so that a test can EXPLAIN them. */
export const SLA_SQL = {
  firstCluster: 'SELECT min(cluster) AS v FROM transitions',
  nextCluster: 'SELECT min(cluster) AS v FROM transitions WHERE cluster > ?',
  firstObject: 'SELECT min(object) AS v FROM transitions WHERE cluster = ? AND kind = ?',
  nextObject: 'SELECT min(object) AS v FROM transitions WHERE cluster = ? AND kind = ? AND object > ?',
  window:
    'SELECT node, to_state AS state, availability, at_ms AS atMs FROM transitions ' +
    'WHERE cluster = ? AND kind = ? AND object = ? AND at_ms > ? AND at_ms <= ? ORDER BY at_ms, id',
  before:
    'SELECT node, to_state AS state, availability, at_ms AS atMs FROM transitions ' +
    'WHERE cluster = ? AND kind = ? AND object = ? AND at_ms <= ? ORDER BY at_ms DESC, id DESC',
  probeOfKind: 'SELECT probe FROM transitions WHERE cluster = ? AND kind = ? LIMIT 1',
  probeNodes: 'SELECT node FROM probe_latest WHERE cluster = ? AND probe = ?',
  agents: 'SELECT node, first_seen_ms AS firstSeenMs, last_seen_ms AS lastSeenMs, interval_ms AS intervalMs FROM agents WHERE cluster = ?',
  lastLiveness: `SELECT to_state AS state FROM transitions WHERE cluster = ? AND kind = '${LIVENESS_KIND}' AND object = ? ORDER BY at_ms DESC, id DESC LIMIT 1`,
  insertLiveness: `INSERT INTO transitions (cluster, node, probe, kind, object, from_state, to_state, availability, at_ms) VALUES (?, ?, 'collector', '${LIVENESS_KIND}', ?, ?, ?, ?, ?)`,
  // Migration 4. The alerts table keeps one row per fingerprint: its latest firing and acknowledgement.
  ackedAlerts:
    'SELECT labels, firing_ms AS firingMs, ends_ms AS endsMs, acked_ms AS ackedMs FROM alerts ' +
    'WHERE cluster = ? AND firing_ms < ? AND acked_ms IS NOT NULL AND (ends_ms IS NULL OR ends_ms > ?)',
  maintenanceWindows:
    "SELECT id, matchers, starts_ms AS fromMs, ends_ms AS toMs, comment FROM silences WHERE ends_ms > ? AND starts_ms < ? AND kind = 'maintenance' ORDER BY starts_ms, id",
} as const;

type RawRow = [node: string, state: string, availability: Availability, atMs: number];
const rowOf = (r: RawRow): StateRow => ({ node: r[0], atMs: r[3], state: r[1], availability: r[2] });

// An agent may have buffered observations before its first push reached the collector: walk this far past it.
const FIRST_SEEN_MARGIN_MS = 86_400_000;

/** History from the collector's SQLite. Caches the reporter sets per cluster and kind: use one per report. */
export class SqliteSlaSource implements SlaSource {
  private readonly stmt;
  private readonly candidates = new Map<string, string[]>();
  private readonly agentCache = new Map<string, AgentRecord[]>();

  constructor(db: Db) {
    this.stmt = {
      firstCluster: db.prepare(SLA_SQL.firstCluster).pluck(),
      nextCluster: db.prepare(SLA_SQL.nextCluster).pluck(),
      firstObject: db.prepare(SLA_SQL.firstObject).pluck(),
      nextObject: db.prepare(SLA_SQL.nextObject).pluck(),
      // Arrays, not objects: a year of rows reads ~2x faster this way.
      window: db.prepare(SLA_SQL.window).raw(),
      before: db.prepare(SLA_SQL.before).raw(),
      probeOfKind: db.prepare(SLA_SQL.probeOfKind).pluck(),
      probeNodes: db.prepare(SLA_SQL.probeNodes).pluck(),
      agents: db.prepare(SLA_SQL.agents),
      ackedAlerts: prepareIfMigrated(db, SLA_SQL.ackedAlerts),
      maintenanceWindows: prepareIfMigrated(db, SLA_SQL.maintenanceWindows),
    };
  }

  acknowledgedAlerts(cluster: string, range: TimeRange): StoredAlert[] {
    const rows = (this.stmt.ackedAlerts?.all(cluster, range.toMs, range.fromMs) ?? []) as { labels: string; firingMs: number; endsMs: number | null; ackedMs: number }[];
    return rows.flatMap((r) => {
      const labels = parseLabels(r.labels);
      return labels === null ? [] : [{ labels, firingMs: r.firingMs, endsMs: r.endsMs, ackedMs: r.ackedMs }];
    });
  }

  maintenanceWindows(range: TimeRange): StoredWindow[] {
    const rows = (this.stmt.maintenanceWindows?.all(range.fromMs, range.toMs) ?? []) as { id: string; matchers: string; fromMs: number; toMs: number; comment: string }[];
    return rows.flatMap((r) => {
      const matchers = parseMatchers(r.matchers);
      return matchers === null ? [] : [{ id: r.id, matchers, fromMs: r.fromMs, toMs: r.toMs, comment: r.comment }];
    });
  }

  clusters(): string[] {
    const out: string[] = [];
    for (let c = this.stmt.firstCluster.get() as string | null; c !== null && c !== undefined; c = this.stmt.nextCluster.get(c) as string | null) out.push(c);
    return out;
  }

  objects(cluster: string, kind: string): string[] {
    const out: string[] = [];
    for (
      let o = this.stmt.firstObject.get(cluster, kind) as string | null;
      o !== null && o !== undefined;
      o = this.stmt.nextObject.get(cluster, kind, o) as string | null
    ) {
      out.push(o);
    }
    return out;
  }

  agents(cluster: string): AgentRecord[] {
    let a = this.agentCache.get(cluster);
    if (a === undefined) {
      a = this.stmt.agents.all(cluster) as AgentRecord[];
      this.agentCache.set(cluster, a);
    }
    return a;
  }

  /** Nodes that ran the probe writing this kind: the only ones that can have a row to find. */
  private reportersOf(cluster: string, kind: string): string[] {
    const key = `${cluster}\u0000${kind}`;
    let c = this.candidates.get(key);
    if (c === undefined) {
      const probe = this.stmt.probeOfKind.get(cluster, kind) as string | undefined;
      c = probe === undefined ? [] : (this.stmt.probeNodes.all(cluster, probe) as string[]);
      this.candidates.set(key, c);
    }
    return c;
  }

  history(cluster: string, kind: string, object: string, range: TimeRange): ReporterHistory[] {
    const inWindow = (this.stmt.window.all(cluster, kind, object, range.fromMs, range.toMs) as RawRow[]).map(rowOf);
    const firstSeen = new Map<string, number>();
    for (const a of this.agents(cluster)) firstSeen.set(a.node, Math.min(firstSeen.get(a.node) ?? Infinity, a.firstSeenMs));
    const unresolved = new Set([...this.reportersOf(cluster, kind), ...inWindow.map((r) => r.node)]);
    const before = new Map<string, StateRow>();
    // Newest first; each node's first row met is its last one before the window.
    for (const raw of this.stmt.before.iterate(cluster, kind, object, range.fromMs) as IterableIterator<RawRow>) {
      const r = rowOf(raw);
      if (unresolved.delete(r.node)) before.set(r.node, r);
      else if (!before.has(r.node)) before.set(r.node, r); // a node that ran the probe under another name
      if (unresolved.size === 0) break;
      // A node whose agent first pushed after this row (less a margin) has nothing older to find.
      let oldest = Infinity;
      for (const n of unresolved) oldest = Math.min(oldest, (firstSeen.get(n) ?? -Infinity) - FIRST_SEEN_MARGIN_MS);
      if (r.atMs < oldest) break;
    }
    const byNode = new Map<string, StateRow[]>();
    for (const [node, r] of before) byNode.set(node, [r]);
    for (const r of inWindow) {
      const list = byNode.get(r.node);
      if (list === undefined) byNode.set(r.node, [r]);
      else list.push(r);
    }
    return [...byNode].sort(([a], [b]) => cmp(a, b)).map(([node, rows]) => ({ node, rows }));
  }
}

/** Rows held in memory (e.g. fetched from a collector's Events API) served as a source. */
export interface MemoryRow extends StateRow {
  readonly cluster: string;
  readonly kind: string;
  readonly object: string;
}

export class MemorySlaSource implements SlaSource {
  private readonly byObject = new Map<string, Map<string, MemoryRow[]>>();
  private readonly objectsOf = new Map<string, Set<string>>();

  constructor(
    rows: readonly MemoryRow[],
    private readonly agentRecords: ReadonlyMap<string, readonly AgentRecord[]> = new Map(),
  ) {
    const sorted = [...rows].sort((a, b) => a.atMs - b.atMs);
    for (const r of sorted) {
      const key = `${r.cluster}\u0000${r.kind}\u0000${r.object}`;
      let nodes = this.byObject.get(key);
      if (nodes === undefined) this.byObject.set(key, (nodes = new Map()));
      const list = nodes.get(r.node);
      if (list === undefined) nodes.set(r.node, [r]);
      else list.push(r);
      const ok = `${r.cluster}\u0000${r.kind}`;
      const objs = this.objectsOf.get(ok) ?? new Set<string>();
      objs.add(r.object);
      this.objectsOf.set(ok, objs);
    }
  }

  clusters(): string[] {
    return [...new Set([...this.objectsOf.keys()].map((k) => k.split('\u0000')[0] as string))].sort(cmp);
  }

  objects(cluster: string, kind: string): string[] {
    return [...(this.objectsOf.get(`${cluster}\u0000${kind}`) ?? [])].sort(cmp);
  }

  history(cluster: string, kind: string, object: string, range: TimeRange): ReporterHistory[] {
    const nodes = this.byObject.get(`${cluster}\u0000${kind}\u0000${object}`);
    if (nodes === undefined) return [];
    const out: ReporterHistory[] = [];
    for (const [node, list] of [...nodes].sort(([a], [b]) => cmp(a, b))) {
      let last: StateRow | undefined;
      const rows: StateRow[] = [];
      for (const r of list) {
        if (r.atMs <= range.fromMs) last = r;
        else if (r.atMs <= range.toMs) rows.push(r);
      }
      const all = last === undefined ? rows : [last, ...rows];
      if (all.length > 0) out.push({ node, rows: all.map(({ node: n, atMs, state, availability }) => ({ node: n, atMs, state, availability })) });
    }
    return out;
  }

  agents(cluster: string): AgentRecord[] {
    return [...(this.agentRecords.get(cluster) ?? [])];
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A statement over a table or column of migration 4, or null on an older database: `hawatch report --data-dir`
 * opens the store read-only and never migrates it, and an old store simply has no acknowledgements or windows.
 */
const prepareIfMigrated = (db: Db, sql: string) => {
  try {
    return db.prepare(sql);
  } catch (e) {
    if (/no such (table|column)/.test((e as Error).message)) return null;
    throw e;
  }
};

const parseLabels = (json: string): Record<string, string> | null => {
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
  } catch {
    return null; // a row this code cannot read concerns no object
  }
};

// ---------------------------------------------------------------------------------------------------------
// Agent liveness as history: the live model knows when an agent goes stale; these rows keep it for the SLA.

/** What the recorder needs of a model snapshot (collector/model/model.ts ModelSnapshot fits). */
export interface LivenessSnapshot {
  readonly takenAtMs: number;
  readonly clusters: readonly { readonly name: string; readonly nodes: readonly { readonly name: string; readonly agentState: 'up' | 'stale'; readonly agent: { readonly lastSeenMs: number } }[] }[];
}

/**
 * Writes a `hawatch_agent` transition when a node's agent goes stale (at the snapshot's time) or comes back (at
 * its last push), so that SLA history knows when a node's reports were no evidence. Call with each snapshot the
 * collector evaluates; writes only on a change.
 */
export class AgentLivenessRecorder {
  private readonly known = new Map<string, string>();
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = { last: db.prepare(SLA_SQL.lastLiveness), insert: db.prepare(SLA_SQL.insertLiveness) };
  }

  record(snapshot: LivenessSnapshot): number {
    let written = 0;
    const changes: { cluster: string; node: string; from: string | null; to: 'up' | 'stale'; atMs: number }[] = [];
    for (const c of snapshot.clusters) {
      for (const n of c.nodes) {
        const key = `${c.name}\u0000${n.name}`;
        let prev = this.known.get(key);
        if (prev === undefined) prev = (this.stmt.last.get(c.name, n.name) as { state: string } | undefined)?.state ?? '';
        this.known.set(key, prev);
        if (prev === n.agentState || (prev === '' && n.agentState === 'up')) continue;
        changes.push({ cluster: c.name, node: n.name, from: prev === '' ? null : prev, to: n.agentState, atMs: n.agentState === 'up' ? n.agent.lastSeenMs : snapshot.takenAtMs });
      }
    }
    if (changes.length === 0) return 0;
    this.db.transaction(() => {
      for (const ch of changes) {
        this.stmt.insert.run(ch.cluster, ch.node, ch.node, ch.from, ch.to, ch.to === 'up' ? 'up' : 'unknown', ch.atMs);
        this.known.set(`${ch.cluster}\u0000${ch.node}`, ch.to);
        written++;
      }
    })();
    return written;
  }
}

// ---------------------------------------------------------------------------------------------------------
// From per-reporter rows to the cluster's truth.

interface View {
  readonly availability: Availability;
  readonly state: string;
  /** When the reporter's row said so (-Infinity: no row); not part of a view's identity. */
  readonly sinceMs: number;
  /** resourceHosts(state), parsed once. */
  readonly hosts: readonly string[] | null;
}
interface Seg<V> {
  fromMs: number;
  toMs: number;
  value: V;
}

const NO_DATA: View = Object.freeze({ availability: 'unknown', state: 'no data', sinceMs: -Infinity, hosts: Object.freeze([]) });
const SILENT: View = Object.freeze({ availability: 'unknown', state: 'agent silent', sinceMs: -Infinity, hosts: Object.freeze([]) });
const sameView = (a: View, b: View): boolean => a.availability === b.availability && a.state === b.state;

const pushSeg = <V>(out: Seg<V>[], fromMs: number, toMs: number, value: V, same: (a: V, b: V) => boolean): void => {
  if (toMs <= fromMs) return;
  const last = out[out.length - 1];
  if (last !== undefined && last.toMs === fromMs && same(last.value, value)) last.toMs = toMs;
  else out.push({ fromMs, toMs, value });
};

/** Segments with every part inside `ranges` (sorted, disjoint) replaced by `value`. */
const overlay = <V>(segs: readonly Seg<V>[], ranges: readonly TimeRange[], value: V, same: (a: V, b: V) => boolean): Seg<V>[] => {
  if (ranges.length === 0) return [...segs];
  const out: Seg<V>[] = [];
  let w = 0;
  for (const s of segs) {
    let cur = s.fromMs;
    while (w < ranges.length && (ranges[w] as TimeRange).toMs <= cur) w++;
    for (let k = w; k < ranges.length && cur < s.toMs; k++) {
      const r = ranges[k] as TimeRange;
      if (r.fromMs >= s.toMs) break;
      pushSeg(out, cur, Math.max(cur, r.fromMs), s.value, same);
      cur = Math.max(cur, r.fromMs);
      const end = Math.min(r.toMs, s.toMs);
      pushSeg(out, cur, end, value, same);
      cur = end;
    }
    pushSeg(out, cur, s.toMs, s.value, same);
  }
  return out;
};

/** One reporter's view over `range`: no data before its first row, unknown while its agent was silent. */
const viewTimeline = (rows: readonly StateRow[], range: TimeRange, silent: readonly TimeRange[]): Seg<View>[] => {
  const out: Seg<View>[] = [];
  let cur = range.fromMs;
  let view: View = NO_DATA;
  for (const r of rows) {
    const next: View = { availability: r.availability, state: r.state, sinceMs: r.atMs, hosts: resourceHosts(r.state) };
    if (r.atMs <= range.fromMs) {
      view = next;
      continue;
    }
    if (r.atMs >= range.toMs) break;
    pushSeg(out, cur, r.atMs, view, sameView);
    cur = r.atMs;
    view = next;
  }
  pushSeg(out, cur, range.toMs, view, sameView);
  return overlay(out, silent, SILENT, sameView);
};

/** Walk lists that each cover `range` exactly, calling `at` once per stretch where none of them changes. */
const sweep = <V, R>(lists: readonly (readonly Seg<V>[])[], range: TimeRange, at: (values: readonly V[]) => R, same: (a: R, b: R) => boolean): Seg<R>[] => {
  const cuts = new Set<number>([range.fromMs, range.toMs]);
  for (const l of lists) for (const s of l) cuts.add(s.fromMs);
  const bounds = [...cuts].filter((t) => t >= range.fromMs && t <= range.toMs).sort((a, b) => a - b);
  const pos = lists.map(() => 0);
  const out: Seg<R>[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const from = bounds[b] as number;
    const values = lists.map((l, i) => {
      let k = pos[i] as number;
      while (k < l.length && (l[k] as Seg<V>).toMs <= from) k++;
      pos[i] = k;
      return (l[k] as Seg<V>).value;
    });
    pushSeg(out, from, bounds[b + 1] as number, at(values), same);
  }
  return out;
};

/** Hosts a pacemaker resource state names (`Started@n1,n2`); null when only a count is given (`@12-nodes`). */
export const resourceHosts = (state: string): string[] | null => {
  const at = state.indexOf('@');
  if (at < 0) return [];
  const list = state.slice(at + 1);
  return /^\d+-nodes$/.test(list) ? null : list.split(',');
};

/** What one reporter's resource view says of host h: holds it (its class), not here (down), or unknown. */
const resourceClaim = (v: View, host: string): Availability => {
  const hosts = v.hosts;
  if (v.availability === 'unknown') {
    // "Started@n1" on a lost n1 is unknown for n1, but still says it is not here.
    return hosts !== null && hosts.length > 0 && !hosts.includes(host) ? 'down' : 'unknown';
  }
  if (hosts === null) return v.availability === 'up' || v.availability === 'degraded' ? 'unknown' : v.availability;
  if (hosts.includes(host)) return v.availability;
  // Disabled (target-role Stopped): nobody holds it on purpose.
  if (hosts.length === 0 && v.availability === 'maintenance') return 'maintenance';
  return 'down';
};

const resourceHostTimelines = (reporters: readonly string[], views: readonly Seg<View>[][], range: TimeRange): NodeTimeline[] => {
  const hosts = new Set(reporters);
  for (const l of views) for (const s of l) for (const h of s.value.hosts ?? []) hosts.add(h);
  const names = [...hosts].sort(cmp);
  const self = names.map((h) => reporters.indexOf(h));
  const perHost = sweep(
    views,
    range,
    (vals): Availability[] =>
      names.map((h, i) => {
        const own = self[i] as number;
        const mine = own >= 0 ? resourceClaim(vals[own] as View, h) : 'unknown';
        if (mine !== 'unknown') return mine;
        // No word from the host itself: the freshest report about it among the others (their samples are taken
        // at different times, so the newest change is the best knowledge).
        let best: View | undefined;
        let claim: Availability = 'unknown';
        vals.forEach((v, k) => {
          if (k === own) return;
          const c = resourceClaim(v, h);
          if (c !== 'unknown' && (best === undefined || v.sinceMs > best.sinceMs)) {
            best = v;
            claim = c;
          }
        });
        return claim;
      }),
    (a, b) => a.every((x, i) => x === b[i]),
  );
  return names.map((node, i) => {
    const out: Seg<Availability>[] = [];
    for (const s of perHost) pushSeg(out, s.fromMs, s.toMs, s.value[i] as Availability, (x, y) => x === y);
    return { node, intervals: out.map((s) => ({ fromMs: s.fromMs, toMs: s.toMs, availability: s.value })) };
  });
};

/** A node's own VIP view: present = it holds the address. */
const vipHold = (v: View): Availability => {
  if (v.availability === 'unknown') return 'unknown';
  if (v.state === 'present') return v.availability === 'degraded' ? 'degraded' : 'up';
  if (v.state === 'absent') return 'down';
  return v.availability === 'maintenance' ? 'maintenance' : 'unknown';
};

const vipHostTimelines = (reporters: readonly string[], views: readonly Seg<View>[][]): NodeTimeline[] =>
  reporters.map((node, i) => {
    const out: Seg<Availability>[] = [];
    for (const s of views[i] ?? []) pushSeg(out, s.fromMs, s.toMs, vipHold(s.value), (x, y) => x === y);
    return { node, intervals: out.map((s) => ({ fromMs: s.fromMs, toMs: s.toMs, availability: s.value })) };
  });

const WORSE: Readonly<Record<Availability, number>> = { down: 4, degraded: 3, maintenance: 2, up: 1, unknown: 0 };

/** The most common known view; a tie goes to the worse class. */
const consensus = (views: readonly View[]): View => {
  const count = new Map<Availability, { n: number; view: View }>();
  for (const v of views) {
    if (v.availability === 'unknown') continue;
    const c = count.get(v.availability);
    if (c === undefined) count.set(v.availability, { n: 1, view: v });
    else c.n++;
  }
  let best: { n: number; view: View } | undefined;
  for (const c of count.values()) {
    if (best === undefined || c.n > best.n || (c.n === best.n && WORSE[c.view.availability] > WORSE[best.view.availability])) best = c;
  }
  return best?.view ?? NO_DATA;
};

const quorate = (v: View | undefined): boolean => v !== undefined && (v.availability === 'up' || v.availability === 'maintenance');

/** Evidence of what the cluster showed: the class, a state for people, and the holders of a service. */
export interface EvidenceInterval extends Interval {
  readonly state: string;
  readonly holders: readonly string[];
}

export interface SlaTarget {
  readonly cluster: string;
  readonly kind: SlaKind;
  readonly object: string;
}

export interface ObjectSla {
  readonly target: SlaTarget;
  /** Nodes whose reports were read. */
  readonly reporters: readonly string[];
  readonly report: AvailabilityReport;
  /** The intervals the figures count (debounced, clipped to the evaluated range, maintenance overlaid). */
  readonly intervals: readonly Interval[];
  /** What the cluster showed, before debouncing, clipped to the evaluated range. */
  readonly evidence: readonly EvidenceInterval[];
  /** The policy the figures were computed under: the one given plus the stored windows that match the object. */
  readonly policy: SlaPolicy;
  /** Stored maintenance windows (API) that match the object and overlap the window (applied when maintenance is excluded). */
  readonly maintenance: readonly StoredWindow[];
}

/** A glob over names: `*` any run, `?` one character; everything else literal. */
export const globMatcher = (glob: string): ((s: string) => boolean) => {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return (s) => re.test(s);
};

export interface ObjectSelector {
  /** Cluster name or glob. */
  readonly cluster: string;
  readonly kind: SlaKind;
  /** Object id or glob (resource id, VIP address, node name; ignored for kind cluster). */
  readonly id: string;
}

export interface SlaReaderOptions {
  /** As the collector's agents.staleAfterIntervals: silence longer than this many push intervals is unknown. */
  readonly staleAfterIntervals?: number;
  /** The routers a virtual address belongs to (from the live model), so that router-wide alerts count for its MTTA. */
  readonly vipRouters?: (cluster: string, address: string) => VipRouters | undefined;
}

/** Computes object SLAs from a source; keeps per-run caches (cluster histories, silences), so use one per report. */
export class SlaReader {
  private readonly staleAfter: number;
  private readonly silenceCache = new Map<string, Map<string, TimeRange[]>>();
  private readonly clusterViews = new Map<string, ReporterHistory[]>();
  private readonly alertCache = new Map<string, StoredAlert[]>();
  private readonly windowCache = new Map<string, StoredWindow[]>();
  private readonly vipRouters: SlaReaderOptions['vipRouters'];

  constructor(
    readonly source: SlaSource,
    opts: SlaReaderOptions = {},
  ) {
    this.staleAfter = opts.staleAfterIntervals ?? 3;
    this.vipRouters = opts.vipRouters;
  }

  /** Acknowledged alerts about the object that were firing at some moment of the range. */
  alertsAbout(target: SlaTarget, range: TimeRange): StoredAlert[] {
    if (this.source.acknowledgedAlerts === undefined) return [];
    const key = `${target.cluster}\u0000${range.fromMs}\u0000${range.toMs}`;
    let all = this.alertCache.get(key);
    if (all === undefined) {
      all = this.source.acknowledgedAlerts(target.cluster, range);
      this.alertCache.set(key, all);
    }
    const vip = target.kind === 'vip' ? this.vipRouters?.(target.cluster, target.object) : undefined;
    return all.filter((a) => alertIsAbout(a.labels, target, vip));
  }

  /** Stored maintenance windows overlapping the range whose matchers match the object. */
  windowsFor(target: SlaTarget, range: TimeRange): StoredWindow[] {
    if (this.source.maintenanceWindows === undefined) return [];
    const key = `${range.fromMs}\u0000${range.toMs}`;
    let all = this.windowCache.get(key);
    if (all === undefined) {
      all = this.source.maintenanceWindows(range);
      this.windowCache.set(key, all);
    }
    const labels = targetLabels(target);
    return all.filter((w) => matchersMatch(w.matchers, labels));
  }

  /** The objects some selector names, sorted by cluster, kind, object; onlyCluster narrows to one cluster. */
  targets(selectors: readonly ObjectSelector[], onlyCluster?: string): SlaTarget[] {
    const clusters = this.source.clusters().filter((c) => onlyCluster === undefined || c === onlyCluster);
    const seen = new Map<string, SlaTarget>();
    for (const sel of selectors) {
      const cm = globMatcher(sel.cluster);
      const im = globMatcher(sel.id);
      for (const cluster of clusters.filter(cm)) {
        const kind = STORE_KINDS[sel.kind];
        const ids = sel.kind === 'cluster' ? this.source.objects(cluster, kind).filter((o) => o === CLUSTER_OBJECT) : this.source.objects(cluster, kind).filter(im);
        for (const object of ids) seen.set(`${cluster}\u0000${sel.kind}\u0000${object}`, { cluster, kind: sel.kind, object });
      }
    }
    const order = (t: SlaTarget) => SLA_KINDS.indexOf(t.kind);
    return [...seen.values()].sort((a, b) => cmp(a.cluster, b.cluster) || order(a) - order(b) || cmp(a.object, b.object));
  }

  /** Per node, the sorted, merged ranges in which its agent was silent (its reports then prove nothing). */
  silence(cluster: string, range: TimeRange): Map<string, TimeRange[]> {
    const key = `${cluster}\u0000${range.fromMs}\u0000${range.toMs}`;
    const cached = this.silenceCache.get(key);
    if (cached !== undefined) return cached;
    const raw = new Map<string, TimeRange[]>();
    const add = (node: string, r: TimeRange) => {
      const from = Math.max(r.fromMs, range.fromMs);
      const to = Math.min(r.toMs, range.toMs);
      if (to > from) raw.set(node, [...(raw.get(node) ?? []), { fromMs: from, toMs: to }]);
    };
    // After the last push of a node's newest agent, plus the staleness allowance: nothing is known. When the
    // collector stopped hearing the whole cluster (it stopped), the last pushes are a push interval apart at
    // most: that is the end of the data for all of them at once, not one node falling silent before the others.
    const newest = new Map<string, AgentRecord>();
    for (const a of this.source.agents(cluster)) {
      const n = newest.get(a.node);
      if (n === undefined || a.lastSeenMs > n.lastSeenMs) newest.set(a.node, a);
    }
    const clusterLast = Math.max(...[...newest.values()].map((a) => a.lastSeenMs));
    for (const [node, a] of newest) {
      const allowance = this.staleAfter * a.intervalMs;
      add(node, { fromMs: (clusterLast - a.lastSeenMs <= allowance ? clusterLast : a.lastSeenMs) + allowance, toMs: Infinity });
    }
    for (const node of this.source.objects(cluster, LIVENESS_KIND)) {
      for (const h of this.source.history(cluster, LIVENESS_KIND, node, range)) {
        let from: number | null = null;
        for (const r of h.rows) {
          if (r.state === 'stale' && from === null) from = r.atMs;
          else if (r.state !== 'stale' && from !== null) {
            add(node, { fromMs: from, toMs: r.atMs });
            from = null;
          }
        }
        if (from !== null) add(node, { fromMs: from, toMs: Infinity });
      }
    }
    const out = new Map<string, TimeRange[]>();
    for (const [node, list] of raw) {
      const merged: { fromMs: number; toMs: number }[] = [];
      for (const r of list.sort((a, b) => a.fromMs - b.fromMs)) {
        const last = merged[merged.length - 1];
        if (last !== undefined && r.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, r.toMs);
        else merged.push({ ...r });
      }
      out.set(node, merged);
    }
    this.silenceCache.set(key, out);
    return out;
  }

  private views(cluster: string, histories: readonly ReporterHistory[], range: TimeRange): { reporters: string[]; views: Seg<View>[][] } {
    const silent = this.silence(cluster, range);
    return {
      reporters: histories.map((h) => h.node),
      views: histories.map((h) => viewTimeline(h.rows, range, silent.get(h.node) ?? [])),
    };
  }

  private clusterHistory(cluster: string, range: TimeRange): ReporterHistory[] {
    const key = `${cluster}\u0000${range.fromMs}\u0000${range.toMs}`;
    let h = this.clusterViews.get(key);
    if (h === undefined) {
      h = this.source.history(cluster, STORE_KINDS.cluster, CLUSTER_OBJECT, range);
      this.clusterViews.set(key, h);
    }
    return h;
  }

  /**
   * Figures for one object in one window, or null when the object did not exist in it (no rows, or every
   * reporter had already dropped it). `service` applies to resources and VIPs (split, holders).
   */
  objectSla(target: SlaTarget, window: TimeRange, nowMs: number, basePolicy: SlaPolicy, service: Partial<ServicePolicy> = {}): ObjectSla | null {
    const range = contextRange(window, nowMs, basePolicy.debounceMs);
    // Windows over the whole window (its future part lowers the error budget), not only up to now.
    const stored = this.windowsFor(target, { fromMs: range.fromMs, toMs: window.toMs + basePolicy.debounceMs });
    const policy = stored.length === 0 ? basePolicy : slaPolicy({ ...basePolicy, maintenance: [...basePolicy.maintenance, ...stored] });
    const histories = this.source.history(target.cluster, STORE_KINDS[target.kind], target.object, range);
    const existed = histories.some((h) => h.rows.some((r) => r.atMs > range.fromMs || r.state !== 'gone'));
    if (!existed) return null;
    const { reporters, views } = this.views(target.cluster, histories, range);
    let evidence: EvidenceInterval[];
    if (target.kind === 'resource' || target.kind === 'vip') {
      const hosts = target.kind === 'resource' ? resourceHostTimelines(reporters, views, range) : vipHostTimelines(reporters, views);
      evidence = combineService(hosts, range, service).map((s) => ({
        fromMs: s.fromMs,
        toMs: s.toMs,
        availability: s.availability,
        state: s.state satisfies ServiceState,
        holders: s.holders,
      }));
    } else if (target.kind === 'node') {
      const cv = this.views(target.cluster, this.clusterHistory(target.cluster, range), range);
      const names = [...new Set([...reporters, ...cv.reporters])].sort(cmp);
      const all = (l: Seg<View>[] | undefined) => l ?? [{ fromMs: range.fromMs, toMs: range.toMs, value: NO_DATA }];
      const nodeLists = names.map((n) => all(views[reporters.indexOf(n)]));
      const clusterLists = names.map((n) => all(cv.views[cv.reporters.indexOf(n)]));
      const me = names.indexOf(target.object);
      const segs = sweep(
        [...nodeLists, ...clusterLists],
        range,
        (vals): View => {
          const nodeV = vals.slice(0, names.length);
          const clusterV = vals.slice(names.length);
          const own = me >= 0 ? nodeV[me] : undefined;
          const ownKnown = own !== undefined && own.availability !== 'unknown';
          const q = names.map((_, i) => i).filter((i) => quorate(clusterV[i]));
          if (q.length > 0) {
            if (ownKnown && q.includes(me)) return own;
            return consensus(q.map((i) => nodeV[i] as View));
          }
          return ownKnown ? own : consensus(nodeV);
        },
        sameView,
      );
      evidence = segs.map((s) => ({ fromMs: s.fromMs, toMs: s.toMs, availability: s.value.availability, state: s.value.state, holders: [] }));
    } else {
      const rank: readonly Availability[] = ['up', 'maintenance', 'degraded', 'down'];
      const segs = sweep(
        views,
        range,
        (vals): View => {
          for (const a of rank) {
            const v = vals.find((x) => x.availability === a);
            if (v !== undefined) return v;
          }
          return vals.find((v) => v === SILENT) ?? NO_DATA;
        },
        sameView,
      );
      evidence = segs.map((s) => ({ fromMs: s.fromMs, toMs: s.toMs, availability: s.value.availability, state: s.value.state, holders: [] }));
    }
    const intervals = finishIntervals(evidence, window, nowMs, policy);
    const e = evaluatedRange(window, nowMs);
    const alerts = this.alertsAbout(target, { fromMs: e.fromMs, toMs: Math.max(e.toMs, e.fromMs + 1) });
    return {
      target,
      reporters,
      report: computeAvailability(intervals, policy, window, nowMs, { alerts }),
      intervals,
      policy,
      maintenance: stored,
      evidence: evidence
        .filter((iv) => iv.toMs > e.fromMs && iv.fromMs < e.toMs)
        .map((iv) => ({ ...iv, fromMs: Math.max(iv.fromMs, e.fromMs), toMs: Math.min(iv.toMs, e.toMs) })),
    };
  }
}
