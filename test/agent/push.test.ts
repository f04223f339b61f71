// The push client against a real HTTP server on 127.0.0.1 standing in for the collector, with a real outbox file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutbox, type Outbox } from '../../agent/outbox.js';
import { Pusher, type PusherOptions, type PushLogger } from '../../agent/push.js';
import type { Observation, PushBatch } from '../../agent/protocol/index.js';

const TOKEN = 'test-agent-token-0123456789';
const header = { cluster: 'c1', node: 'n1', agentVersion: '0.1.0', intervalMs: 1000 };
const obs = (at: number): Observation => ({
  probe: 'pacemaker',
  at,
  durationMs: 1,
  status: 'ok',
  samples: [{ metric: 'hawatch_x', labels: {}, value: 1 }],
  states: [],
});

// ---- a stand-in collector -------------------------------------------------------------------------------------

interface Received {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  batch: PushBatch;
}
type Reply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang';
type Handler = (r: Received, index: number) => Reply;

const ok = (): Reply => ({ status: 200 });
const apiError = (status: number, code: string, message: string): Reply => ({
  status,
  body: JSON.stringify({ error: { code, message, '@Message.ExtendedInfo': [] } }),
});

interface FakeCollector {
  url: string;
  port: number;
  received: Received[];
  /** most requests being answered at one moment */
  maxConcurrent: number;
  handler: Handler;
  close(): Promise<void>;
}

const servers: FakeCollector[] = [];

const startCollector = async (handler: Handler = ok, port = 0): Promise<FakeCollector> => {
  let server: Server;
  let active = 0;
  const fc: FakeCollector = {
    url: '',
    port: 0,
    received: [],
    maxConcurrent: 0,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // including hanging requests and idle keep-alive sockets
        server.close(() => resolve());
      }),
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      active++;
      fc.maxConcurrent = Math.max(fc.maxConcurrent, active);
      const body = Buffer.concat(chunks).toString('utf8');
      const batch = JSON.parse(body) as PushBatch;
      const r: Received = { method: req.method, path: req.url, headers: req.headers, body, batch };
      fc.received.push(r);
      const reply = fc.handler(r, fc.received.length - 1);
      if (reply === 'hang') return; // never answers; the socket is closed by close()
      setTimeout(() => {
        active--;
        const payload = reply.body ?? JSON.stringify({ seq: batch.seq, duplicate: false, stored: { observations: batch.observations.length, samples: 0, transitions: 0 } });
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(payload);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  fc.port = (server.address() as AddressInfo).port;
  fc.url = `http://127.0.0.1:${fc.port}`;
  servers.push(fc);
  return fc;
};

/** A port with nothing listening: connection refused. */
const deadPort = async (): Promise<string> => {
  const fc = await startCollector();
  await fc.close();
  return fc.url;
};

// ---- helpers ----------------------------------------------------------------------------------------------------

interface Logged {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}
const recorder = () => {
  const lines: Logged[] = [];
  const at = (level: string) => (obj: object, msg: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: PushLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { lines, logger };
};

const waitFor = async (what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let file: string;
const open: Outbox[] = [];
const pushers: Pusher[] = [];

const outbox = (maxBatches?: number): Outbox => {
  const { logger } = recorder();
  const ob = openOutbox(file, maxBatches === undefined ? { logger } : { logger, maxBatches });
  open.push(ob);
  return ob;
};

const pusher = (ob: Outbox, url: string, over: Partial<PusherOptions> = {}) => {
  const rec = recorder();
  const p = new Pusher({
    outbox: ob,
    url,
    token: TOKEN,
    now: Date.now,
    random: () => 0.5,
    logger: rec.logger,
    requestTimeoutMs: 2_000,
    backoff: { initialMs: 10, maxMs: 50 },
    header,
    maxObservationsPerBatch: 100,
    ...over,
  });
  pushers.push(p);
  return { p, lines: rec.lines };
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hawatch-push-'));
  file = join(dir, 'outbox.sqlite');
});
afterEach(async () => {
  for (const p of pushers.splice(0)) await p.stop();
  for (const ob of open.splice(0)) ob.close();
  for (const s of servers.splice(0)) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

// ---- tests ------------------------------------------------------------------------------------------------------

describe('Pusher', () => {
  it('POSTs batches in seq order to /api/v1/ingest with the bearer token and the stored bytes', async () => {
    const fc = await startCollector();
    const ob = outbox();
    const { p } = pusher(ob, `${fc.url}/`, { maxObservationsPerBatch: 2 }); // a trailing slash is fine
    for (let i = 0; i < 5; i++) ob.enqueue(obs(i));
    const r = await p.flush();
    expect(r).toMatchObject({ sealed: 3, acked: 3, deadLettered: 0, outcome: 'drained' });
    expect(fc.received.map((x) => x.batch.seq)).toEqual([1, 2, 3]);
    for (const x of fc.received) {
      expect(x.method).toBe('POST');
      expect(x.path).toBe('/api/v1/ingest');
      expect(x.headers['authorization']).toBe(`Bearer ${TOKEN}`);
      expect(x.headers['content-type']).toBe('application/json');
      expect(x.batch.agentInstance).toBe(ob.agentInstance);
    }
    expect(fc.received.flatMap((x) => x.batch.observations.map((o) => o.at))).toEqual([0, 1, 2, 3, 4]);
    expect(ob.counts()).toMatchObject({ pending: 0, batches: 0 });
    expect(p.stats()).toMatchObject({ sent: 3, acked: 3, retries: 0, attempt: 0, nextRetryAt: undefined });
  });

  it('keeps observations on disk while the collector is down and delivers each batch once, in order, after an agent restart', async () => {
    const fc = await startCollector();
    const port = fc.port;
    let ob = outbox();
    let { p } = pusher(ob, fc.url, { maxObservationsPerBatch: 2 });
    ob.enqueue(obs(0));
    await p.flush();
    expect(fc.received).toHaveLength(1);

    await fc.close();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) ob.enqueue(obs(1 + round * 3 + i));
      const r = await p.flush(); // explicit flushes during the outage: each fails and seals more
      expect(r.outcome).toBe('retry');
    }
    expect(p.stats().lastError).toMatch(/ECONNREFUSED|fetch failed/);
    const queued = ob.counts();
    expect(queued.pending + queued.batches).toBeGreaterThan(0);
    ob.enqueue(obs(10)); // one still pending, not sealed, at the "crash"

    // The agent restarts: a new process opens the same file.
    await p.stop();
    ob.close();
    ob = outbox();
    expect(ob.counts()).toMatchObject({ pending: 1, batches: queued.batches });

    const back = await startCollector(ok, port);
    ({ p } = pusher(ob, back.url, { maxObservationsPerBatch: 2 }));
    const r = await p.flush();
    expect(r.outcome).toBe('drained');
    const seqs = back.received.map((x) => x.batch.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 2)); // 1 went out before the outage
    expect(back.received.flatMap((x) => x.batch.observations.map((o) => o.at))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(back.received.map((x) => x.batch.agentInstance))).toEqual(new Set([ob.agentInstance]));
    expect(ob.counts()).toMatchObject({ pending: 0, batches: 0 });
  });

  it('retries a 500 with the same bytes under the same seq, by itself after the backoff', async () => {
    const fc = await startCollector((_r, i) => (i === 0 ? apiError(500, 'boom', 'internal') : ok()));
    const ob = outbox();
    const { p, lines } = pusher(ob, fc.url);
    ob.enqueue(obs(1));
    ob.enqueue(obs(2));
    expect((await p.flush()).outcome).toBe('retry');
    expect(p.stats()).toMatchObject({ retries: 1, attempt: 1, lastError: 'HTTP 500: boom: internal' });
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    await waitFor('the retry', () => fc.received.length === 2 && ob.counts().batches === 0);
    const [a, b] = fc.received;
    expect(b!.body).toBe(a!.body);
    expect(b!.batch.seq).toBe(1);
    expect(p.stats()).toMatchObject({ sent: 2, acked: 1, retries: 1, attempt: 0, nextRetryAt: undefined });
  });

  it('grows the backoff exponentially up to maxMs, with full jitter, and starts afresh after a success', async () => {
    let status = 503;
    const fc = await startCollector(() => (status === 200 ? ok() : { status }));
    const ob = outbox();
    const now = 1_000_000;
    const draws = [0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.9, 0.5];
    let d = 0;
    const { p } = pusher(ob, fc.url, { now: () => now, random: () => draws[d++ % draws.length]!, backoff: { initialMs: 100, maxMs: 1000 } });
    ob.enqueue(obs(1));
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      await p.flush(); // an explicit flush ignores the wait; the outcome sets the next one
      delays.push(p.stats().nextRetryAt! - now);
    }
    // initial·2^attempt: 100, 200, 400, 800, then capped at 1000; times the random draw.
    expect(delays).toEqual([50, 100, 200, 400, 500, 250, 900]);
    expect(p.stats()).toMatchObject({ retries: 7, attempt: 7 });

    status = 200;
    expect((await p.flush()).outcome).toBe('drained');
    expect(p.stats()).toMatchObject({ attempt: 0, nextRetryAt: undefined });
    status = 503;
    ob.enqueue(obs(2));
    await p.flush();
    expect(p.stats().nextRetryAt! - now).toBe(50); // back to initialMs · 0.5
  });

  it('honours retry-after as a floor, capped at maxMs', async () => {
    let retryAfter = '3';
    const fc = await startCollector(() => ({ status: 429, headers: { 'retry-after': retryAfter } }));
    const ob = outbox();
    const now = 5_000_000;
    const { p } = pusher(ob, fc.url, { now: () => now, random: () => 0, backoff: { initialMs: 100, maxMs: 10_000 } });
    ob.enqueue(obs(1));
    await p.flush();
    expect(p.stats().nextRetryAt! - now).toBe(3_000);
    retryAfter = '3600';
    await p.flush();
    expect(p.stats().nextRetryAt! - now).toBe(10_000);
    retryAfter = new Date(now + 7_000).toUTCString();
    await p.flush();
    expect(p.stats().nextRetryAt! - now).toBe(7_000);
  });

  it('keeps the batch on 401/403, logs each status once, and delivers it once the token is accepted', async () => {
    let reply: Reply = apiError(401, 'hawatch.auth.bad_token', 'the token is not known to this collector');
    const fc = await startCollector(() => reply);
    const ob = outbox();
    const { p, lines } = pusher(ob, fc.url, { backoff: { initialMs: 10_000, maxMs: 10_000 } });
    ob.enqueue(obs(1));
    await p.flush();
    await p.flush();
    await p.flush();
    reply = apiError(403, 'hawatch.auth.forbidden', 'wrong role');
    await p.flush();
    await p.flush();
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.obj['status'])).toEqual([401, 403]);
    expect(ob.counts()).toMatchObject({ batches: 1, deadLetters: 0 });
    expect(p.stats()).toMatchObject({ deadLettered: 0, lastError: 'HTTP 403: hawatch.auth.forbidden: wrong role' });
    expect(p.stats().nextRetryAt).toBeDefined(); // still retrying

    reply = { status: 200 };
    expect((await p.flush()).outcome).toBe('drained');
    expect(new Set(fc.received.map((x) => x.batch.seq))).toEqual(new Set([1]));
    expect(ob.counts().batches).toBe(0);
  });

  it.each([
    [400, 'hawatch.request.bad'],
    [413, 'hawatch.request.too_large'],
    [422, 'hawatch.request.unprocessable'],
  ])('dead-letters a batch refused with %i and goes on with the next', async (status, code) => {
    const fc = await startCollector((r) => (r.batch.seq === 2 ? apiError(status, code, 'no way') : ok()));
    const ob = outbox();
    const { p, lines } = pusher(ob, fc.url, { maxObservationsPerBatch: 1 });
    for (let i = 0; i < 3; i++) ob.enqueue(obs(i));
    const r = await p.flush();
    expect(r).toMatchObject({ acked: 2, deadLettered: 1, outcome: 'drained' });
    expect(fc.received.map((x) => x.batch.seq)).toEqual([1, 2, 3]);
    const dead = ob.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ seq: 2, reason: `HTTP ${status}: ${code}: no way` });
    expect(dead[0]!.body).toBe(fc.received[1]!.body);
    expect(lines.some((l) => l.level === 'error' && l.obj['seq'] === 2 && l.obj['status'] === status)).toBe(true);
    expect(p.stats()).toMatchObject({ deadLettered: 1, acked: 2, retries: 0 });
  });

  it('drops the oldest batches beyond the outbox bound during a long outage, and says so', async () => {
    const url = await deadPort();
    const ob = outbox(2);
    const { p } = pusher(ob, url, { maxObservationsPerBatch: 1 });
    for (let i = 0; i < 5; i++) ob.enqueue(obs(i));
    const r = await p.flush();
    expect(r).toMatchObject({ sealed: 5, dropped: 3, outcome: 'retry' });
    expect(p.stats().dropped).toBe(3);
    expect(ob.counts()).toMatchObject({ batches: 2, droppedTotal: 3 });
    await p.stop();

    const fc = await startCollector();
    const { p: p2 } = pusher(ob, fc.url);
    await p2.flush();
    expect(fc.received.map((x) => x.batch.seq)).toEqual([4, 5]);
  });

  it('gives up on a hanging collector after requestTimeoutMs and retries the same batch', async () => {
    const fc = await startCollector((_r, i) => (i === 0 ? 'hang' : ok()));
    const ob = outbox();
    const { p } = pusher(ob, fc.url, { requestTimeoutMs: 200, backoff: { initialMs: 20, maxMs: 20 } });
    ob.enqueue(obs(1));
    const t0 = Date.now();
    expect((await p.flush()).outcome).toBe('retry');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(p.stats().lastError).toMatch(/timeout/);
    await waitFor('the retry', () => ob.counts().batches === 0);
    expect(fc.received).toHaveLength(2);
    expect(fc.received[1]!.body).toBe(fc.received[0]!.body);
  });

  it('never runs two flushes at once: calls during a flush share the one that follows it', async () => {
    const fc = await startCollector(() => ({ status: 200, delayMs: 40 }));
    const ob = outbox();
    const { p } = pusher(ob, fc.url);
    ob.enqueue(obs(1));
    const p1 = p.flush();
    ob.enqueue(obs(2)); // arrives while seq 1 is in flight
    const p2 = p.flush();
    const p3 = p.flush();
    expect(p2).toBe(p3);
    expect(p2).not.toBe(p1);
    const [r1, r2] = await Promise.all([p1, p2]);
    expect(r1).toMatchObject({ sealed: 1, acked: 1 });
    expect(r2).toMatchObject({ sealed: 1, acked: 1 });
    expect(fc.maxConcurrent).toBe(1);
    expect(fc.received.map((x) => x.batch.seq)).toEqual([1, 2]);
  });

  it('sends at once on kick(), periodically after start(), and nothing after stop()', async () => {
    const fc = await startCollector();
    const ob = outbox();
    const { p } = pusher(ob, fc.url);
    p.start(60_000);
    ob.enqueue(obs(1));
    p.kick();
    await waitFor('the kicked push', () => fc.received.length === 1);
    await p.stop();

    p.start(20);
    ob.enqueue(obs(2));
    await waitFor('the periodic push', () => fc.received.length === 2);
    await p.stop();
    ob.enqueue(obs(3));
    p.kick();
    await sleep(80);
    expect(fc.received).toHaveLength(2);
    expect(ob.counts().pending).toBe(1);
  });

  it('does not let kick() bypass a scheduled retry', async () => {
    const fc = await startCollector(() => ({ status: 503 }));
    const ob = outbox();
    const { p } = pusher(ob, fc.url, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    ob.enqueue(obs(1));
    await p.flush();
    ob.enqueue(obs(2));
    p.kick();
    p.kick();
    await sleep(50);
    expect(fc.received).toHaveLength(1);
    expect(p.stats().nextRetryAt).toBeDefined();
  });

  it('stop() waits for the request in flight and sends nothing after it', async () => {
    const fc = await startCollector(() => ({ status: 200, delayMs: 80 }));
    const ob = outbox();
    const { p } = pusher(ob, fc.url, { maxObservationsPerBatch: 1 });
    for (let i = 0; i < 3; i++) ob.enqueue(obs(i));
    const flight = p.flush();
    await waitFor('the first request', () => fc.received.length === 1);
    await p.stop();
    expect(p.stats().acked).toBe(1); // the answer to the request in flight was recorded
    expect((await flight).outcome).toBe('stopped');
    expect(fc.received).toHaveLength(1);
    expect(ob.counts().batches).toBe(2);
  });

  it('does not take a 2xx for another seq as an acknowledgement', async () => {
    const fc = await startCollector(() => ({ status: 200, body: JSON.stringify({ seq: 999, duplicate: false, stored: {} }) }));
    const ob = outbox();
    const { p } = pusher(ob, fc.url, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    ob.enqueue(obs(1));
    expect((await p.flush()).outcome).toBe('retry');
    expect(ob.counts().batches).toBe(1);
    expect(p.stats().lastError).toMatch(/seq 999/);
    expect(fc.received).toHaveLength(1);
  });

  it('counts duplicates acknowledged by the collector', async () => {
    const fc = await startCollector((r) => ({ status: 200, body: JSON.stringify({ seq: r.batch.seq, duplicate: true, stored: {} }) }));
    const ob = outbox();
    const { p } = pusher(ob, fc.url);
    ob.enqueue(obs(1));
    await p.flush();
    expect(p.stats()).toMatchObject({ acked: 1, duplicates: 1 });
  });
});
