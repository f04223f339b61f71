// The push client: seals what the outbox holds and sends the batches to the collector, oldest first and one at a
// time, so the collector sees every agent's seqs in order. A batch leaves the outbox only when the collector
// acknowledged it (2xx) or refused it for good (dead letter); anything that a later attempt can fix (outage,
// overload, timeout, a bad token) keeps the batch and retries with capped, fully jittered exponential backoff.
import type { BatchHeader, Outbox, OutboxLogger, SealedBatch } from './outbox.js';
import { httpPost, type PostFetch, type PostResponse } from './lib/http-post.js';

export const INGEST_PATH = '/api/v1/ingest';

export interface PushLogger extends OutboxLogger {
  debug: (obj: object, msg: string) => void;
}

export interface PusherOptions {
  outbox: Outbox;
  /** Collector base URL, e.g. http://collector:9470 */
  url: string;
  token: string;
  /** Defaults to `httpPost` (node:http); globalThis.fetch works too. */
  fetch?: PostFetch;
  now: () => number;
  /** In [0, 1); drives the backoff jitter. */
  random: () => number;
  logger: PushLogger;
  requestTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
  header: BatchHeader;
  maxObservationsPerBatch: number;
  /** Byte bound per batch; defaults to the outbox's (half the collector's default body limit). */
  maxBatchBytes?: number;
}

export interface PushStats {
  /** requests sent (every attempt counts) */
  sent: number;
  /** batches acknowledged by the collector */
  acked: number;
  /** of those, acknowledged as already stored (a replay after a lost acknowledgement) */
  duplicates: number;
  /** retries scheduled after a failed attempt */
  retries: number;
  deadLettered: number;
  /** sealed batches dropped by the outbox bound */
  dropped: number;
  /** consecutive failed attempts; 0 after a success */
  attempt: number;
  lastError: string | undefined;
  lastSuccessAt: number | undefined;
  /** when the scheduled retry fires (ms since the epoch), while one is scheduled */
  nextRetryAt: number | undefined;
}

export interface FlushResult {
  sealed: number;
  acked: number;
  deadLettered: number;
  dropped: number;
  /** 'drained': nothing left to send; 'retry': stopped on a failure, a retry is scheduled; 'stopped': stop() was called */
  outcome: 'drained' | 'retry' | 'stopped';
}

/** What one POST came to. */
type Verdict =
  | { kind: 'ack'; duplicate: boolean }
  | { kind: 'dead'; status: number; reason: string }
  | { kind: 'retry'; error: string; status?: number; retryAfterMs?: number };

/** Statuses that say "this batch is wrong": retrying the same bytes can never succeed. */
const PERMANENT = new Set([400, 409, 413, 422]);
/**
 * Statuses that say "the agent's configuration, or the collector's version, is wrong": nothing about this batch.
 * Dropping data for them would empty the outbox on a typo, so they are retried (and logged once) instead.
 */
const CONFIG = new Set([401, 403, 404, 405, 410, 415]);

export class Pusher {
  private readonly o: Required<Omit<PusherOptions, 'maxBatchBytes'>> & { maxBatchBytes: number | undefined };
  private readonly endpoint: string;
  private flight: Promise<FlushResult> | undefined;
  /** The one flush that runs after the current flight, shared by everyone who asked during it. */
  private follow: Promise<FlushResult> | undefined;
  private periodTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Config-error statuses already logged: a bad token is logged once, not on every retry. */
  private readonly loggedConfigStatus = new Set<number>();
  private readonly s: PushStats = {
    sent: 0,
    acked: 0,
    duplicates: 0,
    retries: 0,
    deadLettered: 0,
    dropped: 0,
    attempt: 0,
    lastError: undefined,
    lastSuccessAt: undefined,
    nextRetryAt: undefined,
  };

  constructor(opts: PusherOptions) {
    this.o = { ...opts, fetch: opts.fetch ?? httpPost, maxBatchBytes: opts.maxBatchBytes };
    this.endpoint = `${opts.url.replace(/\/+$/, '')}${INGEST_PATH}`;
  }

  /** Flush every `periodMs`; unchanged observations go out at this pace. */
  start(periodMs: number): void {
    this.stopped = false;
    if (this.periodTimer) clearInterval(this.periodTimer);
    this.periodTimer = setInterval(() => this.kick(), periodMs);
    // The scheduler's timers and the signal handlers decide how long the agent lives, not the push loop.
    this.periodTimer.unref();
  }

  /**
   * Flush soon (a changed observation goes out at once). While a retry is scheduled this does nothing: the retry
   * sends everything, and hammering a collector that is down or overloaded would defeat the backoff.
   */
  kick(): void {
    if (this.stopped || this.retryTimer) return;
    void this.flush();
  }

  /**
   * Seal pending observations and send batches until the outbox is empty or an attempt fails. Never rejects.
   * Never two at once: a call during a flush returns the one flush that runs right after it.
   */
  flush(): Promise<FlushResult> {
    if (this.follow) return this.follow;
    if (!this.flight) return this.begin();
    this.follow = this.flight.then(() => {
      this.follow = undefined;
      return this.begin();
    });
    return this.follow;
  }

  /** Clear the timers and wait for the flush in progress (it stops after its current request). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.periodTimer) clearInterval(this.periodTimer);
    this.periodTimer = undefined;
    this.clearRetry();
    while (this.flight || this.follow) await (this.follow ?? this.flight);
  }

  stats(): PushStats {
    return { ...this.s };
  }

  private begin(): Promise<FlushResult> {
    const p = this.run().finally(() => {
      if (this.flight === p) this.flight = undefined;
    });
    this.flight = p;
    return p;
  }

  private async run(): Promise<FlushResult> {
    const res: FlushResult = { sealed: 0, acked: 0, deadLettered: 0, dropped: 0, outcome: 'drained' };
    const { outbox, logger: log } = this.o;
    try {
      const sealed = outbox.seal(this.o.header, this.o.now(), this.o.maxObservationsPerBatch, this.o.maxBatchBytes);
      res.sealed = sealed.seqs.length;
      res.dropped = sealed.dropped;
      this.s.dropped += sealed.dropped;
      for (;;) {
        if (this.stopped) {
          res.outcome = 'stopped';
          return res;
        }
        const batch = outbox.oldestBatch();
        if (!batch) break;
        const v = await this.send(batch);
        if (v.kind === 'ack') {
          outbox.ack(batch.seq);
          res.acked++;
          this.s.acked++;
          if (v.duplicate) this.s.duplicates++;
          this.succeeded();
        } else if (v.kind === 'dead') {
          outbox.deadLetter(batch.seq, v.reason);
          res.deadLettered++;
          this.s.deadLettered++;
          this.s.lastError = v.reason;
          log.error(
            { seq: batch.seq, status: v.status, observations: batch.observations, bytes: batch.bytes, reason: v.reason },
            'collector refused a batch for good; moved it to the dead letters and going on with the next',
          );
          // The collector answered: it is reachable, so the backoff starts afresh.
          this.s.attempt = 0;
        } else {
          this.failed(v, batch.seq);
          res.outcome = 'retry';
          return res;
        }
      }
      // Nothing left: a retry scheduled earlier has nothing to do.
      this.clearRetry();
      return res;
    } catch (e) {
      // An outbox (disk) failure: keep everything and try again later; the collector deduplicates a re-sent batch.
      log.error({ err: e }, 'push flush failed on the outbox');
      this.failed({ kind: 'retry', error: `outbox: ${(e as Error).message}` }, undefined);
      res.outcome = 'retry';
      return res;
    }
  }

  private async send(batch: SealedBatch): Promise<Verdict> {
    this.s.sent++;
    let res: PostResponse;
    try {
      res = await this.o.fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}` },
        body: batch.body,
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
    } catch (e) {
      return { kind: 'retry', error: describeFetchError(e, this.o.requestTimeoutMs) };
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      // The status arrived but the body did not (timeout, reset): not an acknowledgement we can trust.
      return { kind: 'retry', status: res.status, error: `HTTP ${res.status}, body lost: ${describeFetchError(e, this.o.requestTimeoutMs)}` };
    }
    const st = res.status;
    if (st >= 200 && st < 300) {
      const ack = parseJson(text) as { seq?: unknown; duplicate?: unknown } | undefined;
      // A 2xx from something that is not the collector (a proxy, another service) must not delete data.
      if (ack !== undefined && typeof ack.seq === 'number' && ack.seq !== batch.seq) {
        return { kind: 'retry', status: st, error: `HTTP ${st} acknowledged seq ${ack.seq}, not ${batch.seq}` };
      }
      return { kind: 'ack', duplicate: ack?.duplicate === true };
    }
    const detail = errorDetail(text);
    if (PERMANENT.has(st)) return { kind: 'dead', status: st, reason: `HTTP ${st}${detail ? `: ${detail}` : ''}` };
    const v: Verdict = { kind: 'retry', status: st, error: `HTTP ${st}${detail ? `: ${detail}` : ''}` };
    const ra = parseRetryAfter(res.headers.get('retry-after'), this.o.now());
    if (ra !== undefined) v.retryAfterMs = ra;
    return v;
  }

  private succeeded(): void {
    // Failures after the first are logged at debug only, so the end of an outage deserves a line of its own.
    if (this.s.attempt > 0) this.o.logger.info({ failedAttempts: this.s.attempt }, 'push recovered');
    this.s.attempt = 0;
    this.s.lastSuccessAt = this.o.now();
    // A later auth failure (a rotated token) is worth one more log line.
    this.loggedConfigStatus.clear();
  }

  private failed(v: Extract<Verdict, { kind: 'retry' }>, seq: number | undefined): void {
    const { initialMs, maxMs } = this.o.backoff;
    const attempt = this.s.attempt;
    // Full jitter: uniform in [0, min(max, initial·2^attempt)), so agents that lost the collector together spread out.
    let delay = this.o.random() * Math.min(maxMs, initialMs * 2 ** attempt);
    // The collector's retry-after is a floor, but the operator's maxMs stays the ceiling.
    if (v.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(v.retryAfterMs, maxMs));
    delay = Math.max(0, Math.round(delay));
    this.s.attempt = attempt + 1;
    this.s.lastError = v.error;
    const ctx = { seq, status: v.status, attempt: this.s.attempt, retryInMs: delay, error: v.error };
    if (v.status !== undefined && CONFIG.has(v.status)) {
      if (!this.loggedConfigStatus.has(v.status)) {
        this.loggedConfigStatus.add(v.status);
        this.o.logger.error(ctx, 'the collector refuses this agent (check collector.url and collector.token); batches are kept and retried');
      }
    } else if (this.s.attempt === 1) {
      this.o.logger.warn(ctx, 'push failed; batches are kept and retried with backoff');
    } else {
      this.o.logger.debug(ctx, 'push failed again');
    }
    if (this.stopped) return;
    this.clearRetry();
    this.s.retries++;
    this.s.nextRetryAt = this.o.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.s.nextRetryAt = undefined;
      void this.flush();
    }, delay);
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.s.nextRetryAt = undefined;
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not JSON: the caller falls back to the raw text
  }
};

/** The collector's error message ({error:{code,message}}), or the start of whatever else came back. */
const errorDetail = (text: string): string => {
  const j = parseJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const e = j?.error;
  if (e && typeof e.message === 'string') return typeof e.code === 'string' ? `${e.code}: ${e.message}` : e.message;
  return text.trim().slice(0, 500);
};

/** retry-after is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

const describeFetchError = (e: unknown, timeoutMs: number): string => {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer within ${timeoutMs} ms (timeout)`;
  if (e instanceof Error) {
    // undici puts the socket error (ECONNREFUSED, ENOTFOUND ...) in cause.
    const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    return code ? `${e.message} (${code})` : e.message;
  }
  return String(e);
};
