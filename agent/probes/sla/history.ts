// The node's own state history for its SLA figures: every object state this node's probes reported, one row per
// change, in a small SQLite file of its own next to the outbox (so it survives restarts and never competes with the
// outbox's pages). The agent's runs are recorded too: the time between one run's last record and the next run's
// start is unknown, not up, because nobody was watching.
import Database from 'better-sqlite3';
import type { ObjectState } from '../../protocol/index.js';
import type { Availability, Transition } from '../../../collector/sla/types.js';

export const SLA_HISTORY_FILE = 'sla-history.sqlite';

/** How often the current run's "still here" mark is written at most (it bounds the unknown gap after a crash). */
const RUN_MARK_EVERY_MS = 10_000;

interface ObjectKey {
  kind: string;
  id: string;
}

export class LocalStateHistory {
  private readonly stmt;
  /** The last class recorded per object during this run: a row is written only when it changes. */
  private readonly last = new Map<string, Availability>();
  private lastMarkMs = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly db: Database.Database,
    private readonly runStartMs: number,
  ) {
    this.stmt = {
      insert: db.prepare<[string, string, number, string]>('INSERT OR REPLACE INTO states (kind, id, at_ms, availability) VALUES (?, ?, ?, ?)'),
      mark: db.prepare<[number, number]>('UPDATE runs SET last_ms = ? WHERE start_ms = ?'),
      objects: db.prepare<[], ObjectKey>('SELECT DISTINCT kind, id FROM states ORDER BY kind, id'),
      // The last row before the window tells the state at its start; then every row inside it.
      before: db.prepare<[string, string, number], { at_ms: number; availability: string }>(
        'SELECT at_ms, availability FROM states WHERE kind = ? AND id = ? AND at_ms < ? ORDER BY at_ms DESC LIMIT 1',
      ),
      since: db.prepare<[string, string, number], { at_ms: number; availability: string }>(
        'SELECT at_ms, availability FROM states WHERE kind = ? AND id = ? AND at_ms >= ? ORDER BY at_ms',
      ),
      runs: db.prepare<[number], { start_ms: number; last_ms: number }>('SELECT start_ms, last_ms FROM runs WHERE last_ms >= ? ORDER BY start_ms'),
      first: db.prepare<[], number | null>('SELECT min(start_ms) FROM runs').pluck(),
      latest: db.prepare<[string, string], string>('SELECT availability FROM states WHERE kind = ? AND id = ? ORDER BY at_ms DESC LIMIT 1').pluck(),
      pruneStates: db.prepare<[{ cut: number }]>(
        // Keep each object's last row before the cutoff: it is the state at the start of the longest window.
        `DELETE FROM states WHERE at_ms < @cut AND at_ms < (SELECT max(s2.at_ms) FROM states s2 WHERE s2.kind = states.kind AND s2.id = states.id AND s2.at_ms < @cut)`,
      ),
      pruneRuns: db.prepare<[number]>('DELETE FROM runs WHERE last_ms < ?'),
    };
  }

  /** Open (or create) the history and record that a run of the agent starts now. */
  static open(path: string, nowMs: number): LocalStateHistory {
    const db = new Database(path);
    // A small history: a small page cache and no mmap (the agent's memory budget is tight).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -256');
    db.pragma('mmap_size = 0');
    db.exec(`
      CREATE TABLE IF NOT EXISTS states (kind TEXT NOT NULL, id TEXT NOT NULL, at_ms INTEGER NOT NULL, availability TEXT NOT NULL,
        PRIMARY KEY (kind, id, at_ms)) STRICT, WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS runs (start_ms INTEGER PRIMARY KEY, last_ms INTEGER NOT NULL) STRICT;
    `);
    db.prepare('INSERT OR REPLACE INTO runs (start_ms, last_ms) VALUES (?, ?)').run(nowMs, nowMs);
    return new LocalStateHistory(db, nowMs);
  }

  /** Record one observation's states: a row for each object whose class changed (or first seen in this run). */
  record(states: readonly ObjectState[], atMs: number): void {
    this.db.transaction(() => {
      for (const s of states) {
        const key = `${s.kind}\u0000${s.id}`;
        if (this.last.get(key) === s.availability) continue;
        this.last.set(key, s.availability);
        this.stmt.insert.run(s.kind, s.id, atMs, s.availability);
      }
      if (atMs - this.lastMarkMs >= RUN_MARK_EVERY_MS) {
        this.lastMarkMs = atMs;
        this.stmt.mark.run(atMs, this.runStartMs);
      }
    })();
  }

  objects(): ObjectKey[] {
    return this.stmt.objects.all();
  }

  /** When the oldest recorded run started, or null. */
  since(): number | null {
    return this.stmt.first.get() ?? null;
  }

  latest(kind: string, id: string): string | null {
    return this.stmt.latest.get(kind, id) ?? null;
  }

  /**
   * The object's transitions from `fromMs` on, with the agent's own absences as unknown: from a run's last mark to
   * the next run's start, and before the first run. Sorted, for the SLA maths.
   */
  transitions(kind: string, id: string, fromMs: number, nowMs: number): Transition[] {
    const rows: { atMs: number; availability: Availability; fromRun: boolean }[] = [];
    const before = this.stmt.before.get(kind, id, fromMs);
    if (before) rows.push({ atMs: fromMs, availability: before.availability as Availability, fromRun: false });
    for (const r of this.stmt.since.all(kind, id, fromMs)) rows.push({ atMs: r.at_ms, availability: r.availability as Availability, fromRun: false });
    const runs = this.stmt.runs.all(fromMs);
    for (const [i, run] of runs.entries()) {
      const next = runs[i + 1];
      // The current run is still watching: only ended runs leave a gap.
      if (next !== undefined) rows.push({ atMs: run.last_ms, availability: 'unknown', fromRun: true });
      if (run.start_ms >= fromMs) rows.push({ atMs: run.start_ms, availability: 'unknown', fromRun: true });
    }
    rows.sort((a, b) => a.atMs - b.atMs || Number(b.fromRun) - Number(a.fromRun));
    // At one instant the last word wins: an observation at a run's start replaces that run's "unknown".
    const out: Transition[] = [];
    for (const r of rows) {
      if (r.atMs > nowMs) break;
      if (out.length > 0 && out[out.length - 1]!.atMs === r.atMs) out[out.length - 1] = { atMs: r.atMs, availability: r.availability };
      else out.push({ atMs: r.atMs, availability: r.availability });
    }
    return out;
  }

  /** Drop what no window needs any more (each object keeps its last row before `olderThanMs`). */
  prune(olderThanMs: number): void {
    this.db.transaction(() => {
      this.stmt.pruneStates.run({ cut: olderThanMs });
      this.stmt.pruneRuns.run(olderThanMs);
    })();
  }

  /** Mark the run as watched until `nowMs` and close the file (the agent's stop). */
  close(nowMs: number): void {
    if (!this.db.open) return;
    this.stmt.mark.run(nowMs, this.runStartMs);
    this.db.close();
  }
}
