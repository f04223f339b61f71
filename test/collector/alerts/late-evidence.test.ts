// Late evidence: after a management-network cut the agents' outboxes deliver buffered observations late. keepalived's
// recorded split brain (healed long ago) arriving now must not page as new: the alert is stored as historical and
// logged. If fresh observations show the condition still holds, it is current after all and pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vrrpSamples, vrrpStates } from '../../../agent/probes/vrrp/index.js';
import type { PushBatch } from '../../../agent/protocol/index.js';
import { ClusterModel } from '../../../collector/model/model.js';
import { AlertEngine, AlertStore } from '../../../collector/alerts/engine.js';
import { AlertingConfig, alertingSettings, NotificationDispatcher } from '../../../collector/alerts/grouping.js';
import { SilenceStore } from '../../../collector/alerts/silences.js';
import { RULES } from '../../../collector/alerts/rules/index.js';
import type { AlertNotification } from '../../../collector/alerts/types.js';
import { openDb, type Db } from '../../../collector/store/db.js';
import { validateConfig } from '../../../common/config-file.js';
import { ADMIN_TOKEN, push, startTestCollector, type TestCollector } from '../../helpers/collector.js';
import { waitFor } from '../../helpers/processes.js';
import { AFTER_HEAL_MS, DURING_SPLIT_MS, probeBatch, splitTimeline, vrrpAt } from '../snmp/reports.js';
import { recordingLogger, startReceiver, type Receiver } from './notify/helpers.js';

const timeline = splitTimeline();
const INTERVAL_MS = 1_000; // × staleAfterIntervals 3: evidence older than 3 s is late

const batch = (node: string, scenarioMs: number, atMs: number, seq: number): PushBatch => {
  const report = vrrpAt(timeline, node, scenarioMs);
  return {
    protocol: 1, cluster: 'vrrplab', node, agentInstance: `00000000-0000-4000-8000-00000000000${node === 'node-a' ? 1 : 2}`, agentVersion: 't', seq, sealedAt: atMs,
    intervalMs: INTERVAL_MS, observations: [{ probe: 'vrrp', at: atMs, durationMs: 1, status: 'ok', report, samples: vrrpSamples(report), states: vrrpStates(report) }],
  };
};

const rig = () => {
  let now = Date.UTC(2026, 0, 10, 12, 0, 0);
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-late-'));
  const db: Db = openDb(dir);
  const model = new ClusterModel({ staleAfterIntervals: 3, now: () => now });
  const store = new AlertStore(db);
  const engine = new AlertEngine({ rules: RULES, store, lateEvidence: { staleAfterIntervals: 3 } });
  const handed: AlertNotification[] = [];
  const log = recordingLogger();
  const dispatcher = new NotificationDispatcher({
    db,
    settings: alertingSettings(validateConfig(AlertingConfig, {}, 'test')),
    silences: new SilenceStore(db, () => now),
    acknowledged: () => store.acknowledged(),
    lookup: (fp) => store.get(fp),
    enqueue: (b) => (handed.push(...b), b.length),
    logger: log,
  });
  let seq = 0;
  /** Both agents push: their observation of scenario time `t`, made at `atMs` (in the past when buffered). */
  const step = (t: number, atMs: number, advanceMs = 1_000) => {
    now += advanceMs;
    seq++;
    for (const node of ['node-a', 'node-b']) model.applyBatch(batch(node, t, atMs, seq), now);
    const ns = engine.evaluate(model.snapshot());
    dispatcher.tick(now, engine.openAlerts());
    return ns;
  };
  return { step, now: () => now, engine, store, handed, log, cleanup: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
};

describe('late evidence (simulated clock, real model and engine)', () => {
  it('a split brain seen only in observations a minute old fires as historical: stored, logged, never paged, no resolve', () => {
    const r = rig();
    try {
      const cut = r.now() - 60_000; // the observations were made during the cut, a minute ago
      const fired: AlertNotification[] = [];
      for (let i = 0; i < 4; i++) fired.push(...r.step(DURING_SPLIT_MS + i * 1000, cut + i * 1000));
      const sb = fired.filter((n) => n.alert.rule === 'VrrpSplitBrain');
      expect(sb.map((n) => n.kind)).toEqual(['firing']);
      expect((sb[0]!.alert as { historical?: boolean }).historical).toBe(true);
      const stored = r.store.get(sb[0]!.alert.fingerprint)!;
      expect(stored).toMatchObject({ status: 'firing', historical: true });
      expect(r.handed).toEqual([]);
      const warned = r.log.lines.find((l) => l.msg.startsWith('alert fired on late evidence only'));
      expect(warned?.obj).toMatchObject({ alert: 'VrrpSplitBrain', cluster: 'vrrplab' });
      // The rest of the outbox: the heal, still late. The alert resolves; nothing was paged, so no resolve is sent.
      const after = r.step(AFTER_HEAL_MS, cut + 10_000);
      expect(after.map((n) => `${n.kind} ${n.alert.rule}`)).toContain('resolved VrrpSplitBrain');
      expect(r.store.get(sb[0]!.alert.fingerprint)).toMatchObject({ status: 'resolved', historical: true });
      expect(r.handed).toEqual([]);
    } finally {
      r.cleanup();
    }
  });

  it('the same split brain in fresh observations pages', () => {
    const r = rig();
    try {
      for (let i = 0; i < 4; i++) r.step(DURING_SPLIT_MS + i * 1000, r.now() + 1000);
      expect(r.handed.map((n) => `${n.kind} ${n.alert.rule}`)).toEqual(['firing VrrpSplitBrain']);
      expect(r.store.get(r.handed[0]!.alert.fingerprint)?.historical).toBe(false);
    } finally {
      r.cleanup();
    }
  });

  it('historical, then fresh observations show it still holds: it is current after all and pages then', () => {
    const r = rig();
    try {
      const cut = r.now() - 60_000;
      for (let i = 0; i < 4; i++) r.step(DURING_SPLIT_MS + i * 1000, cut + i * 1000);
      expect(r.engine.openAlerts().find((a) => a.rule === 'VrrpSplitBrain')?.historical).toBe(true);
      expect(r.handed).toEqual([]);
      r.step(DURING_SPLIT_MS + 3000, r.now() + 1000); // the outbox is drained: this is now (still split: heal at +11.5 s)
      const sb = r.engine.openAlerts().find((a) => a.rule === 'VrrpSplitBrain')!;
      expect(sb.historical).toBeUndefined();
      expect(r.store.get(sb.fingerprint)?.historical).toBe(false);
      expect(r.handed.map((n) => `${n.kind} ${n.alert.rule}`)).toEqual(['firing VrrpSplitBrain']);
    } finally {
      r.cleanup();
    }
  });
});

describe('late evidence through a real collector: REST shows it, the webhook gets nothing', () => {
  let c: TestCollector;
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
    c = await startTestCollector({ notifiers: [{ type: 'webhook', name: 'oncall', url: `${rx.url}/page` }], delivery: { backoffInitialSeconds: 0.1, backoffMaxSeconds: 1 } });
  });
  afterAll(async () => {
    await c?.cleanup();
    await rx?.close();
  });

  it('buffered split-brain observations pushed a minute late: Historical in /api/v1/Alerts, no page', async () => {
    const minuteAgo = Date.now() - 60_000;
    let seq = 0;
    const pushBoth = async (t: number, at: number) => {
      seq++;
      for (const node of ['node-a', 'node-b']) {
        const res = await push(c.url, probeBatch('latelab', node, seq, at, { vrrp: vrrpAt(timeline, node, t) }, INTERVAL_MS));
        expect(res.status, await res.text()).toBe(200);
      }
    };
    type Alerts = { Members: { Rule: string; AlertStatus: string; Historical: boolean; Id: string; Status: { Health: string } }[] };
    const get = async () => (await (await fetch(`${c.url}/api/v1/Alerts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as Alerts;
    // The outbox drains one batch every 500 ms, each a minute old; VrrpSplitBrain needs 2 s to fire.
    let found: Alerts['Members'][number] | undefined;
    for (let i = 0; i < 10 && !found; i++) {
      await pushBoth(DURING_SPLIT_MS + Math.min(i * 300, 3000), minuteAgo + i * 500); // the split lasts until +11.5 s
      await new Promise((r) => setTimeout(r, 500));
      found = (await get()).Members.find((m) => m.Rule === 'VrrpSplitBrain' && m.AlertStatus === 'firing');
    }
    expect(found).toMatchObject({ Historical: true, Status: { Health: 'OK' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.requests).toEqual([]);
    // Now the agents report live, and the split is still there: it pages.
    const t0 = Date.now();
    await pushBoth(DURING_SPLIT_MS + 3000, Date.now());
    await waitFor('the page', () => (rx.requests.length > 0 ? true : undefined), 10_000, 20);
    console.log(`historical → current: paged ${Date.now() - t0} ms after the first fresh push`);
    const msg = rx.requests[0]!.body as { alerts: { labels: Record<string, string>; status: string }[]; groupLabels: Record<string, string> };
    expect(msg.groupLabels).toEqual({ alertname: 'VrrpSplitBrain', cluster: 'latelab' });
    expect(msg.alerts.map((a) => `${a.status} ${a.labels['alertname']}`)).toEqual(['firing VrrpSplitBrain']);
    expect((await get()).Members.find((m) => m.Id === found!.Id)).toMatchObject({ Historical: false, Status: { Health: 'Critical' } });
  }, 30_000);
});
