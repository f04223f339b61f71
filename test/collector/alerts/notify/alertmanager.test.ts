// A real Prometheus Alertmanager (Debian's prometheus-alertmanager) on loopback: hawatch pushes alerts through the
// queue and the alertmanager notifier; Alertmanager routes them to a webhook receiver run by this test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertmanagerFingerprint,
  createAlertmanagerNotifier,
  createDeliveryQueue,
  createNotifier,
  parseNotifierConfig,
  type DeliveryQueue,
  type WebhookMessage,
} from '../../../../collector/alerts/notify/index.js';
import type { Alert } from '../../../../collector/alerts/types.js';
import { freePort, waitFor } from '../../../helpers/processes.js';
import { firing, makeAlert, recordingLogger, resolved, startReceiver, tempDb, type Receiver, type TempDb } from './helpers.js';

const AM_BIN = process.env['HAWATCH_ALERTMANAGER'] ?? '/usr/bin/prometheus-alertmanager';
const haveAm = existsSync(AM_BIN);
if (!haveAm) console.warn(`SKIPPED: ${AM_BIN} is missing (apt-get install prometheus-alertmanager); the Alertmanager delivery tests did not run`);

const EXTERNAL = 'http://hawatch.test:9470';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

describe.skipIf(!haveAm)('alertmanager notifier against a real Alertmanager', () => {
  let dir: string;
  let am: ChildProcess;
  let amOut = '';
  let amUrl: string;
  let rx: Receiver;
  let t: TempDb;
  let q: DeliveryQueue;

  /** Messages Alertmanager sent to our webhook that mention this alertname. */
  const messagesFor = (alertname: string): WebhookMessage[] =>
    rx.requests.map((r) => r.body as WebhookMessage).filter((m) => m.alerts.some((a) => a.labels['alertname'] === alertname));

  const amAlerts = async (alertname: string): Promise<GettableAlert[]> => {
    const res = await fetch(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
    expect(res.status).toBe(200);
    return (await res.json()) as GettableAlert[];
  };

  const now = (): number => Date.now();
  const liveAlert = (over: Partial<Alert>): Alert => {
    const at = now();
    return makeAlert({ startsAtMs: at - 1000, firingAtMs: at, updatedAtMs: at, ...over });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hawatch-am-'));
    rx = await startReceiver();
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    // Group by every label so each alert is its own group, with short waits so the test is quick.
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: hook
  group_by: ['...']
  group_wait: 100ms
  group_interval: 300ms
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: ${rx.url}/am
        send_resolved: true
`,
    );
    am = spawn(
      AM_BIN,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        `--web.external-url=${amUrl}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout?.on('data', (d: Buffer) => (amOut += d.toString()));
    am.stderr?.on('data', (d: Buffer) => (amOut += d.toString()));
    await waitFor(
      `Alertmanager ready (output so far: ${amOut})`,
      async () => {
        if (am.exitCode !== null) throw new Error(`Alertmanager exited with ${am.exitCode}: ${amOut}`);
        const r = await fetch(`${amUrl}/-/ready`).catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      },
      20_000,
      50,
    );
    t = tempDb();
    const notifier = createNotifier(parseNotifierConfig({ type: 'alertmanager', name: 'am', url: amUrl }), { now, externalUrl: EXTERNAL });
    q = createDeliveryQueue({ db: t.db, notifiers: [notifier], now, random: Math.random, logger: recordingLogger(), backoff: { initialMs: 50, maxMs: 1000 } });
  });

  afterAll(async () => {
    await q?.close();
    if (am && am.exitCode === null) {
      const exited = new Promise((r) => am.once('exit', r));
      am.kill('SIGTERM');
      await exited;
    }
    await rx?.close();
    t?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a firing alert reaches the receiver through Alertmanager, then its resolve arrives as resolved', async () => {
    const a = liveAlert({ rule: 'VrrpSplitBrain', fingerprint: 'fp-am-1', labels: { vrid: '51', virtual_ip: '10.99.0.100' } });
    const t0 = performance.now();
    q.enqueue(firing(a));
    const [m] = await waitFor('firing message', () => (messagesFor('VrrpSplitBrain').length > 0 ? messagesFor('VrrpSplitBrain') : undefined), 15_000, 5);
    const firingMs = performance.now() - t0;
    const pushMs = q.stats().notifiers['am']?.lastLatencyMs;

    const labels = { alertname: 'VrrpSplitBrain', cluster: 'c1', severity: 'critical', vrid: '51', virtual_ip: '10.99.0.100' };
    expect(m).toMatchObject({ version: '4', status: 'firing', receiver: 'hook', commonLabels: labels, groupLabels: labels, externalURL: amUrl });
    const x = m?.alerts[0];
    expect(x?.labels).toEqual(labels);
    // Alertmanager's fingerprint is a hash of the label set: the same alert keeps it from firing to resolve.
    expect(x?.fingerprint).toBe(alertmanagerFingerprint(labels));
    expect(x?.annotations).toMatchObject({
      summary: a.summary,
      description: a.description,
      runbook_url: a.runbook,
      hawatch_fingerprint: 'fp-am-1',
    });
    expect(x?.annotations['evidence']).toContain('node-b vrrp: VI_1 MASTER, 10.99.0.100 on eth0');
    expect(x?.generatorURL).toBe(`${EXTERNAL}/api/v1/Alerts/fp-am-1`);
    // Go's RFC 3339 drops trailing zeros of the fraction ("…09.41Z"): compare instants, not strings.
    expect(Date.parse(x?.startsAt ?? '')).toBe(a.firingAtMs);
    // Alertmanager's API shows the lease: endsAt four resend intervals (4 × 60 s) ahead.
    const [g] = await amAlerts('VrrpSplitBrain');
    expect(Date.parse(g?.endsAt ?? '') - now()).toBeGreaterThan(200_000);
    expect(g?.status.state).toBe('active');

    const endsAt = now();
    const t1 = performance.now();
    q.enqueue(resolved(a, endsAt));
    const r = await waitFor('resolved message', () => messagesFor('VrrpSplitBrain').find((mm) => mm.status === 'resolved'), 15_000, 5);
    const resolvedMs = performance.now() - t1;
    expect(r.alerts[0]).toMatchObject({ status: 'resolved', fingerprint: x?.fingerprint });
    expect(Date.parse(r.alerts[0]?.endsAt ?? '')).toBe(endsAt);
    console.log(
      `Alertmanager: enqueue → POST accepted ${pushMs} ms; enqueue → webhook got firing ${firingMs.toFixed(0)} ms, resolved ${resolvedMs.toFixed(0)} ms ` +
        `(group_wait 100 ms, group_interval 300 ms); firing endsAt as Alertmanager sent it: ${x?.endsAt}`,
    );
    expect(q.stats().notifiers['am']).toMatchObject({ sent: 2, failed: 0, pending: 0 });
  });

  it('a silence created in Alertmanager keeps a matching alert from the receiver', async () => {
    const start = new Date(now() - 1000).toISOString();
    const end = new Date(now() + 3_600_000).toISOString();
    const res = await fetch(`${amUrl}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [
          { name: 'alertname', value: 'DrbdSplitBrain', isRegex: false, isEqual: true },
          { name: 'cluster', value: 'c1', isRegex: false, isEqual: true },
        ],
        startsAt: start,
        endsAt: end,
        createdBy: 'hawatch test',
        comment: 'maintenance on r0',
      }),
    });
    expect(res.status).toBe(200);
    const { silenceID } = (await res.json()) as { silenceID: string };
    expect(silenceID).toMatch(/^[0-9a-f-]{36}$/);

    q.enqueue(firing(liveAlert({ rule: 'DrbdSplitBrain', fingerprint: 'fp-am-drbd', severity: 'critical', labels: { resource: 'r0' } })));
    // A control alert, sent after the silenced one, proves the pipeline is flowing.
    q.enqueue(firing(liveAlert({ rule: 'NodeOffline', fingerprint: 'fp-am-node', severity: 'warning', labels: { node: 'node-c' } })));
    await waitFor('control alert at the receiver', () => (messagesFor('NodeOffline').length > 0 ? true : undefined), 15_000, 5);
    // Several group intervals more: the silenced alert must still not arrive.
    await new Promise((r) => setTimeout(r, 1200));
    expect(messagesFor('DrbdSplitBrain')).toEqual([]);
    const [g] = await amAlerts('DrbdSplitBrain');
    expect(g?.status.state).toBe('suppressed');
    expect(g?.status.silencedBy).toEqual([silenceID]);
    // Delivery to Alertmanager succeeded: silencing is Alertmanager's decision, not a hawatch failure.
    expect(q.stats().notifiers['am']?.failed).toBe(0);
  });

  it('firing alerts are leases: resendFiring extends endsAt; without re-sends Alertmanager resolves the alert itself', async () => {
    const t2 = tempDb();
    const am2 = createAlertmanagerNotifier({ name: 'am-fast', url: amUrl, timeoutMs: 2000, resendIntervalMs: 1000, now });
    const q2 = createDeliveryQueue({ db: t2.db, notifiers: [am2], now, random: Math.random, logger: recordingLogger() });
    try {
      const a = liveAlert({ rule: 'QuorumLost', fingerprint: 'fp-am-q', labels: {} });
      q2.enqueue(firing(a));
      await q2.settled();
      const [g1] = await amAlerts('QuorumLost');
      const lease1 = Date.parse(g1?.endsAt ?? '');
      expect(lease1 - now()).toBeGreaterThan(3000);
      expect(lease1 - now()).toBeLessThanOrEqual(4000);
      expect(q2.resendFiring([a])).toBe(0); // not due yet
      await new Promise((r) => setTimeout(r, 1100));
      expect(q2.resendFiring([a])).toBe(1);
      await q2.settled();
      const [g2] = await amAlerts('QuorumLost');
      expect(Date.parse(g2?.endsAt ?? '')).toBeGreaterThan(lease1 + 900);
      // Now hawatch "forgets" it: no more re-sends. Alertmanager resolves it when the lease runs out.
      const lease2 = Date.parse(g2?.endsAt ?? '');
      const m = await waitFor('self-resolved message', () => messagesFor('QuorumLost').find((mm) => mm.status === 'resolved'), 15_000, 20);
      expect(now()).toBeGreaterThanOrEqual(lease2);
      expect(Date.parse(m.alerts[0]?.endsAt ?? '')).toBe(lease2);
      expect(q2.deliveryLog().filter((e) => e.refresh)).toHaveLength(1);
    } finally {
      await q2.close();
      t2.cleanup();
    }
  });

  it('Alertmanager refuses an alert whose resolve precedes its start with 400; the notifier never sends one', async () => {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'Bad' }, startsAt: '2025-01-02T00:00:00Z', endsAt: '2025-01-01T00:00:00Z' }]),
    });
    expect(res.status).toBe(400);
    // The notifier clamps endsAt to startsAt, so a skewed resolve is still accepted.
    const a = liveAlert({ rule: 'SkewedResolve', fingerprint: 'fp-am-skew', labels: {} });
    q.enqueue(resolved(a, (a.firingAtMs ?? 0) - 5000));
    await waitFor('accepted', () => (q.deliveryLog({ fingerprint: 'fp-am-skew' })[0]?.outcome === 'sent' ? true : undefined), 5000, 5);
    expect(q.deliveryLog({ fingerprint: 'fp-am-skew' })[0]?.statusCode).toBe(200);
  });
});
