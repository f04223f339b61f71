// Silences and maintenance windows: Alertmanager-style matchers over an alert's label set, active over
// [starts, ends). A silence mutes notifications; a maintenance window is a silence the SLA module also reads (it
// excludes the window from availability). Expiring sets ends to "now", so the row stays as history.
//
// Matching follows Alertmanager: the label set is alertLabels() (the alert's labels plus alertname, cluster,
// severity); a label the alert lacks has the value ""; regexes are anchored. collector/sla/matchers.ts reads the
// same stored JSON with the same semantics.
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { Alert } from './types.js';
import { alertLabels } from './notify/format.js';

/** One matcher as stored (JSON array in silences.matchers) and as Alertmanager's API spells it. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export type SilenceKind = 'silence' | 'maintenance';
export type SilenceState = 'Pending' | 'Active' | 'Expired';

export interface Silence {
  id: string;
  kind: SilenceKind;
  matchers: Matcher[];
  startsMs: number;
  endsMs: number;
  comment: string;
  createdBy: string;
  createdMs: number;
}

export interface SilenceInput {
  kind: SilenceKind;
  matchers: readonly Matcher[];
  /** Default: now. */
  startsMs?: number;
  endsMs: number;
  comment: string;
  createdBy: string;
}

/** A request the store refuses; `problems` name each bad field (the REST layer turns it into a 400). */
export class SilenceError extends Error {
  override readonly name = 'SilenceError';
  readonly code = 'hawatch.alerts.silence_invalid';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

export const silenceState = (s: Pick<Silence, 'startsMs' | 'endsMs'>, atMs: number): SilenceState =>
  atMs >= s.endsMs ? 'Expired' : atMs < s.startsMs ? 'Pending' : 'Active';

/** Anchored as in Alertmanager; null when the pattern does not compile. */
const compile = (source: string): RegExp | null => {
  try {
    return new RegExp(`^(?:${source})$`, 'su');
  } catch {
    return null;
  }
};

// Label names as Prometheus allows them; alertLabels() makes every hawatch label name fit.
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_MATCHERS = 32;

/** Compiled matchers: regexes are compiled once per silence, not per alert. */
export type CompiledMatcher = Matcher & { re: RegExp | null };

export const compileMatchers = (ms: readonly Matcher[]): CompiledMatcher[] => ms.map((m) => ({ ...m, re: m.isRegex ? compile(m.value) : null }));

export const matcherMatches = (m: CompiledMatcher | Matcher, labels: Readonly<Record<string, string>>): boolean => {
  const v = Object.hasOwn(labels, m.name) ? (labels[m.name] as string) : '';
  let hit: boolean;
  if (m.isRegex) {
    const re = 're' in m ? m.re : compile(m.value);
    if (re === null) return false; // never stored (validation refuses it); matches nothing rather than everything
    hit = re.test(v);
  } else hit = v === m.value;
  return m.isEqual ? hit : !hit;
};

/** Every matcher matches (an empty list matches nothing: a silence must name what it silences). */
export const matchersMatch = (ms: readonly (CompiledMatcher | Matcher)[], labels: Readonly<Record<string, string>>): boolean =>
  ms.length > 0 && ms.every((m) => matcherMatches(m, labels));

/** What is wrong with a list of matchers, one line per problem (empty when fine). */
export const matcherProblems = (ms: readonly Matcher[], where = 'Matchers'): string[] => {
  const out: string[] = [];
  if (ms.length === 0) out.push(`${where}: at least one matcher is needed (an empty list would silence nothing, or everything)`);
  if (ms.length > MAX_MATCHERS) out.push(`${where}: at most ${MAX_MATCHERS} matchers`);
  ms.forEach((m, i) => {
    if (!LABEL_NAME.test(m.name)) out.push(`${where}[${i}].name: "${m.name}" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
    if (m.isRegex && compile(m.value) === null) {
      let reason = 'invalid';
      try {
        new RegExp(m.value, 'u');
      } catch (e) {
        reason = (e as Error).message;
      }
      out.push(`${where}[${i}].value: not a valid regular expression: ${reason}`);
    }
  });
  // As Alertmanager: matchers that all match the empty label set would silence every alert of every cluster.
  if (out.length === 0 && matchersMatch(compileMatchers(ms), {})) out.push(`${where}: at least one matcher must not match the empty string, or the silence would match every alert`);
  return out;
};

interface SilenceRow {
  id: string;
  kind: SilenceKind;
  matchers: string;
  starts_ms: number;
  ends_ms: number;
  comment: string;
  created_by: string;
  created_ms: number;
}

const fromRow = (r: SilenceRow): Silence => {
  let matchers: Matcher[] = [];
  try {
    const raw = JSON.parse(r.matchers) as Partial<Matcher>[];
    // Alertmanager's API defaults: isEqual true, isRegex false (rows written by others may leave them out).
    matchers = raw.map((m) => ({ name: String(m.name), value: String(m.value), isRegex: m.isRegex === true, isEqual: m.isEqual !== false }));
  } catch {
    matchers = []; // an unreadable row matches nothing
  }
  return { id: r.id, kind: r.kind, matchers, startsMs: r.starts_ms, endsMs: r.ends_ms, comment: r.comment, createdBy: r.created_by, createdMs: r.created_ms };
};

/** Silences in SQLite (migration 4). Active ones are cached with compiled matchers until the next write. */
export class SilenceStore {
  private readonly stmt;
  private cache: { key: string; all: (Silence & { compiled: CompiledMatcher[] })[] } | null = null;

  constructor(
    db: Db,
    private readonly now: () => number,
  ) {
    this.stmt = {
      insert: db.prepare('INSERT INTO silences (id, kind, matchers, starts_ms, ends_ms, comment, created_by, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      all: db.prepare('SELECT * FROM silences ORDER BY created_ms DESC, id'),
      one: db.prepare('SELECT * FROM silences WHERE id = ?'),
      // Not yet ended: the candidates for active() at any later time.
      live: db.prepare('SELECT * FROM silences WHERE ends_ms > ?'),
      expire: db.prepare('UPDATE silences SET ends_ms = ?, starts_ms = min(starts_ms, ?) WHERE id = ? AND ends_ms > ?'),
      // Any create or expire, by this instance or another one on the same database, changes this key.
      version: db.prepare('SELECT count(*) AS n, total(ends_ms) AS e FROM silences'),
    };
  }

  /** Validate and store; throws SilenceError naming every problem. */
  create(input: SilenceInput): Silence {
    const now = this.now();
    const startsMs = input.startsMs ?? now;
    const problems = matcherProblems(input.matchers);
    if (!Number.isFinite(startsMs) || !Number.isFinite(input.endsMs)) problems.push('StartsAt, EndsAt: not valid times');
    else {
      if (input.endsMs <= startsMs) problems.push(`EndsAt: ${new Date(input.endsMs).toISOString()} is not after StartsAt ${new Date(startsMs).toISOString()}`);
      if (input.endsMs <= now) problems.push(`EndsAt: ${new Date(input.endsMs).toISOString()} is in the past`);
    }
    if (input.comment.trim() === '') problems.push('Comment: say why (it is shown to whoever wonders why an alert did not page)');
    if (problems.length > 0) throw new SilenceError(problems);
    const s: Silence = {
      id: randomUUID(),
      kind: input.kind,
      matchers: input.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
      startsMs,
      endsMs: input.endsMs,
      comment: input.comment,
      createdBy: input.createdBy,
      createdMs: now,
    };
    this.stmt.insert.run(s.id, s.kind, JSON.stringify(s.matchers), s.startsMs, s.endsMs, s.comment, s.createdBy, s.createdMs);
    this.cache = null;
    return s;
  }

  /** Newest first, expired ones included (they are the history). */
  list(): Silence[] {
    return (this.stmt.all.all() as SilenceRow[]).map(fromRow);
  }

  get(id: string): Silence | null {
    const r = this.stmt.one.get(id) as SilenceRow | undefined;
    return r ? fromRow(r) : null;
  }

  /** End it now (kept as history). Returns the silence as it is afterwards, or null when there is none. */
  expire(id: string): Silence | null {
    const now = this.now();
    this.stmt.expire.run(now, now, id, now);
    this.cache = null;
    return this.get(id);
  }

  /** Silences active at `atMs` (both kinds). */
  active(atMs: number): Silence[] {
    return this.live().filter((s) => silenceState(s, atMs) === 'Active');
  }

  /** Ids of the silences active at `atMs` that match the alert. */
  matches(alert: Alert, atMs = this.now()): string[] {
    const labels = alertLabels(alert);
    return this.live()
      .filter((s) => silenceState(s, atMs) === 'Active' && matchersMatch(s.compiled, labels))
      .map((s) => s.id);
  }

  /** Rows that have not ended by now; re-read after any write, or when one of them has ended since. */
  private live(): (Silence & { compiled: CompiledMatcher[] })[] {
    const now = this.now();
    const v = this.stmt.version.get() as { n: number; e: number };
    const key = `${v.n}/${v.e}`;
    if (this.cache === null || this.cache.key !== key || this.cache.all.some((s) => s.endsMs <= now)) {
      this.cache = { key, all: (this.stmt.live.all(now) as SilenceRow[]).map(fromRow).map((s) => ({ ...s, compiled: compileMatchers(s.matchers) })) };
    }
    return this.cache.all;
  }
}
