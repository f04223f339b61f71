// Events: the transition history in SQLite, newest first. Every query is one cluster's rows through an index
// (migration 3 adds the ones $filter needs); a test holds the plans to that with EXPLAIN QUERY PLAN.
import type { Db } from '../store/db.js';
import type { Comparison } from './filter.js';
import { iso, link, paths, type Health } from './odata.js';

export interface TransitionRow {
  id: number;
  cluster: string;
  node: string;
  probe: string;
  kind: string;
  object: string;
  from_state: string | null;
  to_state: string;
  availability: 'up' | 'down' | 'degraded' | 'unknown' | 'maintenance';
  at_ms: number;
}

const COLUMN: Record<Comparison['property'], string> = { Time: 'at_ms', Kind: 'kind', Object: 'object', Node: 'node' };
const SQL_OP: Record<Comparison['op'], string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
const COLUMNS = 'id, cluster, node, probe, kind, object, from_state, to_state, availability, at_ms';

/** WHERE clause and parameters for one cluster and a parsed $filter; operators and columns come from fixed maps. */
export const eventsWhere = (cluster: string, filter: readonly Comparison[]): { where: string; params: (string | number)[] } => {
  const parts = ['cluster = ?'];
  const params: (string | number)[] = [cluster];
  for (const c of filter) {
    parts.push(`${COLUMN[c.property]} ${SQL_OP[c.op]} ?`);
    params.push(c.value);
  }
  return { where: parts.join(' AND '), params };
};

export const eventsPageSql = (where: string) => `SELECT ${COLUMNS} FROM transitions WHERE ${where} ORDER BY at_ms DESC, id DESC LIMIT ? OFFSET ?`;
export const eventsCountSql = (where: string) => `SELECT count(*) AS n FROM transitions WHERE ${where}`;

export class EventStore {
  private readonly one;
  constructor(private readonly db: Db) {
    this.one = db.prepare(`SELECT ${COLUMNS} FROM transitions WHERE id = ? AND cluster = ?`);
  }

  page(cluster: string, filter: readonly Comparison[], top: number, skip: number): { rows: TransitionRow[]; count: number } {
    const { where, params } = eventsWhere(cluster, filter);
    // The WHERE clause varies with the filter's shape; preparing per request costs microseconds.
    const rows = this.db.prepare(eventsPageSql(where)).all(...params, top, skip) as TransitionRow[];
    const count = (this.db.prepare(eventsCountSql(where)).get(...params) as { n: number }).n;
    return { rows, count };
  }

  get(cluster: string, id: number): TransitionRow | null {
    return (this.one.get(id, cluster) as TransitionRow | undefined) ?? null;
  }
}

const AVAILABILITY_HEALTH: Record<TransitionRow['availability'], Health> = { up: 'OK', maintenance: 'OK', degraded: 'Warning', unknown: 'Warning', down: 'Critical' };

/** An Event resource; ReportedBy links only to nodes the API currently serves, so the link never dangles. */
export const eventBody = (r: TransitionRow, nodeExists: (cluster: string, node: string) => boolean) => {
  const h = AVAILABILITY_HEALTH[r.availability];
  return {
    '@odata.id': paths.event(r.cluster, r.id),
    '@odata.type': '#HawatchEvent.v1_0_0.HawatchEvent',
    Id: String(r.id),
    Name: `${r.kind} ${r.object}: ${r.from_state ?? '(new)'} -> ${r.to_state}`,
    cimClass: 'CIM_InstModification',
    Status: { State: 'Enabled' as const, Health: h, HealthRollup: h },
    EventTimestamp: iso(r.at_ms),
    Kind: r.kind,
    Object: r.object,
    FromState: r.from_state,
    ToState: r.to_state,
    Availability: r.availability,
    Probe: r.probe,
    Links: {
      ReportedBy: nodeExists(r.cluster, r.node) ? link(paths.node(r.cluster, r.node)) : null,
      Cluster: link(paths.cluster(r.cluster)),
    },
  };
};
