// EventService subscriptions made through REST deliver alerts: a real collector, keepalived's recorded split brain
// pushed as two agents would, a webhook subscription (a loopback receiver) and an snmp-trap subscription (a real
// snmptrapd). Deleting a subscription stops its deliveries; a restarted collector delivers to the stored ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptionNotifierConfig, subscriptionNotifierName } from '../../../collector/alerts/subscription-notifiers.js';
import type { SubscriptionRow } from '../../../collector/rest/subscriptions.js';
import type { Timeline } from '../../../demo/timeline.js';
import { ADMIN_TOKEN, push, startTestCollector, type TestCollector } from '../../helpers/collector.js';
import { freePort, waitFor } from '../../helpers/processes.js';
import { missingTools, startTrapd, suiteTitle, type Trapd } from '../snmp/helpers.js';
import { AFTER_HEAL_MS, DURING_SPLIT_MS, probeBatch, splitTimeline, vrrpAt } from '../snmp/reports.js';
import { startReceiver, type Receiver } from './notify/helpers.js';

const row = (over: Partial<SubscriptionRow>): SubscriptionRow => ({
  id: '6f1c2d3e-0000-4000-8000-000000000001',
  name: 'x',
  protocol: 'webhook',
  destination: 'http://127.0.0.1:9/hook',
  context: null,
  secret: null,
  created_ms: 0,
  created_by: 'ops',
  ...over,
});

describe('a subscription row as a notifier configuration', () => {
  it.each([
    [{ protocol: 'webhook', context: 'ticket-42', secret: 'tok' }, { type: 'webhook', url: 'http://127.0.0.1:9/hook', receiver: 'ticket-42', token: 'tok' }],
    [{ protocol: 'alertmanager', destination: 'http://127.0.0.1:9093/' }, { type: 'alertmanager', url: 'http://127.0.0.1:9093/', resendIntervalSeconds: 60 }],
    [{ protocol: 'pagerduty', destination: 'https://events.pagerduty.com/v2/enqueue', secret: 'R0UT1NGKEY' }, { type: 'pagerduty', routingKey: 'R0UT1NGKEY' }],
  ] as const)('%j', (over, expected) => {
    const c = subscriptionNotifierConfig(row(over as Partial<SubscriptionRow>));
    expect(c).toMatchObject({ ...expected, name: 'subscription-6f1c2d3e-0000-4000-8000-000000000001' });
  });

  it('snmp-trap: host and port from snmp://, IPv6 without brackets, the secret as community (public without one)', () => {
    expect(subscriptionNotifierConfig(row({ protocol: 'snmp-trap', destination: 'snmp://[::1]:1162', secret: 'nms' }))).toMatchObject({
      type: 'snmp-trap',
      targets: [{ host: '::1', port: 1162, version: '2c', community: 'nms' }],
    });
    expect(subscriptionNotifierConfig(row({ protocol: 'snmp-trap', destination: 'snmp://nms.example:162' }))).toMatchObject({
      targets: [{ host: 'nms.example', port: 162, community: 'public' }],
    });
  });

  it('names are stable, queue-safe and distinct per subscription', () => {
    expect(subscriptionNotifierName('abc/../x y')).toBe('subscription-abc..xy');
    expect(subscriptionNotifierName('a')).not.toBe(subscriptionNotifierName('b'));
  });
});

const TRAP_COMMUNITY = 'hawatch-sub-traps';
const missing = missingTools(['snmptrapd']);

describe.skipIf(missing.length > 0)(suiteTitle('REST subscriptions deliver alerts (webhook receiver, real snmptrapd)', missing), () => {
  let receiver: Receiver;
  let trapd: Trapd;
  let collector: TestCollector;
  let timeline: Timeline;
  let seq = 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'hawatch-subs-'));

  const pushAt = async (scenarioMs: number) => {
    seq++;
    const at = Date.now();
    for (const node of ['node-a', 'node-b']) {
      const res = await push(collector.url, probeBatch('vrrplab', node, seq, at, { vrrp: vrrpAt(timeline, node, scenarioMs) }));
      expect(res.status, await res.text()).toBe(200);
    }
  };
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const webhookAlerts = (status: string) =>
    receiver.requests.flatMap((r) => ((r.body as { alerts?: { status: string; labels: Record<string, string> }[] }).alerts ?? []).filter((a) => a.status === status));
  const start = async () => {
    collector = await startTestCollector({ delivery: { backoffInitialSeconds: 0.1, backoffMaxSeconds: 1 } }, dataDir);
  };

  beforeAll(async () => {
    timeline = splitTimeline();
    receiver = await startReceiver();
    trapd = await startTrapd(await freePort(), TRAP_COMMUNITY);
    await start();
  }, 30_000);
  afterAll(async () => {
    await collector?.cleanup();
    await receiver?.close();
    await trapd?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the EventService says it delivers', async () => {
    const es = (await (await api('GET', '/api/v1/EventService')).json()) as { ServiceEnabled: boolean; Status: { State: string } };
    expect(es.ServiceEnabled).toBe(true);
    expect(es.Status.State).toBe('Enabled');
  });

  let webhookId = '';
  it('a split brain pages both subscriptions: the webhook (v4 payload, Context as receiver, Secret as bearer) and snmptrapd', async () => {
    const w = await api('POST', '/api/v1/EventService/Subscriptions', { Protocol: 'webhook', Destination: `${receiver.url}/page`, Context: 'oncall-sre', Secret: 'hook-secret' });
    expect(w.status, await w.clone().text()).toBe(201);
    webhookId = ((await w.json()) as { Id: string }).Id;
    const t = await api('POST', '/api/v1/EventService/Subscriptions', { Protocol: 'snmp-trap', Destination: `snmp://127.0.0.1:${trapd.port}`, Secret: TRAP_COMMUNITY });
    expect(t.status).toBe(201);

    await pushAt(DURING_SPLIT_MS);
    await waitFor('webhook firing', () => (webhookAlerts('firing').some((a) => a.labels['alertname'] === 'VrrpSplitBrain') ? true : undefined), 15_000);
    const req = receiver.requests.find((r) => ((r.body as { alerts?: unknown[] }).alerts ?? []).length > 0)!;
    expect(req.path).toBe('/page');
    expect(req.headers.authorization).toBe('Bearer hook-secret');
    expect(req.body).toMatchObject({ version: '4', receiver: 'oncall-sre', status: 'firing' });
    await trapd.waitFor(/hawatchAlertFiring\t.*VrrpSplitBrain/, 15_000);
  });

  it('a deleted subscription gets nothing more; the remaining one gets the resolve', async () => {
    expect((await api('DELETE', `/api/v1/EventService/Subscriptions/${webhookId}`)).status).toBe(204);
    const before = receiver.requests.length;
    await pushAt(AFTER_HEAL_MS);
    await trapd.waitFor(/hawatchAlertResolved\t.*VrrpSplitBrain/, 15_000);
    expect(receiver.requests.length).toBe(before);
  });

  it('after a restart the stored subscription still delivers', async () => {
    await collector.close();
    await start();
    const firedBefore = trapd.output().split('\n').filter((l) => /hawatchAlertFiring\t/.test(l)).length;
    await pushAt(DURING_SPLIT_MS);
    await waitFor('a second firing trap', () => (trapd.output().split('\n').filter((l) => /hawatchAlertFiring\t/.test(l)).length > firedBefore ? true : undefined), 15_000);
  });
});
