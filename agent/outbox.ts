// The agent's durable outbox: observations wait here on disk until the collector has acknowledged them, so an
// agent restart or a collector outage loses nothing. Observations are first `pending`; sealing freezes them into
// numbered batches whose JSON never changes afterwards, so a retry re-sends the same bytes under the same seq and
// the collector can store a replay once. The only way data leaves without an acknowledgement is the `maxBatches`
// bound (logged loudly) or a permanent rejection by the collector (kept in `dead_letters`).
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Compile } from 'typebox/compile';
import { Observation, PROTOCOL_VERSION, type PushBatch } from './protocol/index.js';

export interface OutboxLogger {
  info: (obj: object, msg: string) => void;
  warn: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

export interface OutboxOptions {
  logger: OutboxLogger;
  /** Sealed batches kept while the collector is away; beyond this the oldest are dropped. */
  maxBatches?: number;
  /** Dead letters kept for inspection; beyond this the oldest are pruned. */
  maxDeadLetters?: number;
  /** Clock for bookkeeping timestamps (migrations, dead letters); batch times come from `seal(…, now)`. */
  now?: () => number;
}

/** The part of a PushBatch that the agent's configuration decides. */
export interface BatchHeader {
  cluster: string;
  node: string;
  agentVersion: string;
  intervalMs: number;
}

export interface SealedBatch {
  seq: number;
  sealedAt: number;
  observations: number;
  bytes: number;
  /** The PushBatch JSON exactly as it is sent, every time. */
  body: string;
}

export interface DeadLetter extends SealedBatch {
  deadAt: number;
  reason: string;
}

export interface SealResult {
  /** seqs of the batches made by this call, in order */
  seqs: number[];
  observations: number;
  /** sealed batches dropped by the `maxBatches` bound */
  dropped: number;
}

export interface OutboxCounts {
  pending: number;
  batches: number;
  /** bytes waiting on disk: sealed batch bodies plus pending observations */
  bytes: number;
  deadLetters: number;
  /** batches ever dropped by the bound, over the life of this outbox */
  droppedTotal: number;
}

export class OutboxError extends Error {
  override readonly name = 'OutboxError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export const DEFAULT_MAX_BATCHES = 50_000;
export const DEFAULT_MAX_DEAD_LETTERS = 1_000;
/** Half the collector's default body limit (8 MiB), so a full batch is never refused as too large. */
export const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Numbered migrations; a migration, once released, is never edited, only followed by a new one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   -- plain rowid: new rows always get max(id)+1, so id order is arrival order
   CREATE TABLE pending (id INTEGER PRIMARY KEY, probe TEXT NOT NULL, at INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
   -- seq comes from meta.last_seq, never from max(seq): acks delete rows, and a seq must never be reused
   CREATE TABLE batches (seq INTEGER PRIMARY KEY, sealed_at INTEGER NOT NULL, observations INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
   CREATE TABLE dead_letters (seq INTEGER PRIMARY KEY, sealed_at INTEGER NOT NULL, dead_at INTEGER NOT NULL, observations INTEGER NOT NULL,
     bytes INTEGER NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL) STRICT;`,
];

const META_INSTANCE = 'agent_instance';
const META_LAST_SEQ = 'last_seq';
const META_DROPPED = 'dropped_batches_total';

interface PendingRow {
  id: number;
  bytes: number;
  body: string;
}
interface BatchRow {
  seq: number;
  sealed_at: number;
  observations: number;
  bytes: number;
  body: string;
}

export class Outbox {
  readonly agentInstance: string;
  private readonly log: OutboxLogger;
  private readonly maxBatches: number;
  private readonly maxDeadLetters: number;
  private readonly now: () => number;
  // Compiled per outbox, not per module: no module-level state.
  private readonly checkObservation = Compile(Observation);
  private readonly st: ReturnType<Outbox['prepare']>;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    opts: OutboxOptions,
  ) {
    this.log = opts.logger;
    this.maxBatches = opts.maxBatches ?? DEFAULT_MAX_BATCHES;
    this.maxDeadLetters = opts.maxDeadLetters ?? DEFAULT_MAX_DEAD_LETTERS;
    this.now = opts.now ?? Date.now;
    if (!(this.maxBatches >= 1) || !(this.maxDeadLetters >= 0)) {
      throw new OutboxError('hawatch.outbox.bad_option', `maxBatches must be >= 1 and maxDeadLetters >= 0`);
    }
    migrate(db, this.now);
    this.st = this.prepare();
    this.agentInstance = this.ensureInstance();
  }

  private prepare() {
    const db = this.db;
    return {
      getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      insertPending: db.prepare<[string, number, number, string]>('INSERT INTO pending (probe, at, bytes, body) VALUES (?, ?, ?, ?)'),
      headPending: db.prepare<[number], PendingRow>('SELECT id, bytes, body FROM pending ORDER BY id LIMIT ?'),
      deletePendingUpTo: db.prepare<[number]>('DELETE FROM pending WHERE id <= ?'),
      insertBatch: db.prepare<[number, number, number, number, string]>('INSERT INTO batches (seq, sealed_at, observations, bytes, body) VALUES (?, ?, ?, ?, ?)'),
      oldestBatch: db.prepare<[], BatchRow>('SELECT seq, sealed_at, observations, bytes, body FROM batches ORDER BY seq LIMIT 1'),
      getBatch: db.prepare<[number], BatchRow>('SELECT seq, sealed_at, observations, bytes, body FROM batches WHERE seq = ?'),
      deleteBatch: db.prepare<[number]>('DELETE FROM batches WHERE seq = ?'),
      countBatches: db.prepare<[], number>('SELECT count(*) FROM batches').pluck(),
      oldestBatches: db.prepare<[number], { n: number; lo: number; hi: number; obs: number }>(
        'SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, total(observations) AS obs FROM (SELECT seq, observations FROM batches ORDER BY seq LIMIT ?)',
      ),
      deleteBatchesUpTo: db.prepare<[number]>('DELETE FROM batches WHERE seq <= ?'),
      insertDead: db.prepare<[number, number, number, number, number, string, string]>(
        'INSERT OR REPLACE INTO dead_letters (seq, sealed_at, dead_at, observations, bytes, reason, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      countDead: db.prepare<[], number>('SELECT count(*) FROM dead_letters').pluck(),
      pruneDead: db.prepare<[number]>('DELETE FROM dead_letters WHERE seq IN (SELECT seq FROM dead_letters ORDER BY seq LIMIT ?)'),
      listDead: db.prepare<[number], BatchRow & { dead_at: number; reason: string }>(
        'SELECT seq, sealed_at, observations, bytes, body, dead_at, reason FROM dead_letters ORDER BY seq LIMIT ?',
      ),
      counts: db.prepare<[], { pending: number; pendingBytes: number; batches: number; batchBytes: number; dead: number }>(
        `SELECT (SELECT count(*) FROM pending) AS pending, (SELECT total(bytes) FROM pending) AS pendingBytes,
                (SELECT count(*) FROM batches) AS batches, (SELECT total(bytes) FROM batches) AS batchBytes,
                (SELECT count(*) FROM dead_letters) AS dead`,
      ),
    };
  }

  private ensureInstance(): string {
    return this.db.transaction(() => {
      const existing = this.st.getMeta.get(META_INSTANCE);
      if (existing !== undefined) return existing;
      // A new (or wiped) outbox gets a new instance, so its seqs, starting again at 1, never collide with old ones.
      const id = randomUUID();
      this.st.setMeta.run(META_INSTANCE, id);
      this.st.setMeta.run(META_LAST_SEQ, '0');
      this.st.setMeta.run(META_DROPPED, '0');
      this.log.info({ agentInstance: id }, 'new outbox: created agent instance id');
      return id;
    }).immediate();
  }

  private metaInt(key: string): number {
    const v = this.st.getMeta.get(key);
    return v === undefined ? 0 : Number(v);
  }

  /**
   * Queue one observation. It is checked against the wire schema here, so that one bad observation is refused
   * alone (the caller logs it) instead of making the collector reject a whole batch later.
   */
  enqueue(obs: Observation): void {
    this.assertOpen();
    if (!this.checkObservation.Check(obs)) {
      const problems = this.checkObservation
        .Errors(obs)
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'}: ${e.message}`);
      throw new OutboxError('hawatch.outbox.invalid_observation', `observation of probe "${String((obs as { probe?: unknown }).probe)}" does not match the push schema: ${problems.join('; ')}`);
    }
    const body = JSON.stringify(obs);
    this.st.insertPending.run(obs.probe, obs.at, Buffer.byteLength(body), body);
  }

  /**
   * Freeze all pending observations (oldest first) into batches of at most `maxObservations` and `maxBytes`
   * (at least one observation each). Then enforce the `maxBatches` bound. One transaction.
   */
  seal(header: BatchHeader, now: number, maxObservations: number, maxBytes: number = DEFAULT_MAX_BATCH_BYTES): SealResult {
    this.assertOpen();
    if (!(maxObservations >= 1)) throw new OutboxError('hawatch.outbox.bad_option', 'maxObservations must be >= 1');
    const result = this.db
      .transaction((): SealResult => {
        let lastSeq = this.metaInt(META_LAST_SEQ);
        const seqs: number[] = [];
        let observations = 0;
        for (;;) {
          const rows = this.st.headPending.all(maxObservations);
          if (rows.length === 0) break;
          const seq = lastSeq + 1;
          const head: Omit<PushBatch, 'observations'> = {
            protocol: PROTOCOL_VERSION,
            cluster: header.cluster,
            node: header.node,
            agentInstance: this.agentInstance,
            agentVersion: header.agentVersion,
            seq,
            sealedAt: now,
            intervalMs: header.intervalMs,
          };
          // Bodies are spliced in as stored (each came from JSON.stringify), rather than parsed and re-serialised.
          const open = `${JSON.stringify(head).slice(0, -1)},"observations":[`;
          let size = Buffer.byteLength(open) + 2;
          const take: PendingRow[] = [];
          for (const r of rows) {
            if (take.length > 0 && size + r.bytes + 1 > maxBytes) break;
            take.push(r);
            size += r.bytes + 1;
          }
          const last = take[take.length - 1] as PendingRow; // rows is non-empty, and the first row is always taken
          const body = `${open}${take.map((r) => r.body).join(',')}]}`;
          this.st.insertBatch.run(seq, now, take.length, Buffer.byteLength(body), body);
          this.st.deletePendingUpTo.run(last.id);
          lastSeq = seq;
          seqs.push(seq);
          observations += take.length;
        }
        if (seqs.length > 0) this.st.setMeta.run(META_LAST_SEQ, String(lastSeq));
        return { seqs, observations, dropped: this.enforceBound() };
      })
      .immediate();
    return result;
  }

  /** Runs inside seal's transaction. */
  private enforceBound(): number {
    const excess = this.st.countBatches.get()! - this.maxBatches;
    if (excess <= 0) return 0;
    const victims = this.st.oldestBatches.get(excess)!;
    this.st.deleteBatchesUpTo.run(victims.hi);
    this.st.setMeta.run(META_DROPPED, String(this.metaInt(META_DROPPED) + victims.n));
    // The one place where data is lost: say so where an operator will see it.
    this.log.error(
      { dropped: victims.n, observations: victims.obs, fromSeq: victims.lo, toSeq: victims.hi, maxBatches: this.maxBatches },
      `outbox full: dropped the ${victims.n} oldest unsent batch(es); the collector has been unreachable for too long`,
    );
    return victims.n;
  }

  /** The next batch to send, or undefined when none is sealed. */
  oldestBatch(): SealedBatch | undefined {
    this.assertOpen();
    const r = this.st.oldestBatch.get();
    return r === undefined ? undefined : toBatch(r);
  }

  /** The collector has stored this batch: forget it. Returns false when it was not (or no longer) here. */
  ack(seq: number): boolean {
    this.assertOpen();
    return this.st.deleteBatch.run(seq).changes > 0;
  }

  /**
   * The collector refused this batch for good (bad schema, too large): move it aside with the reason, so that it
   * no longer blocks the queue and can still be inspected. Returns false when the batch is not here.
   */
  deadLetter(seq: number, reason: string): boolean {
    this.assertOpen();
    const deadAt = this.now();
    return this.db
      .transaction((): boolean => {
        const r = this.st.getBatch.get(seq);
        if (r === undefined) return false;
        this.st.insertDead.run(r.seq, r.sealed_at, deadAt, r.observations, r.bytes, reason, r.body);
        this.st.deleteBatch.run(seq);
        const excess = this.st.countDead.get()! - this.maxDeadLetters;
        if (excess > 0) {
          this.st.pruneDead.run(excess);
          this.log.warn({ pruned: excess, maxDeadLetters: this.maxDeadLetters }, 'dead letters over their bound: pruned the oldest');
        }
        return true;
      })
      .immediate();
  }

  /** Dead letters, oldest first (for diagnostics and tests). */
  deadLetters(limit = 100): DeadLetter[] {
    this.assertOpen();
    return this.st.listDead.all(limit).map((r) => ({ ...toBatch(r), deadAt: r.dead_at, reason: r.reason }));
  }

  counts(): OutboxCounts {
    this.assertOpen();
    const c = this.st.counts.get()!;
    return {
      pending: c.pending,
      batches: c.batches,
      bytes: c.pendingBytes + c.batchBytes,
      deadLetters: c.dead,
      droppedTotal: this.metaInt(META_DROPPED),
    };
  }

  /** The last seq handed out (0 before the first batch). */
  lastSeq(): number {
    this.assertOpen();
    return this.metaInt(META_LAST_SEQ);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new OutboxError('hawatch.outbox.closed', 'the outbox is closed');
  }
}

const toBatch = (r: BatchRow): SealedBatch => ({ seq: r.seq, sealedAt: r.sealed_at, observations: r.observations, bytes: r.bytes, body: r.body });

const migrate = (db: Database.Database, now: () => number): void => {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT');
  const current = db.prepare<[], number | null>('SELECT max(version) FROM schema_version').pluck().get() ?? 0;
  if (current > MIGRATIONS.length) {
    // Written by a newer agent: refuse rather than guess, and never drop what it queued.
    throw new OutboxError('hawatch.outbox.schema_too_new', `outbox schema version ${current} is newer than this agent knows (${MIGRATIONS.length})`);
  }
  const record = db.prepare<[number, number]>('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
  MIGRATIONS.forEach((sql, i) => {
    const version = i + 1;
    if (version <= current) return;
    db.transaction(() => {
      db.exec(sql);
      record.run(version, now());
    }).immediate();
  });
};

/** SQLite page cache of the outbox, in KiB. */
export const OUTBOX_CACHE_KIB = 1024;

/**
 * Open (or create) the outbox at `path`. WAL with synchronous=NORMAL: a committed row survives a crash of the
 * agent; only a power cut can lose the last commits, which is the right trade for monitoring data.
 */
export const openOutbox = (path: string, opts: OutboxOptions): Outbox => {
  const db = new Database(path, { timeout: 5_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // better-sqlite3 builds SQLite with a 16 MB page cache, which an outage fills (batches pile up) and which is
    // never given back. The outbox appends at one end and reads at the other, so 1 MB holds its working set.
    // No mmap (SQLite's default, set anyway): mapped pages would count against the agent's RSS the same way.
    db.pragma(`cache_size = -${OUTBOX_CACHE_KIB}`);
    db.pragma('mmap_size = 0');
    return new Outbox(db, opts);
  } catch (e) {
    db.close();
    if (e instanceof OutboxError) throw e;
    throw new OutboxError('hawatch.outbox.open_failed', `cannot open the outbox at ${path}: ${(e as Error).message}`, { cause: e });
  }
};
