// The durable delivery queue: every notification becomes one row per notifier in SQLite before anything is sent, so
// a restart or an outage of a receiver loses nothing. Each notifier has its own worker that sends its rows oldest
// first, one request at a time, so "firing then resolved" for an alert always arrives in that order. A failed
// request is retried with capped exponential backoff and jitter (the receiver's retry-after is a floor); a row not
// delivered within maxAge, or refused as malformed, is marked failed with the reason. Every attempt is logged.
// Delivery is at least once: a send cut short by a crash is sent again after the restart.
import type { Db } from '../../store/db.js';
import type { Migration } from '../../store/migrations.js';
import type { Alert, AlertNotification, Notifier } from '../types.js';
import { DeliveryError } from './errors.js';
import type { GroupedNotification, NotificationGroup, QueueNotifier } from './types.js';

export const ALERT_DELIVERY_MIGRATION: Migration = {
  version: 100,
  name: 'alert delivery queue and delivery log',
  sql: `
    -- One row per notification per notifier; id order is delivery order.
    CREATE TABLE alert_deliveries (
      id INTEGER PRIMARY KEY,
      notifier TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('firing', 'resolved')),
      -- 1 for a periodic re-send of a firing alert (Alertmanager's endsAt lease), 0 for a state change.
      refresh INTEGER NOT NULL DEFAULT 0,
      -- The alert as it was when enqueued (JSON), so a retry sends what on-call was meant to see.
      alert TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
      created_ms INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_ms INTEGER NOT NULL,
      last_error TEXT,
      done_ms INTEGER
    ) STRICT;
    CREATE INDEX alert_deliveries_pending ON alert_deliveries (notifier, id) WHERE status = 'pending';
    CREATE INDEX alert_deliveries_by_alert ON alert_deliveries (notifier, fingerprint, id);
    CREATE INDEX alert_deliveries_done ON alert_deliveries (done_ms) WHERE status != 'pending';

    -- Every attempt: what was tried, what the receiver said.
    CREATE TABLE alert_delivery_log (
      id INTEGER PRIMARY KEY,
      delivery_id INTEGER NOT NULL,
      notifier TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      kind TEXT NOT NULL,
      refresh INTEGER NOT NULL,
      attempt INTEGER NOT NULL,
      status_code INTEGER,
      error TEXT,
      outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed')),
      duration_ms REAL,
      at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX alert_delivery_log_by_alert ON alert_delivery_log (fingerprint, id);
    CREATE INDEX alert_delivery_log_by_time ON alert_delivery_log (at_ms);
  `,
};

export interface DeliveryLogger {
  debug: (obj: object, msg: string) => void;
  info: (obj: object, msg: string) => void;
  warn: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

export interface BackoffOptions {
  /** First retry after about this long (default 1 s); doubles per failed attempt. */
  initialMs?: number;
  /** Ceiling of a retry delay, also of a receiver's retry-after (default 5 min). */
  maxMs?: number;
}

export interface DeliveryOutcome {
  notifier: string;
  kind: 'firing' | 'resolved';
  refresh: boolean;
  outcome: 'sent' | 'retry' | 'failed';
  attempt: number;
  statusCode: number | null;
  /** enqueue → accepted by the receiver, for outcome 'sent' */
  latencyMs: number | null;
}

export interface DeliveryQueueOptions {
  /** Migrated with ALERT_DELIVERY_MIGRATION. The queue never closes it. */
  db: Db;
  /**
   * Every destination, from the YAML and from stored REST subscriptions: pending rows of a name not given here
   * are marked failed at start (their destination is gone).
   */
  notifiers: readonly (Notifier | QueueNotifier)[];
  now: () => number;
  /** In [0, 1); drives the backoff jitter. */
  random: () => number;
  logger: DeliveryLogger;
  backoff?: BackoffOptions;
  /** A notification still undelivered after this long is marked failed (default 24 h). */
  maxAgeMs?: number;
  /** Sent and failed rows and the delivery log are pruned after this long (default 7 d). */
  retentionMs?: number;
  /** Called after every attempt, e.g. to feed a latency histogram. */
  onOutcome?: (o: DeliveryOutcome) => void;
}

export interface NotifierDeliveryStats {
  kind: Notifier['kind'];
  /** rows waiting (durable, survives restarts) */
  pending: number;
  /** enqueue time of the oldest waiting row */
  oldestPendingAtMs: number | null;
  /** Counters since this queue started: deliveries accepted, given up, requests made, retries scheduled. */
  sent: number;
  failed: number;
  attempts: number;
  retries: number;
  consecutiveFailures: number;
  nextAttemptAtMs: number | null;
  lastError: string | null;
  lastSuccessAtMs: number | null;
  /** enqueue → accepted, of the last delivery */
  lastLatencyMs: number | null;
}

export interface DeliveryStats {
  pending: number;
  sent: number;
  failed: number;
  notifiers: Record<string, NotifierDeliveryStats>;
}

export interface DeliveryLogEntry {
  id: number;
  deliveryId: number;
  notifier: string;
  fingerprint: string;
  kind: 'firing' | 'resolved';
  refresh: boolean;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  outcome: 'sent' | 'retry' | 'failed';
  durationMs: number | null;
  atMs: number;
}

export interface DeliveryQueue {
  /**
   * Store the notification(s) for every notifier (or the named ones) in one transaction; returns the rows added.
   * Synchronous and durable on return. Called inside the caller's own db.transaction, the rows commit (or roll
   * back) with the alert's state change; sending starts only after the caller's code has returned. With `group`,
   * receivers that take groups (the webhook) get the batch as one message of that group.
   */
  enqueue(n: AlertNotification | readonly AlertNotification[], options?: { notifiers?: readonly string[]; group?: NotificationGroup }): number;
  /**
   * Re-send firing alerts to notifiers that need it (Alertmanager). Call it with the engine's currently firing
   * alerts after each evaluation: per notifier and alert it enqueues a re-send only when the last one is at least
   * resendInterval old, none is pending, and the last notification enqueued was not a resolve. Returns rows added.
   */
  resendFiring(alerts: readonly Alert[]): number;
  /** Try now whatever is due (a retry that is not due yet keeps waiting). */
  kick(): void;
  /** A destination created at run time (a REST subscription). */
  addNotifier(n: Notifier | QueueNotifier): void;
  /** A deleted destination: waits for its request in flight, marks its pending rows failed; returns how many. */
  removeNotifier(name: string): Promise<number>;
  /** Resolves once no worker is sending and nothing due is left to send now. */
  settled(): Promise<void>;
  stats(): DeliveryStats;
  /** Newest first. */
  deliveryLog(query?: { fingerprint?: string; notifier?: string; limit?: number }): DeliveryLogEntry[];
  /** Stop the workers and wait for requests in flight. Pending rows stay for the next start. */
  close(): Promise<void>;
}

interface DeliveryRow {
  id: number;
  notifier: string;
  fingerprint: string;
  kind: 'firing' | 'resolved';
  refresh: number;
  alert: string;
  created_ms: number;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
  group_key: string | null;
  group_labels: string | null;
}

interface LogRow {
  id: number;
  delivery_id: number;
  notifier: string;
  fingerprint: string;
  kind: 'firing' | 'resolved';
  refresh: number;
  attempt: number;
  status_code: number | null;
  error: string | null;
  outcome: 'sent' | 'retry' | 'failed';
  duration_ms: number | null;
  at_ms: number;
}

interface NotifierWorker {
  notifier: Notifier & Partial<QueueNotifier>;
  maxBatch: number;
  groupBatch: number;
  timer: NodeJS.Timeout | undefined;
  immediate: NodeJS.Immediate | undefined;
  flight: Promise<void> | undefined;
  /** A wake-up arrived during a flight: look again when it ends. */
  again: boolean;
  /** After a batch was refused as malformed, send its rows one by one to find the bad one. */
  singleUntilId: number;
  /** Removed from the queue: finish the request in flight, then touch nothing. */
  stopped: boolean;
  counters: Omit<NotifierDeliveryStats, 'kind' | 'pending' | 'oldestPendingAtMs'>;
}

const HOUR = 3_600_000;
const PRUNE_EVERY_MS = HOUR;

const prepareStatements = (db: Db) => ({
  insert: db.prepare(
    `INSERT INTO alert_deliveries (notifier, fingerprint, kind, refresh, alert, status, created_ms, attempts, next_attempt_ms, group_key, group_labels)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?)`,
  ),
  batch: db.prepare(`SELECT * FROM alert_deliveries WHERE notifier = ? AND status = 'pending' ORDER BY id LIMIT ?`),
  expired: db.prepare(`SELECT * FROM alert_deliveries WHERE notifier = ? AND status = 'pending' AND created_ms <= ? ORDER BY id`),
  latest: db.prepare(`SELECT kind, status, created_ms FROM alert_deliveries WHERE notifier = ? AND fingerprint = ? ORDER BY id DESC LIMIT 1`),
  sent: db.prepare(`UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, done_ms = ?, last_error = NULL WHERE id = ?`),
  failed: db.prepare(`UPDATE alert_deliveries SET status = 'failed', attempts = attempts + ?, done_ms = ?, last_error = ? WHERE id = ?`),
  retry: db.prepare(`UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? WHERE id = ?`),
  attempt: db.prepare(
    `INSERT INTO alert_delivery_log (delivery_id, notifier, fingerprint, kind, refresh, attempt, status_code, error, outcome, duration_ms, at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  pendingBy: db.prepare(`SELECT notifier, count(*) AS n, min(created_ms) AS oldest FROM alert_deliveries WHERE status = 'pending' GROUP BY notifier`),
  orphans: db.prepare(`SELECT * FROM alert_deliveries WHERE status = 'pending' AND notifier NOT IN (SELECT value FROM json_each(?)) ORDER BY id`),
  pruneRows: db.prepare(`DELETE FROM alert_deliveries WHERE status != 'pending' AND done_ms < ?`),
  pruneLog: db.prepare(`DELETE FROM alert_delivery_log WHERE at_ms < ?`),
});

export const createDeliveryQueue = (opts: DeliveryQueueOptions): DeliveryQueue => new Queue(opts);

class Queue implements DeliveryQueue {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly log: DeliveryLogger;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxAgeMs: number;
  private readonly retentionMs: number;
  private readonly workers = new Map<string, NotifierWorker>();
  private closed = false;
  private lastPruneMs = 0;
  private readonly q: ReturnType<typeof prepareStatements>;

  constructor(private readonly o: DeliveryQueueOptions) {
    this.db = o.db;
    this.now = o.now;
    this.log = o.logger;
    this.initialMs = o.backoff?.initialMs ?? 1000;
    this.maxMs = Math.max(this.initialMs, o.backoff?.maxMs ?? 300_000);
    this.maxAgeMs = o.maxAgeMs ?? 24 * HOUR;
    this.retentionMs = o.retentionMs ?? 7 * 24 * HOUR;
    this.q = prepareStatements(this.db);

    for (const n of o.notifiers) this.register(n);
    this.failOrphans();
    // Resume what a previous run left pending.
    this.kick();
  }

  enqueue(n: AlertNotification | readonly AlertNotification[], options?: { notifiers?: readonly string[]; group?: NotificationGroup }): number {
    const list: readonly AlertNotification[] = Array.isArray(n) ? n : [n as AlertNotification];
    const names = options?.notifiers ?? [...this.workers.keys()];
    const unknown = names.filter((x) => !this.workers.has(x));
    if (unknown.length > 0) throw new DeliveryError('notify.config', `no notifier named ${unknown.join(', ')}`);
    const at = this.now();
    let rows = 0;
    const groupKey = options?.group?.key ?? null;
    const groupLabels = options?.group === undefined ? null : JSON.stringify(options.group.labels);
    this.db.transaction(() => {
      for (const x of list) {
        const json = JSON.stringify(x.alert);
        for (const name of names) {
          this.q.insert.run(name, x.alert.fingerprint, x.kind, 0, json, at, at, groupKey, groupLabels);
          rows++;
        }
      }
    })();
    for (const name of names) this.wake(name);
    return rows;
  }

  resendFiring(alerts: readonly Alert[]): number {
    const at = this.now();
    let rows = 0;
    const touched = new Set<string>();
    this.db.transaction(() => {
      for (const [name, w] of this.workers) {
        const every = w.notifier.resendIntervalMs;
        if (every === undefined) continue;
        for (const a of alerts) {
          if (a.status !== 'firing') continue;
          const last = this.q.latest.get(name, a.fingerprint) as { kind: string; status: string; created_ms: number } | undefined;
          // A pending row will carry a fresh lease when it goes; a resolve must not be overtaken by a stale list.
          if (last && (last.status === 'pending' || last.kind === 'resolved' || at - last.created_ms < every)) continue;
          this.q.insert.run(name, a.fingerprint, 'firing', 1, JSON.stringify(a), at, at, null, null);
          rows++;
          touched.add(name);
        }
      }
    })();
    for (const name of touched) this.wake(name);
    return rows;
  }

  kick(): void {
    for (const name of this.workers.keys()) this.wake(name);
  }

  addNotifier(n: Notifier | QueueNotifier): void {
    this.register(n);
    this.wake(n.name);
  }

  async removeNotifier(name: string): Promise<number> {
    const w = this.workers.get(name);
    if (!w) return 0;
    this.workers.delete(name);
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    if (w.immediate) clearImmediate(w.immediate);
    w.timer = undefined;
    w.immediate = undefined;
    await w.flight;
    const rows = this.q.batch.all(name, -1) as DeliveryRow[];
    for (const r of rows) this.fail(undefined, r, `notifier ${name} was removed`, 0, null, null);
    return rows.length;
  }

  private register(n: Notifier | QueueNotifier): void {
    if (this.workers.has(n.name)) throw new DeliveryError('notify.config', `two notifiers are named ${n.name}; names key the delivery queue`);
    const q = n as Notifier & Partial<QueueNotifier>;
    this.workers.set(n.name, {
      notifier: q,
      maxBatch: Math.max(1, Math.floor(q.maxBatch ?? 1)),
      groupBatch: Math.max(1, Math.floor(q.groupBatch ?? 1)),
      timer: undefined,
      immediate: undefined,
      flight: undefined,
      again: false,
      singleUntilId: 0,
      stopped: false,
      counters: {
        sent: 0,
        failed: 0,
        attempts: 0,
        retries: 0,
        consecutiveFailures: 0,
        nextAttemptAtMs: null,
        lastError: null,
        lastSuccessAtMs: null,
        lastLatencyMs: null,
      },
    });
  }

  async settled(): Promise<void> {
    for (;;) {
      const busy = [...this.workers.values()].filter((w) => w.flight !== undefined || w.immediate !== undefined);
      if (busy.length === 0) return;
      await Promise.all(busy.map((w) => w.flight ?? new Promise<void>((r) => setImmediate(r))));
    }
  }

  stats(): DeliveryStats {
    const pending = new Map<string, { n: number; oldest: number | null }>();
    for (const r of this.q.pendingBy.all() as { notifier: string; n: number; oldest: number | null }[]) pending.set(r.notifier, { n: r.n, oldest: r.oldest });
    const out: DeliveryStats = { pending: 0, sent: 0, failed: 0, notifiers: {} };
    for (const [name, w] of this.workers) {
      const p = pending.get(name);
      out.notifiers[name] = { kind: w.notifier.kind, pending: p?.n ?? 0, oldestPendingAtMs: p?.oldest ?? null, ...w.counters };
      out.pending += p?.n ?? 0;
      out.sent += w.counters.sent;
      out.failed += w.counters.failed;
    }
    return out;
  }

  deliveryLog(query: { fingerprint?: string; notifier?: string; limit?: number } = {}): DeliveryLogEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.fingerprint !== undefined) {
      where.push('fingerprint = ?');
      args.push(query.fingerprint);
    }
    if (query.notifier !== undefined) {
      where.push('notifier = ?');
      args.push(query.notifier);
    }
    args.push(Math.max(1, Math.min(10_000, Math.floor(query.limit ?? 100))));
    const sql = `SELECT * FROM alert_delivery_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args) as LogRow[]).map((r) => ({
      id: r.id,
      deliveryId: r.delivery_id,
      notifier: r.notifier,
      fingerprint: r.fingerprint,
      kind: r.kind,
      refresh: r.refresh === 1,
      attempt: r.attempt,
      statusCode: r.status_code,
      error: r.error,
      outcome: r.outcome,
      durationMs: r.duration_ms,
      atMs: r.at_ms,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.workers.values()) {
      if (w.timer) clearTimeout(w.timer);
      if (w.immediate) clearImmediate(w.immediate);
      w.timer = undefined;
      w.immediate = undefined;
    }
    await Promise.all([...this.workers.values()].map((w) => w.flight));
  }

  /** Look at a notifier's rows soon, after the caller's (possibly transactional) code has returned. */
  private wake(name: string): void {
    const w = this.workers.get(name);
    if (!w || this.closed) return;
    if (w.flight) {
      w.again = true;
      return;
    }
    if (w.immediate) return;
    w.immediate = setImmediate(() => {
      w.immediate = undefined;
      this.pump(w);
    });
  }

  private pump(w: NotifierWorker): void {
    if (this.closed || w.stopped) return;
    if (w.flight) {
      w.again = true;
      return;
    }
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
    w.flight = this.run(w)
      .catch((e: unknown) => {
        // A store failure (disk full, locked): nothing was lost; look again after the longest backoff.
        this.log.error({ err: e, notifier: w.notifier.name }, 'alert delivery worker failed on the store; retrying later');
        this.schedule(w, this.maxMs);
      })
      .finally(() => {
        w.flight = undefined;
        if (w.again) {
          w.again = false;
          this.pump(w);
        }
      });
  }

  private schedule(w: NotifierWorker, delayMs: number): void {
    if (this.closed || w.stopped) return;
    if (w.timer) clearTimeout(w.timer);
    w.counters.nextAttemptAtMs = this.now() + delayMs;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.pump(w);
    }, delayMs);
    // Delivery must not keep the collector alive on its own.
    w.timer.unref();
  }

  private async run(w: NotifierWorker): Promise<void> {
    const name = w.notifier.name;
    for (;;) {
      if (this.closed || w.stopped) return;
      this.prune();
      this.expire(w);
      const head = this.q.batch.all(name, 1)[0] as DeliveryRow | undefined;
      w.counters.nextAttemptAtMs = null;
      if (!head) return;
      const wait = head.next_attempt_ms - this.now();
      if (wait > 0) {
        this.schedule(w, wait);
        return;
      }
      const single = head.id <= w.singleUntilId;
      const rows = !single && head.group_key !== null && w.groupBatch > 1 ? this.groupRows(name, head, w.groupBatch) : (this.q.batch.all(name, single ? 1 : w.maxBatch) as DeliveryRow[]);
      const batch: GroupedNotification[] = [];
      const good: DeliveryRow[] = [];
      for (const r of rows) {
        try {
          const group = r.group_key === null ? undefined : { key: r.group_key, labels: JSON.parse(r.group_labels ?? '{}') as Record<string, string> };
          batch.push({ kind: r.kind, alert: JSON.parse(r.alert) as Alert, ...(group === undefined ? {} : { group }) });
          good.push(r);
        } catch (e) {
          this.fail(w, r, `stored alert is unreadable: ${(e as Error).message}`, 0, null, null);
        }
      }
      if (good.length === 0) continue;
      const t0 = performance.now();
      let status: number | null = null;
      let error: unknown;
      try {
        if (typeof w.notifier.deliver === 'function') status = (await w.notifier.deliver(batch)).status;
        else await w.notifier.send(batch);
      } catch (e) {
        error = e;
      }
      const durationMs = performance.now() - t0;
      w.counters.attempts++;
      if (error === undefined) {
        this.succeeded(w, good, status, durationMs);
        continue;
      }
      const de = error instanceof DeliveryError ? error : undefined;
      const msg = error instanceof Error ? error.message : String(error);
      const code = de?.status ?? null;
      if (de?.permanent) {
        if (good.length > 1) {
          // Some receivers (Alertmanager) refuse a whole batch for one bad alert: find it by sending one at a time.
          w.singleUntilId = good[good.length - 1]?.id ?? 0;
          this.splitBatch(good, code, msg, durationMs);
          this.log.warn({ notifier: name, rows: good.length, error: msg }, 'receiver refused a batch as malformed; sending its alerts one at a time');
          continue;
        }
        for (const r of good) this.fail(w, r, msg, 1, code, durationMs);
        continue;
      }
      this.retry(w, good, msg, code, de?.retryAfterMs, durationMs);
      return;
    }
  }

  /**
   * The head row and the rows right after it of the same group, one per alert: one message per group, and an
   * alert's firing and resolve never share a message (they stay in order, one send after the other).
   */
  private groupRows(name: string, head: DeliveryRow, limit: number): DeliveryRow[] {
    const out: DeliveryRow[] = [];
    const fps = new Set<string>();
    for (const r of this.q.batch.all(name, limit) as DeliveryRow[]) {
      if (r.group_key !== head.group_key || fps.has(r.fingerprint)) break;
      out.push(r);
      fps.add(r.fingerprint);
    }
    return out;
  }

  private succeeded(w: NotifierWorker, rows: readonly DeliveryRow[], status: number | null, durationMs: number): void {
    const at = this.now();
    this.db.transaction(() => {
      for (const r of rows) {
        this.q.sent.run(at, r.id);
        this.q.attempt.run(r.id, r.notifier, r.fingerprint, r.kind, r.refresh, r.attempts + 1, status, null, 'sent', durationMs, at);
      }
    })();
    const c = w.counters;
    if (c.consecutiveFailures > 0) this.log.info({ notifier: w.notifier.name, failedAttempts: c.consecutiveFailures }, 'alert delivery recovered');
    c.consecutiveFailures = 0;
    c.sent += rows.length;
    c.lastSuccessAtMs = at;
    for (const r of rows) {
      c.lastLatencyMs = at - r.created_ms;
      this.emit({ notifier: r.notifier, kind: r.kind, refresh: r.refresh === 1, outcome: 'sent', attempt: r.attempts + 1, statusCode: status, latencyMs: at - r.created_ms });
    }
  }

  /** A failing metrics hook must not stop delivery. */
  private emit(o: DeliveryOutcome): void {
    try {
      this.o.onOutcome?.(o);
    } catch (e) {
      this.log.warn({ err: e }, 'onOutcome hook threw; delivery goes on');
    }
  }

  private retry(w: NotifierWorker, rows: readonly DeliveryRow[], msg: string, code: number | null, retryAfterMs: number | undefined, durationMs: number): void {
    const head = rows[0];
    if (!head) return;
    // Equal jitter: at least half the exponential step, so one collector retrying one receiver really backs off.
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(head.attempts, 30));
    let delay = cap / 2 + this.o.random() * (cap / 2);
    if (retryAfterMs !== undefined) delay = Math.max(delay, Math.min(retryAfterMs, this.maxMs));
    delay = Math.max(0, Math.round(delay));
    const at = this.now();
    this.db.transaction(() => {
      for (const r of rows) {
        this.q.retry.run(msg, at + delay, r.id);
        this.q.attempt.run(r.id, r.notifier, r.fingerprint, r.kind, r.refresh, r.attempts + 1, code, msg, 'retry', durationMs, at);
      }
    })();
    const c = w.counters;
    c.consecutiveFailures++;
    c.retries++;
    c.lastError = msg;
    const ctx = { notifier: w.notifier.name, fingerprint: head.fingerprint, kind: head.kind, attempt: head.attempts + 1, status: code, retryInMs: delay, error: msg };
    if (c.consecutiveFailures === 1) this.log.warn(ctx, 'alert delivery failed; kept and retried with backoff');
    else this.log.debug(ctx, 'alert delivery failed again');
    for (const r of rows) {
      this.emit({ notifier: r.notifier, kind: r.kind, refresh: r.refresh === 1, outcome: 'retry', attempt: r.attempts + 1, statusCode: code, latencyMs: null });
    }
    this.schedule(w, delay);
  }

  /** Give up on one row: `attempted` says whether this call made a request for it (counted in the log's attempt). */
  private fail(w: NotifierWorker | undefined, r: DeliveryRow, reason: string, attempted: 0 | 1, code: number | null, durationMs: number | null): void {
    const at = this.now();
    this.db.transaction(() => {
      this.q.failed.run(attempted, at, reason, r.id);
      this.q.attempt.run(r.id, r.notifier, r.fingerprint, r.kind, r.refresh, r.attempts + attempted, code, reason, 'failed', durationMs, at);
    })();
    if (w) {
      w.counters.failed++;
      w.counters.lastError = reason;
    }
    this.log.error({ notifier: r.notifier, fingerprint: r.fingerprint, kind: r.kind, attempts: r.attempts + attempted, status: code, reason }, 'alert delivery failed for good');
    this.emit({ notifier: r.notifier, kind: r.kind, refresh: r.refresh === 1, outcome: 'failed', attempt: r.attempts + attempted, statusCode: code, latencyMs: null });
  }

  /** The batch's attempt is logged; its rows stay due at once, to be sent one by one. */
  private splitBatch(rows: readonly DeliveryRow[], code: number | null, msg: string, durationMs: number): void {
    const at = this.now();
    this.db.transaction(() => {
      for (const r of rows) {
        this.q.retry.run(msg, at, r.id);
        this.q.attempt.run(r.id, r.notifier, r.fingerprint, r.kind, r.refresh, r.attempts + 1, code, msg, 'retry', durationMs, at);
      }
    })();
  }

  private expire(w: NotifierWorker): void {
    const now = this.now();
    const rows = this.q.expired.all(w.notifier.name, now - this.maxAgeMs) as DeliveryRow[];
    for (const r of rows) {
      const age = formatAge(now - r.created_ms);
      this.fail(w, r, `gave up after ${r.attempts} attempt(s) in ${age}: ${r.last_error ?? 'never attempted'}`, 0, null, null);
    }
  }

  /** Rows of notifiers that are no longer configured would wait forever: close them with the reason. */
  private failOrphans(): void {
    const rows = this.q.orphans.all(JSON.stringify([...this.workers.keys()])) as DeliveryRow[];
    if (rows.length === 0) return;
    const names = [...new Set(rows.map((r) => r.notifier))];
    this.log.warn({ notifiers: names, rows: rows.length }, 'pending alert deliveries for notifiers that are no longer configured; marking them failed');
    for (const r of rows) this.fail(undefined, r, `notifier ${r.notifier} is no longer configured`, 0, null, null);
  }

  private prune(): void {
    const now = this.now();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    const cutoff = now - this.retentionMs;
    const a = this.q.pruneRows.run(cutoff).changes;
    const b = this.q.pruneLog.run(cutoff).changes;
    if (a + b > 0) this.log.debug({ deliveries: a, logEntries: b }, 'pruned old alert deliveries');
  }
}

const formatAge = (ms: number): string => (ms >= HOUR ? `${(ms / HOUR).toFixed(1)} h` : `${Math.round(ms / 1000)} s`);
