// The webhook notifier against a real HTTP receiver on loopback: Alertmanager's v4 payload, auth, timeout.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, parseNotifierConfig, DeliveryError, type WebhookMessage } from '../../../../collector/alerts/notify/index.js';
import { GO_ZERO_TIME } from '../../../../collector/alerts/notify/webhook.js';
import { firing, makeAlert, resolved, startReceiver, T0, type Receiver } from './helpers.js';

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(async () => {
  await rx.close();
});

const EXTERNAL = 'http://hawatch.example:9470';

describe('webhook notifier', () => {
  it('POSTs an Alertmanager v4 message for firing, then resolved, with a bearer token', async () => {
    const n = createNotifier(parseNotifierConfig({ type: 'webhook', name: 'ops-hook', url: `${rx.url}/hook`, token: 's3cret-token' }), {
      now: () => T0 + 5000,
      externalUrl: EXTERNAL,
    });
    const a = makeAlert();
    const t0 = performance.now();
    await n.send([firing(a)]);
    const coldMs = performance.now() - t0;
    const t1 = performance.now();
    await n.send([resolved(a, T0 + 60_000)]);
    const warmMs = performance.now() - t1;
    console.log(`webhook POST answered in ${coldMs.toFixed(1)} ms (first, new connection), ${warmMs.toFixed(1)} ms (second)`);

    expect(rx.requests).toHaveLength(2);
    const [r1, r2] = rx.requests;
    expect(r1?.method).toBe('POST');
    expect(r1?.path).toBe('/hook');
    expect(r1?.headers['content-type']).toBe('application/json');
    expect(r1?.headers['authorization']).toBe('Bearer s3cret-token');

    const m1 = r1?.body as WebhookMessage;
    const labels = { alertname: 'VrrpSplitBrain', cluster: 'c1', severity: 'critical', vrid: '51' };
    expect(m1).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'ops-hook',
      groupLabels: labels,
      commonLabels: labels,
      externalURL: EXTERNAL,
      truncatedAlerts: 0,
    });
    expect(m1.groupKey).toBe('{}:{alertname="VrrpSplitBrain", cluster="c1", severity="critical", vrid="51"}');
    expect(m1.commonAnnotations['summary']).toBe(a.summary);
    expect(m1.alerts).toHaveLength(1);
    const x = m1.alerts[0];
    expect(x).toMatchObject({
      status: 'firing',
      labels,
      startsAt: new Date(T0).toISOString(),
      endsAt: GO_ZERO_TIME,
      fingerprint: 'fp-vrrp-51',
      generatorURL: `${EXTERNAL}/api/v1/Alerts/fp-vrrp-51`,
    });
    expect(x?.annotations).toEqual({
      summary: a.summary,
      description: a.description,
      runbook_url: a.runbook,
      evidence: '2025-01-15T09:59:59.000Z node-a vrrp: VI_1 MASTER, 10.99.0.100 on eth0\n2025-01-15T09:59:59.500Z node-b vrrp: VI_1 MASTER, 10.99.0.100 on eth0',
      hawatch_fingerprint: 'fp-vrrp-51',
    });

    const m2 = r2?.body as WebhookMessage;
    expect(m2.status).toBe('resolved');
    expect(m2.groupKey).toBe(m1.groupKey);
    expect(m2.alerts[0]).toMatchObject({ status: 'resolved', fingerprint: 'fp-vrrp-51', endsAt: new Date(T0 + 60_000).toISOString() });
  });

  it('sends basic auth and extra headers; a runbook that is not a link is the runbook annotation', async () => {
    const n = createNotifier(
      parseNotifierConfig({ type: 'webhook', name: 'h', url: rx.url, basicAuth: { username: 'u', password: 'p w' }, headers: { 'X-Team': 'storage' }, receiver: 'storage-team' }),
      { now: () => T0 },
    );
    await n.send([firing(makeAlert({ runbook: 'check `drbdadm status` on both nodes', labels: { 'drbd.resource': 'r0' } }))]);
    const r = rx.requests[0];
    expect(r?.headers['authorization']).toBe(`Basic ${Buffer.from('u:p w').toString('base64')}`);
    expect(r?.headers['x-team']).toBe('storage');
    const m = r?.body as WebhookMessage;
    expect(m.receiver).toBe('storage-team');
    expect(m.externalURL).toBe('');
    expect(m.alerts[0]?.generatorURL).toBe('');
    expect(m.alerts[0]?.annotations['runbook']).toBe('check `drbdadm status` on both nodes');
    expect(m.alerts[0]?.annotations['runbook_url']).toBeUndefined();
    // Label names Alertmanager would refuse are made valid.
    expect(m.alerts[0]?.labels['drbd_resource']).toBe('r0');
  });

  it('a receiver that does not answer is a timeout, retried (not permanent)', async () => {
    rx.respond = () => ({ status: 200, hang: true });
    const n = createNotifier(parseNotifierConfig({ type: 'webhook', name: 'h', url: rx.url, timeoutSeconds: 0.2 }), { now: () => T0 });
    const t0 = performance.now();
    const err = await n.send([firing(makeAlert())]).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).code).toBe('notify.unreachable');
    expect((err as DeliveryError).message).toMatch(/timeout/);
    expect((err as DeliveryError).permanent).toBe(false);
  });

  it('classifies statuses: 400 is permanent, 401 and 503 are retried, retry-after is read', async () => {
    const n = createNotifier(parseNotifierConfig({ type: 'webhook', name: 'h', url: rx.url }), { now: () => T0 });
    const statusOf = async (reply: { status: number; headers?: Record<string, string> }) => {
      rx.respond = () => ({ ...reply, body: { error: 'no' } });
      return (await n.send([firing(makeAlert())]).catch((e: unknown) => e)) as DeliveryError;
    };
    const bad = await statusOf({ status: 400 });
    expect(bad).toMatchObject({ code: 'notify.http_status', status: 400, permanent: true });
    expect(bad.message).toContain('HTTP 400: {"error":"no"}');
    expect(await statusOf({ status: 401 })).toMatchObject({ status: 401, permanent: false });
    expect(await statusOf({ status: 503, headers: { 'retry-after': '7' } })).toMatchObject({ status: 503, permanent: false, retryAfterMs: 7000 });
  });

  it('connection refused is a retryable DeliveryError naming ECONNREFUSED', async () => {
    await rx.close();
    const n = createNotifier(parseNotifierConfig({ type: 'webhook', name: 'h', url: rx.url }), { now: () => T0 });
    const err = (await n.send([firing(makeAlert())]).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.permanent).toBe(false);
    rx = await startReceiver(); // for afterEach
  });
});
