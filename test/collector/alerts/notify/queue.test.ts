// The durable delivery queue with real HTTP receivers on loopback: retries, restart, order, give-up, batches.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDeliveryQueue,
  createWebhookNotifier,
  createAlertmanagerNotifier,
  DeliveryError,
  type DeliveryQueue,
  type DeliveryQueueOptions,
  type WebhookMessage,
  type PostableAlert,
} from '../../../../collector/alerts/notify/index.js';
import type { AlertNotification, Notifier } from '../../../../collector/alerts/types.js';
import { freePort, waitFor } from '../../../helpers/processes.js';
import { firing, makeAlert, recordingLogger, resolved, startReceiver, tempDb, T0, type Receiver, type TempDb } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const track = <T extends { close(): Promise<void> | void }>(x: T): T => {
  cleanups.push(() => x.close());
  return x;
};

const setup = (over: Partial<DeliveryQueueOptions> & Pick<DeliveryQueueOptions, 'notifiers'>): { t: TempDb; q: DeliveryQueue; log: ReturnType<typeof recordingLogger> } => {
  const t = tempDb();
  cleanups.push(() => t.cleanup());
  const log = recordingLogger();
  const q = track(createDeliveryQueue({ db: t.db, now: Date.now, random: () => 0.5, logger: log, backoff: { initialMs: 20, maxMs: 1000 }, ...over }));
  return { t, q, log };
};

const hook = (url: string, name = 'hook') => createWebhookNotifier({ name, url, timeoutMs: 2000, now: Date.now });

/** What a webhook receiver saw, as "kind fingerprint" lines. */
const seen = (rx: Receiver): string[] =>
  rx.requests
    .map((r) => r.body as WebhookMessage)
    .map((m) => `${m.alerts[0]?.status} ${m.alerts[0]?.fingerprint}`);

const rows = (t: TempDb) =>
  t.db.prepare('SELECT id, notifier, fingerprint, kind, status, attempts, last_error FROM alert_deliveries ORDER BY id').all() as {
    id: number;
    notifier: string;
    fingerprint: string;
    kind: string;
    status: string;
    attempts: number;
    last_error: string | null;
  }[];

describe('delivery queue', () => {
  it('receiver down (connection refused): retries with growing delays, then delivers when it comes up', async () => {
    const port = await freePort();
    const { q } = setup({ notifiers: [hook(`http://127.0.0.1:${port}/hook`)], backoff: { initialMs: 40, maxMs: 2000 } });
    const enqueuedAt = Date.now();
    q.enqueue(firing(makeAlert()));
    await waitFor('four failed attempts', () => (q.deliveryLog().length >= 4 ? true : undefined), 10_000, 5);
    const rx = track(await startReceiver(port));
    await waitFor('delivery', () => (q.stats().notifiers['hook']?.sent === 1 ? true : undefined), 10_000, 5);
    console.log(`delivered ${Date.now() - enqueuedAt} ms after enqueue, through ${q.deliveryLog().length - 1} failed attempts`);

    const log = q.deliveryLog().reverse();
    const fails = log.filter((e) => e.outcome === 'retry');
    expect(fails.length).toBeGreaterThanOrEqual(4);
    for (const f of fails) {
      expect(f.statusCode).toBeNull();
      expect(f.error).toContain('ECONNREFUSED');
    }
    expect(log.map((e) => e.attempt)).toEqual(log.map((_, i) => i + 1));
    const last = log[log.length - 1];
    expect(last).toMatchObject({ outcome: 'sent', statusCode: 200, error: null, notifier: 'hook', fingerprint: 'fp-vrrp-51', kind: 'firing' });
    // random 0.5 → 3/4 of each exponential step: 30, 60, 120, 240 ms ...
    const gaps = log.slice(1).map((e, i) => e.atMs - (log[i]?.atMs ?? 0));
    // Lower bounds only (a loaded machine may add to a gap, never take from it); they double, so delays grow.
    for (let i = 0; i < 4; i++) expect(gaps[i]).toBeGreaterThanOrEqual(30 * 2 ** i - 2);
    expect(rx.requests).toHaveLength(1);
    const s = q.stats();
    expect(s).toMatchObject({ pending: 0, sent: 1, failed: 0 });
    expect(s.notifiers['hook']).toMatchObject({ kind: 'webhook', consecutiveFailures: 0, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(s.notifiers['hook']?.retries).toBe(fails.length);
  });

  it('500 then 200: the failure is logged with its status and the retry delivers', async () => {
    const rx = track(await startReceiver());
    rx.respond = (_r, i) => (i === 0 ? { status: 500, body: { error: 'boom' } } : { status: 200 });
    const { q, log } = setup({ notifiers: [hook(rx.url)] });
    q.enqueue(firing(makeAlert()));
    await waitFor('delivery', () => (q.stats().sent === 1 ? true : undefined), 5000, 5);
    const entries = q.deliveryLog().reverse();
    expect(entries.map((e) => [e.attempt, e.outcome, e.statusCode])).toEqual([
      [1, 'retry', 500],
      [2, 'sent', 200],
    ]);
    expect(entries[0]?.error).toContain('HTTP 500');
    expect(rx.requests).toHaveLength(2);
    // One warning for the outage, one info line when it is over.
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(log.lines.some((l) => l.level === 'info' && l.msg.includes('recovered'))).toBe(true);
  });

  it('honours retry-after as a floor over the backoff', async () => {
    const rx = track(await startReceiver());
    rx.respond = (_r, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    const { q } = setup({ notifiers: [hook(rx.url)], backoff: { initialMs: 10, maxMs: 5000 } });
    q.enqueue(firing(makeAlert()));
    await waitFor('delivery', () => (q.stats().sent === 1 ? true : undefined), 5000, 5);
    const [a, b] = rx.requests;
    expect((b?.atMs ?? 0) - (a?.atMs ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('keeps firing → resolved order per notifier across failures, and notifiers do not block each other', async () => {
    const slow = track(await startReceiver());
    const fast = track(await startReceiver());
    slow.respond = (_r, i) => (i < 3 ? { status: 502 } : { status: 200 });
    const { q } = setup({ notifiers: [hook(slow.url, 'slow'), hook(fast.url, 'fast')] });
    const x = makeAlert();
    const y = makeAlert({ fingerprint: 'fp-y', labels: { vrid: '52' } });
    q.enqueue(firing(x));
    q.enqueue(resolved(x));
    q.enqueue([firing(y), resolved(y)]);
    await waitFor('fast receiver', () => (fast.requests.length === 4 ? true : undefined), 5000, 5);
    expect(slow.requests.length).toBeLessThan(4);
    await waitFor('slow receiver', () => (q.stats().notifiers['slow']?.sent === 4 ? true : undefined), 5000, 5);
    expect(seen(fast)).toEqual(['firing fp-vrrp-51', 'resolved fp-vrrp-51', 'firing fp-y', 'resolved fp-y']);
    // The slow receiver saw the head three times (502), then everything in order.
    expect(seen(slow)).toEqual(['firing fp-vrrp-51', 'firing fp-vrrp-51', 'firing fp-vrrp-51', 'firing fp-vrrp-51', 'resolved fp-vrrp-51', 'firing fp-y', 'resolved fp-y']);
  });

  it('a restart (close, reopen the database, new queue) resumes pending deliveries in order', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const t = tempDb();
    cleanups.push(() => t.cleanup());
    const opts = { now: Date.now, random: () => 0.5, logger: recordingLogger(), backoff: { initialMs: 20, maxMs: 200 } };
    const q1 = createDeliveryQueue({ ...opts, db: t.db, notifiers: [hook(url)] });
    const x = makeAlert();
    const y = makeAlert({ fingerprint: 'fp-y' });
    q1.enqueue(firing(x));
    q1.enqueue(firing(y));
    q1.enqueue(resolved(x));
    await waitFor('a failed attempt', () => (q1.deliveryLog().length >= 2 ? true : undefined), 5000, 5);
    await q1.close();
    expect(rows(t).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    t.reopen();

    const rx = track(await startReceiver(port));
    const q2 = track(createDeliveryQueue({ ...opts, db: t.db, notifiers: [hook(url)] }));
    await waitFor('all delivered', () => (q2.stats().sent === 3 ? true : undefined), 5000, 5);
    expect(seen(rx)).toEqual(['firing fp-vrrp-51', 'firing fp-y', 'resolved fp-vrrp-51']);
    expect(rows(t).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    // The log spans both runs: failures before the restart, the delivery after.
    const firstRow = q2.deliveryLog({ fingerprint: 'fp-vrrp-51' }).reverse();
    expect(firstRow[0]?.outcome).toBe('retry');
    expect(firstRow.filter((e) => e.outcome === 'sent')).toHaveLength(2);
  });

  it('gives up after max age and marks the row failed with the reason (injected clock)', async () => {
    const port = await freePort();
    let now = T0;
    const { t, q, log } = setup({ notifiers: [hook(`http://127.0.0.1:${port}/`)], now: () => now, backoff: { initialMs: 60_000, maxMs: 600_000 } });
    q.enqueue(firing(makeAlert()));
    await q.settled();
    expect(q.deliveryLog()).toHaveLength(1);
    expect(q.stats().notifiers['hook']?.nextAttemptAtMs).toBe(T0 + 45_000);
    now = T0 + 25 * 3_600_000;
    q.kick();
    await q.settled();
    expect(rows(t)[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(rows(t)[0]?.last_error).toMatch(/^gave up after 1 attempt\(s\) in 25\.0 h: POST http:\/\/127\.0\.0\.1:\d+\/: .*ECONNREFUSED/);
    const entries = q.deliveryLog().reverse();
    expect(entries.map((e) => e.outcome)).toEqual(['retry', 'failed']);
    expect(entries[1]?.error).toContain('gave up after 1 attempt(s)');
    expect(q.stats()).toMatchObject({ pending: 0, failed: 1, sent: 0 });
    expect(log.lines.some((l) => l.level === 'error' && l.msg.includes('failed for good'))).toBe(true);
  });

  it('a malformed notification (400) fails at once and the next one goes on', async () => {
    const rx = track(await startReceiver());
    rx.respond = (r) => ((r.body as WebhookMessage).alerts[0]?.fingerprint === 'bad' ? { status: 400, body: 'bad alert' } : { status: 200 });
    const { t, q } = setup({ notifiers: [hook(rx.url)] });
    q.enqueue([firing(makeAlert({ fingerprint: 'bad' })), firing(makeAlert())]);
    await waitFor('done', () => (q.stats().pending === 0 ? true : undefined), 5000, 5);
    await q.settled();
    expect(rows(t).map((r) => [r.fingerprint, r.status, r.attempts])).toEqual([
      ['bad', 'failed', 1],
      ['fp-vrrp-51', 'sent', 1],
    ]);
    expect(rows(t)[0]?.last_error).toContain('HTTP 400');
  });

  it('Alertmanager batches: one POST for many alerts; a batch refused for one bad alert is retried one by one', async () => {
    const rx = track(await startReceiver());
    rx.respond = (r) => ((r.body as PostableAlert[]).some((a) => a.labels['vrid'] === 'bad') ? { status: 400, body: 'start time must be before end time' } : { status: 200 });
    const am = createAlertmanagerNotifier({ name: 'am', url: rx.url, timeoutMs: 2000, resendIntervalMs: 60_000, now: Date.now });
    const { t, q } = setup({ notifiers: [am] });
    q.enqueue([firing(makeAlert({ fingerprint: 'a' })), firing(makeAlert({ fingerprint: 'b' }))]);
    await waitFor('first batch', () => (q.stats().sent === 2 ? true : undefined), 5000, 5);
    expect(rx.requests).toHaveLength(1);
    expect((rx.requests[0]?.body as PostableAlert[]).length).toBe(2);
    expect(rx.requests[0]?.path).toBe('/api/v2/alerts');

    q.enqueue([firing(makeAlert({ fingerprint: 'c' })), firing(makeAlert({ fingerprint: 'd', labels: { vrid: 'bad' } })), firing(makeAlert({ fingerprint: 'e' }))]);
    await waitFor('second batch', () => (q.stats().pending === 0 ? true : undefined), 5000, 5);
    await q.settled();
    expect(rx.requests.map((r) => (r.body as PostableAlert[]).length)).toEqual([2, 3, 1, 1, 1]);
    expect(rows(t).map((r) => `${r.fingerprint}:${r.status}`)).toEqual(['a:sent', 'b:sent', 'c:sent', 'd:failed', 'e:sent']);
  });

  it('resendFiring re-sends to notifiers with a resend interval only, at most once per interval, never after a resolve', async () => {
    let now = T0;
    const sent: { name: string; batch: readonly AlertNotification[] }[] = [];
    const stub = (name: string, resendIntervalMs?: number): Notifier & { resendIntervalMs?: number; maxBatch: number } => ({
      name,
      kind: 'alertmanager',
      maxBatch: 10,
      ...(resendIntervalMs === undefined ? {} : { resendIntervalMs }),
      send: async (batch) => {
        sent.push({ name, batch });
      },
    });
    const { q } = setup({ notifiers: [stub('am', 60_000), stub('pd')], now: () => now });
    const x = makeAlert();
    const y = makeAlert({ fingerprint: 'fp-y' });
    q.enqueue(firing(x));
    await q.settled();
    expect(q.resendFiring([x])).toBe(0); // just sent
    now += 60_000;
    // y was never sent to am (e.g. am added later): it goes too; the pending alert z is not firing.
    expect(q.resendFiring([x, y, makeAlert({ fingerprint: 'z', status: 'pending' })])).toBe(2);
    expect(q.resendFiring([x, y])).toBe(0); // pending already
    await q.settled();
    q.enqueue(resolved(x));
    await q.settled();
    now += 120_000;
    // A stale list that still has x must not re-fire it after its resolve.
    expect(q.resendFiring([x, y])).toBe(1);
    await q.settled();
    expect(sent.filter((s) => s.name === 'pd').flatMap((s) => s.batch.map((n) => `${n.kind} ${n.alert.fingerprint}`))).toEqual(['firing fp-vrrp-51', 'resolved fp-vrrp-51']);
    expect(sent.filter((s) => s.name === 'am').flatMap((s) => s.batch.map((n) => `${n.kind} ${n.alert.fingerprint}`))).toEqual([
      'firing fp-vrrp-51',
      'firing fp-vrrp-51',
      'firing fp-y',
      'resolved fp-vrrp-51',
      'firing fp-y',
    ]);
    expect(q.deliveryLog({ notifier: 'am' }).filter((e) => e.refresh)).toHaveLength(3);
  });

  it('enqueue inside a transaction that rolls back sends nothing; the enqueue of a committed one is durable at once', async () => {
    const sent: AlertNotification[] = [];
    const n: Notifier = { name: 'n', kind: 'webhook', send: async (b) => void sent.push(...b) };
    const { t, q } = setup({ notifiers: [n] });
    expect(() =>
      t.db.transaction(() => {
        q.enqueue(firing(makeAlert()));
        throw new Error('the engine failed to store the alert');
      })(),
    ).toThrow('the engine failed');
    await new Promise((r) => setImmediate(r));
    await q.settled();
    expect(sent).toHaveLength(0);
    expect(rows(t)).toHaveLength(0);
    t.db.transaction(() => q.enqueue(firing(makeAlert())))();
    await q.settled();
    expect(sent).toHaveLength(1);
  });

  it('targets named notifiers, refuses unknown names, and fails rows of notifiers no longer configured', async () => {
    const sent: string[] = [];
    const mk = (name: string): Notifier => ({ name, kind: 'webhook', send: async (b) => void sent.push(`${name} ${b[0]?.kind}`) });
    const t = tempDb();
    cleanups.push(() => t.cleanup());
    const base = { db: t.db, now: Date.now, random: () => 0.5, logger: recordingLogger() };
    const q1 = createDeliveryQueue({ ...base, notifiers: [mk('a'), mk('b')] });
    expect(() => q1.enqueue(firing(makeAlert()), { notifiers: ['nope'] })).toThrow(DeliveryError);
    await q1.close();
    // Stored while closed: delivered by the next queue (or given up if its notifier is gone).
    expect(q1.enqueue(firing(makeAlert()), { notifiers: ['b'] })).toBe(1);
    const log = recordingLogger();
    const q2 = track(createDeliveryQueue({ ...base, logger: log, notifiers: [mk('a')] }));
    q2.enqueue(resolved(makeAlert()), { notifiers: ['a'] });
    await q2.settled();
    expect(sent).toEqual(['a resolved']);
    expect(rows(t).map((r) => [r.notifier, r.status, r.last_error])).toEqual([
      ['b', 'failed', 'notifier b is no longer configured'],
      ['a', 'sent', null],
    ]);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('no longer configured'))).toBe(true);
  });

  it('a notifier that throws something that is not a DeliveryError is retried; stats count per notifier', async () => {
    let calls = 0;
    const n: Notifier = {
      name: 'snmp',
      kind: 'snmp-trap',
      send: async () => {
        if (++calls < 3) throw new Error('agentx socket closed');
      },
    };
    const { q } = setup({ notifiers: [n] });
    q.enqueue(firing(makeAlert()));
    await waitFor('delivery', () => (q.stats().sent === 1 ? true : undefined), 5000, 5);
    expect(q.stats().notifiers['snmp']).toMatchObject({ kind: 'snmp-trap', sent: 1, failed: 0, attempts: 3, retries: 2, pending: 0 });
    expect(q.deliveryLog().map((e) => e.statusCode)).toEqual([null, null, null]);
  });

  it('notifiers come and go at run time (REST subscriptions); a removed one has its pending rows failed', async () => {
    const t = tempDb();
    cleanups.push(() => t.cleanup());
    const sent: string[] = [];
    const mk = (name: string, fail = false): Notifier => ({
      name,
      kind: 'webhook',
      send: async (b) => {
        if (fail) throw new Error('down');
        sent.push(`${name} ${b[0]?.alert.fingerprint}`);
      },
    });
    const base = { db: t.db, now: Date.now, random: () => 0.5, logger: recordingLogger(), backoff: { initialMs: 60_000 } };
    const q1 = createDeliveryQueue({ ...base, notifiers: [mk('sub-1')] });
    q1.enqueue(firing(makeAlert()));
    await q1.close();
    // Not passed at start (the subscription was deleted while the collector was down): its row is closed.
    const q2 = track(createDeliveryQueue({ ...base, notifiers: [] }));
    expect(rows(t).map((r) => r.status)).toEqual(['failed']);
    q2.addNotifier(mk('sub-2', true));
    q2.enqueue(firing(makeAlert({ fingerprint: 'x' })));
    q2.enqueue(firing(makeAlert({ fingerprint: 'y' })));
    await q2.settled();
    expect(q2.stats().notifiers['sub-2']).toMatchObject({ pending: 2, retries: 1 });
    expect(() => q2.addNotifier(mk('sub-2'))).toThrow(/two notifiers/);
    expect(await q2.removeNotifier('sub-2')).toBe(2);
    expect(q2.stats().notifiers['sub-2']).toBeUndefined();
    expect(rows(t).slice(1).map((r) => [r.status, r.last_error])).toEqual([
      ['failed', 'notifier sub-2 was removed'],
      ['failed', 'notifier sub-2 was removed'],
    ]);
    q2.addNotifier(mk('sub-3'));
    q2.enqueue(firing(makeAlert({ fingerprint: 'z' })));
    await q2.settled();
    expect(sent).toEqual(['sub-3 z']);
  });
});
