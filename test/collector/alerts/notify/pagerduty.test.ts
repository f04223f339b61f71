// The PagerDuty Events v2 notifier against a local receiver standing in for events.pagerduty.com.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, parseNotifierConfig, DeliveryError, PAGERDUTY_EVENTS_URL, type PagerDutyEvent } from '../../../../collector/alerts/notify/index.js';
import { firing, makeAlert, resolved, startReceiver, T0, type Receiver } from './helpers.js';

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
  // What PagerDuty answers to an accepted event.
  rx.respond = (r) => ({ status: 202, body: { status: 'success', message: 'Event processed', dedup_key: (r.body as PagerDutyEvent).dedup_key } });
});
afterEach(async () => {
  await rx.close();
});

describe('pagerduty notifier', () => {
  it('defaults to the public Events v2 endpoint', () => {
    const c = parseNotifierConfig({ type: 'pagerduty', name: 'pd', routingKey: 'R0UT1NGKEY' });
    expect(c).toMatchObject({ url: PAGERDUTY_EVENTS_URL, timeoutSeconds: 10 });
  });

  it('triggers, then resolves with the same stable dedup_key', async () => {
    const n = createNotifier(parseNotifierConfig({ type: 'pagerduty', name: 'pd', routingKey: 'R0UT1NGKEY', url: `${rx.url}/v2/enqueue` }), {
      now: () => T0,
      externalUrl: 'http://hawatch.example:9470/',
    });
    const a = makeAlert({ labels: { vrid: '51', node: 'node-a' } });
    await n.send([firing(a)]);
    // The same alert fires again later (after a restart): same key, so PagerDuty joins the open incident.
    await n.send([firing({ ...a, summary: 'still two MASTERs' })]);
    await n.send([resolved(a)]);
    expect(rx.requests.map((r) => r.path)).toEqual(['/v2/enqueue', '/v2/enqueue', '/v2/enqueue']);
    const [t1, t2, r] = rx.requests.map((x) => x.body as PagerDutyEvent);
    expect(t1).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: 'fp-vrrp-51',
      payload: {
        summary: '[c1] VRID 51 has two MASTERs: node-a, node-b',
        source: 'node-a',
        severity: 'critical',
        timestamp: new Date(T0).toISOString(),
        component: 'vrid=51',
        group: 'c1',
        class: 'VrrpSplitBrain',
        custom_details: {
          description: a.description,
          runbook: a.runbook,
          labels: { alertname: 'VrrpSplitBrain', cluster: 'c1', node: 'node-a', severity: 'critical', vrid: '51' },
          evidence: '2025-01-15T09:59:59.000Z node-a vrrp: VI_1 MASTER, 10.99.0.100 on eth0\n2025-01-15T09:59:59.500Z node-b vrrp: VI_1 MASTER, 10.99.0.100 on eth0',
          fingerprint: 'fp-vrrp-51',
          startsAt: new Date(T0).toISOString(),
        },
      },
      client: 'hawatch',
      client_url: 'http://hawatch.example:9470/api/v1/Alerts/fp-vrrp-51',
    });
    expect(t2?.dedup_key).toBe(t1?.dedup_key);
    expect(r).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: 'fp-vrrp-51' });
  });

  it('maps severities and bounds the summary to PagerDuty\'s 1024 characters', async () => {
    const n = createNotifier(parseNotifierConfig({ type: 'pagerduty', name: 'pd', routingKey: 'k', url: rx.url }), { now: () => T0 });
    await n.send([firing(makeAlert({ severity: 'warning', summary: 'x'.repeat(2000), labels: {} }))]);
    await n.send([firing(makeAlert({ severity: 'info', labels: { resource: 'db' } }))]);
    const [w, i] = rx.requests.map((x) => x.body as PagerDutyEvent);
    expect(w?.payload?.severity).toBe('warning');
    expect(w?.payload?.summary).toHaveLength(1024);
    expect(w?.payload?.source).toBe('c1');
    expect(w?.payload?.component).toBe('c1');
    expect(i?.payload?.severity).toBe('info');
    expect(i?.payload?.component).toBe('resource=db');
  });

  it('429 with retry-after is retried after the given delay; 400 (invalid event) is permanent', async () => {
    const n = createNotifier(parseNotifierConfig({ type: 'pagerduty', name: 'pd', routingKey: 'k', url: rx.url }), { now: () => T0 });
    rx.respond = () => ({ status: 429, headers: { 'retry-after': '30' }, body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' } });
    expect(await n.send([firing(makeAlert())]).catch((e: unknown) => e)).toMatchObject({ status: 429, permanent: false, retryAfterMs: 30_000 });
    rx.respond = () => ({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Length of \'routing_key\' is incorrect'] } });
    const e = (await n.send([firing(makeAlert())]).catch((x: unknown) => x)) as DeliveryError;
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ status: 400, permanent: true });
    expect(e.message).toContain('routing_key');
  });
});
