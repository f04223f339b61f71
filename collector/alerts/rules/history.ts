// The rules' view of recent history: the `transitions` table (one row per change of an object's state as one node
// saw it; collector/store/writer.ts). Queries go through the (cluster, kind, at_ms) index and are bounded in time
// and rows, because the engine evaluates every rule many times a second (no cache: a push between two
// evaluations at the same clock reading must be seen).
import type { Db } from '../../store/db.js';
import type { RuleContext, TransitionRecord } from './types.js';

export interface SqliteRuleContextOptions {
  /** The collector's clock: windows are cut at now - maxWindowMs. No upper bound: `at_ms` is the agent's clock. */
  now: () => number;
  /** The longest window any rule may look back; longer requests are cut to it. Default 1 h. */
  maxWindowMs?: number;
  /** At most this many rows per query (the newest are kept). Default 5,000. */
  maxRows?: number;
}

interface Row {
  node: string;
  probe: string;
  kind: string;
  object: string;
  from_state: string | null;
  to_state: string;
  at_ms: number;
}

export class SqliteRuleContext implements RuleContext {
  private readonly stmt;
  private readonly maxWindowMs: number;
  private readonly maxRows: number;

  constructor(db: Db, private readonly opts: SqliteRuleContextOptions) {
    this.maxWindowMs = opts.maxWindowMs ?? 3_600_000;
    this.maxRows = opts.maxRows ?? 5_000;
    // Newest first under the LIMIT (a burst keeps its latest rows), reversed below to oldest first.
    this.stmt = db.prepare(
      `SELECT node, probe, kind, object, from_state, to_state, at_ms FROM transitions
       WHERE cluster = ? AND kind = ? AND at_ms >= ? ORDER BY at_ms DESC, id DESC LIMIT ?`,
    );
  }

  transitions(cluster: string, kind: string, sinceMs: number): readonly TransitionRecord[] {
    const now = this.opts.now();
    const since = Math.max(sinceMs, now - this.maxWindowMs);
    const rows = this.stmt.all(cluster, kind, since, this.maxRows) as Row[];
    return rows.reverse().map((r) => ({ node: r.node, probe: r.probe, kind: r.kind, object: r.object, from: r.from_state, to: r.to_state, atMs: r.at_ms }));
  }
}
