// Inhibition: the built-in rules on the alerts a real recorded partition raises (n3 cut off from n1 and n2, replayed
// through the real probes, store, model and engine), the rule semantics on their own, and what it does to paging.
import { afterEach, describe, expect, it } from 'vitest';
import { pacemakerProbe } from '../../../agent/probes/pacemaker/probe.js';
import { createCorosyncProbe } from '../../../agent/probes/corosync/index.js';
import type { Probe } from '../../../agent/probes/types.js';
import { RULES } from '../../../collector/alerts/rules/index.js';
import { DEFAULT_INHIBIT_RULES, Inhibitor } from '../../../collector/alerts/inhibition.js';
import { alertingSettings, AlertingConfig, NotificationDispatcher } from '../../../collector/alerts/grouping.js';
import type { EngineAlert } from '../../../collector/alerts/engine.js';
import { SilenceStore } from '../../../collector/alerts/silences.js';
import type { AlertNotification } from '../../../collector/alerts/types.js';
import { validateConfig } from '../../../common/config-file.js';
import { describe as line, replayScenario } from '../../helpers/replay.js';
import { makeAlert, recordingLogger, tempDb, T0, type TempDb } from './notify/helpers.js';

const inhibitor = new Inhibitor(DEFAULT_INHIBIT_RULES);
const name = (a: EngineAlert) => `${a.rule}${Object.keys(a.labels).length ? ` ${JSON.stringify(a.labels)}` : ''}`;

describe('the built-in rules on a real partition (pcmk3-partition-node3)', () => {
  it('node n3 offline inhibits the alerts about n3 (its quorum loss, its links); it does not inhibit itself or n1/n2\'s alerts', async () => {
    const probes = [pacemakerProbe as Probe, createCorosyncProbe({}) as Probe];
    const full = await replayScenario('pcmk3-partition-node3', { probes, rules: RULES, cluster: 'hwlab' });
    const fired = full.notifications.find((n) => n.kind === 'firing' && n.alert.rule === 'PacemakerNodeOffline');
    const healed = full.notifications.find((n) => n.kind === 'resolved' && n.alert.rule === 'PacemakerNodeOffline');
    full.cleanup();
    expect(fired && healed, full.notifications.map(line).join('\n')).toBeTruthy();
    // Replay again up to the middle of the partition, and look at what is open then.
    const r = await replayScenario('pcmk3-partition-node3', { probes, rules: RULES, cluster: 'hwlab', untilMs: Math.round((fired!.tMs + healed!.tMs) / 2) });
    try {
      const open = r.engine.openAlerts().filter((a) => a.status === 'firing');
      const byFp = new Map(open.map((a) => [a.fingerprint, a]));
      const inhibited = inhibitor.inhibitedBy(open);
      const offline = open.find((a) => a.rule === 'PacemakerNodeOffline')!;
      expect(offline.labels).toEqual({ node: 'n3' });
      const muted = [...inhibited.keys()].map((fp) => name(byFp.get(fp)!)).sort();
      const paging = open.filter((a) => !inhibited.has(a.fingerprint)).map(name).sort();
      console.log(`mid-partition: ${open.length} firing; inhibited: ${muted.join('; ')}; paging: ${paging.join('; ')}`);
      expect(muted).toContain('PacemakerQuorumLost {"node":"n3"}');
      expect(muted.every((m) => m.includes('"node":"n3"')), muted.join('\n')).toBe(true);
      for (const fps of inhibited.values()) expect(fps).toEqual([offline.fingerprint]);
      expect(paging).toContain('PacemakerNodeOffline {"node":"n3"}');
      // What n1 and n2 see (their links to n3 down) is news from the healthy side: it pages.
      expect(paging.some((p) => p.startsWith('CorosyncLinkDown') && p.includes('"node":"n1"')), paging.join('\n')).toBe(true);
    } finally {
      r.cleanup();
    }
  }, 60_000);
});

describe('rule semantics', () => {
  const offline = makeAlert({ fingerprint: 'off-n3', rule: 'PacemakerNodeOffline', severity: 'critical', labels: { node: 'n3' } });
  const onN3 = (rule: string, fp: string, extra: Record<string, string> = {}) => makeAlert({ fingerprint: fp, rule, severity: 'warning', labels: { node: 'n3', ...extra } });

  it('node down: same cluster and node only; split brain, double activity and failed fencing always page', () => {
    const alerts: EngineAlert[] = [
      offline,
      onN3('AgentStale', 'stale-n3'),
      onN3('ProbeFailing', 'probe-n3', { probe: 'drbd' }),
      onN3('PacemakerFencingFailed', 'fence-n3'),
      onN3('VrrpSplitBrain', 'vrrp-sb-n3', { vrid: '51' }),
      onN3('PacemakerResourceActiveTwice', 'twice', { resource: 'db' }),
      makeAlert({ fingerprint: 'stale-n1', rule: 'AgentStale', severity: 'warning', labels: { node: 'n1' } }),
      makeAlert({ fingerprint: 'stale-n3-other', rule: 'AgentStale', severity: 'warning', cluster: 'c2', labels: { node: 'n3' } }),
    ];
    const got = inhibitor.inhibitedBy(alerts);
    expect([...got.keys()].sort()).toEqual(['probe-n3', 'stale-n3']);
    expect(got.get('stale-n3')).toEqual(['off-n3']);
  });

  it('quorum lost: resources not running and info alerts in that cluster', () => {
    const ql = makeAlert({ fingerprint: 'ql', rule: 'PacemakerQuorumLost', labels: { node: 'n3' } });
    const alerts: EngineAlert[] = [
      ql,
      makeAlert({ fingerprint: 'stopped', rule: 'PacemakerResourceNotRunning', labels: { resource: 'db' } }),
      makeAlert({ fingerprint: 'moved', rule: 'PacemakerResourceMoved', severity: 'info', labels: { resource: 'db' } }),
      makeAlert({ fingerprint: 'stopped-c2', rule: 'PacemakerResourceNotRunning', cluster: 'c2', labels: { resource: 'db' } }),
      makeAlert({ fingerprint: 'failed', rule: 'PacemakerResourceFailed', labels: { resource: 'db', node: 'n1' } }),
    ];
    expect([...inhibitor.inhibitedBy(alerts).keys()].sort()).toEqual(['moved', 'stopped']);
  });

  it('only firing, current sources inhibit: a pending or historical one does not; a resolved target is not inhibited', () => {
    const target = onN3('AgentStale', 'stale-n3');
    expect(inhibitor.inhibitedBy([{ ...offline, status: 'pending', firingAtMs: null }, target]).size).toBe(0);
    expect(inhibitor.inhibitedBy([{ ...offline, historical: true }, target]).size).toBe(0);
    expect(inhibitor.inhibitedBy([offline, { ...target, status: 'resolved' }]).size).toBe(0);
    // A label both lack counts as equal (Alertmanager): equal on a label neither has still inhibits.
    const custom = new Inhibitor([{ name: 'x', sourceMatchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }], targetMatchers: [{ name: 'alertname', value: 'B', isRegex: false, isEqual: true }], equal: ['cluster', 'vrid'] }]);
    expect([...custom.inhibitedBy([makeAlert({ fingerprint: 'a', rule: 'A', labels: {} }), makeAlert({ fingerprint: 'b', rule: 'B', labels: {} })]).keys()]).toEqual(['b']);
    expect(custom.inhibitedBy([makeAlert({ fingerprint: 'a', rule: 'A', labels: { vrid: '1' } }), makeAlert({ fingerprint: 'b', rule: 'B', labels: {} })]).size).toBe(0);
  });
});

describe('inhibited alerts are stored and shown, never paged; when the source ends, the target pages', () => {
  let t: TempDb;
  afterEach(() => t?.cleanup());

  it('pages the target once its inhibiting alert has resolved', () => {
    t = tempDb();
    const handed: AlertNotification[][] = [];
    const log = recordingLogger();
    const d = new NotificationDispatcher({
      db: t.db,
      settings: alertingSettings(validateConfig(AlertingConfig, { groupWaitSeconds: 0 }, 'test')),
      silences: new SilenceStore(t.db, () => T0),
      acknowledged: () => new Set(),
      lookup: () => null,
      enqueue: (batch) => (handed.push([...batch]), batch.length),
      logger: log,
    });
    const offline = makeAlert({ fingerprint: 'off-n3', rule: 'PacemakerNodeOffline', severity: 'warning', labels: { node: 'n3' } });
    const stale = makeAlert({ fingerprint: 'stale-n3', rule: 'AgentStale', severity: 'warning', labels: { node: 'n3' } });
    d.tick(T0, [offline, stale]);
    expect(handed.map((b) => b.map((n) => `${n.kind} ${n.alert.fingerprint}`))).toEqual([['firing off-n3']]);
    expect(d.suppression(stale, [offline, stale], T0)).toEqual({ silencedBy: [], inhibitedBy: ['off-n3'], historical: false });
    expect(log.lines.some((l) => l.msg === 'alert is inhibited: stored, not paged')).toBe(true);
    d.tick(T0 + 1000, [offline, stale]);
    expect(handed).toHaveLength(1);
    // The node is back but its agent is still catching up: the stale alert is news now.
    d.tick(T0 + 2000, [stale]);
    expect(handed.slice(1).flat().map((n) => `${n.kind} ${n.alert.fingerprint}`).sort()).toEqual(['firing stale-n3', 'resolved off-n3']);
  });
});
