// The snmp-trap notifier: which HAWATCH-MIB notifications an alert change becomes, its configuration, and its
// delivery through the real delivery queue to a real snmptrapd (an unacknowledged inform is retried).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/config-file.js';
import { createDeliveryQueue, createNotifier, parseNotifierConfig, type DeliveryQueue } from '../../../collector/alerts/notify/index.js';
import { loadHawatchMib } from '../../../collector/snmp/mib.js';
import { notificationVarbinds } from '../../../collector/snmp/notify.js';
import { createSnmpTrapNotifier, notificationsFor } from '../../../collector/snmp/trap-notifier.js';
import { freePort, waitFor } from '../../helpers/processes.js';
import { firing, makeAlert, recordingLogger, resolved, tempDb, T0 } from '../alerts/notify/helpers.js';
import { logger, MIB_DIR, missingTools, startTrapd, suiteTitle, TRAP_USERS, type Trapd } from './helpers.js';

const mib = loadHawatchMib(MIB_DIR);
const COMMUNITY = 'hawatch-notifier';

describe('alert changes as HAWATCH-MIB notifications', () => {
  it('a split-brain rule: hawatchAlertFiring, then hawatchSplitBrainDetected with the signal and the nodes', () => {
    const planned = notificationsFor(firing(makeAlert({ firingAtMs: T0 + 2000 })));
    expect(planned.map((p) => p.name)).toEqual(['hawatchAlertFiring', 'hawatchSplitBrainDetected']);
    expect(planned[0]?.values).toMatchObject({
      hawatchNotifyAlertId: 'fp-vrrp-51', hawatchNotifyCluster: 'c1', hawatchNotifyRule: 'VrrpSplitBrain', hawatchNotifySeverity: 'critical',
      hawatchNotifyObject: 'vrrp/51', hawatchNotifySummary: 'VRID 51 has two MASTERs: node-a, node-b', hawatchNotifyTime: new Date(T0 + 2000),
    });
    expect(planned[0]?.values.hawatchNotifyEvidence).toContain('node-b vrrp: VI_1 MASTER, 10.99.0.100 on eth0');
    expect(planned[1]?.values).toMatchObject({ hawatchNotifyCluster: 'c1', hawatchNotifySignal: 'vrrp-multi-master', hawatchNotifyNodes: 'node-a,node-b' });
    const pcmk = notificationsFor(resolved(makeAlert({ rule: 'PacemakerSplitBrain', labels: {} }), T0 + 60_000));
    expect(pcmk.map((p) => p.name)).toEqual(['hawatchAlertResolved', 'hawatchSplitBrainCleared']);
    expect(pcmk[1]?.values).toMatchObject({ hawatchNotifySignal: 'pacemaker-partition', hawatchNotifyTime: new Date(T0 + 60_000) });
    expect(pcmk[0]?.values.hawatchNotifyObject).toBe('cluster/c1');
  });

  it('PacemakerQuorumLost: hawatchQuorumLost / hawatchQuorumRegained; other rules: the alert notification only', () => {
    const q = makeAlert({ rule: 'PacemakerQuorumLost', labels: { node: 'node3' }, evidence: [{ node: 'node3', probe: 'pacemaker', atMs: T0, says: 'DC node3 WITHOUT quorum' }] });
    expect(notificationsFor(firing(q)).map((p) => p.name)).toEqual(['hawatchAlertFiring', 'hawatchQuorumLost']);
    const back = notificationsFor(resolved(q));
    expect(back.map((p) => p.name)).toEqual(['hawatchAlertResolved', 'hawatchQuorumRegained']);
    expect(back[1]?.values).toMatchObject({ hawatchNotifyCluster: 'c1', hawatchNotifyNodes: 'node3' });
    const stale = makeAlert({ rule: 'AgentStale', severity: 'warning', labels: { node: 'n2' }, evidence: [] });
    expect(notificationsFor(firing(stale)).map((p) => [p.name, p.values.hawatchNotifyObject, p.values.hawatchNotifySeverity])).toEqual([['hawatchAlertFiring', 'node/n2', 'warning']]);
  });

  it('every planned notification carries every object its OBJECTS clause names', () => {
    const alerts = [makeAlert(), makeAlert({ rule: 'PacemakerQuorumLost', labels: { node: 'n1' } }), makeAlert({ rule: 'AgentStale', evidence: [] })];
    for (const a of alerts) {
      for (const n of [firing(a), resolved(a)]) for (const p of notificationsFor(n)) expect(() => notificationVarbinds(mib, p.name, p.values), `${a.rule} ${p.name}`).not.toThrow();
    }
  });
});

describe('snmp-trap notifier configuration', () => {
  it('defaults: port 162, v2c, informs; YAML may write version 3 unquoted', () => {
    const c = parseNotifierConfig({ type: 'snmp-trap', name: 'nms', targets: [{ host: '192.0.2.7', community: 'c' }] });
    expect(c).toMatchObject({ type: 'snmp-trap', name: 'nms', targets: [{ host: '192.0.2.7', port: 162, version: '2c', mode: 'inform', timeoutSeconds: 3, retries: 2 }] });
    const n = createNotifier(c, { now: Date.now });
    expect([n.name, n.kind]).toEqual(['nms', 'snmp-trap']);
    const v3 = parseNotifierConfig({ type: 'snmp-trap', name: 'nms3', targets: [{ host: '192.0.2.7', version: 3, user: { name: 'u', authKey: 'auth-pass-1', privKey: 'priv-pass-1' } }] });
    expect(createNotifier(v3, { now: Date.now }).kind).toBe('snmp-trap');
  });

  it('reads the community from a file, and fails fast on what cannot work', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hawatch-trapcfg-'));
    try {
      writeFileSync(join(dir, 'community'), 'from-file\n');
      expect(createNotifier(parseNotifierConfig({ type: 'snmp-trap', name: 'f', targets: [{ host: 'nms.example', communityFile: join(dir, 'community') }] }), { now: Date.now }).name).toBe('f');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const make = (targets: unknown[]) => () => createNotifier(parseNotifierConfig({ type: 'snmp-trap', name: 'bad', targets }), { now: Date.now, source: 'collector.yaml' });
    expect(make([{ host: 'h' }])).toThrow(ConfigError);
    expect(make([{ host: 'h' }])).toThrow(/v2c needs community/);
    expect(make([{ host: 'h', version: '3' }])).toThrow(/v3 needs user/);
    expect(make([{ host: 'h', version: '3', mode: 'trap', user: { name: 'u', authKey: 'auth-pass-1', privKey: 'priv-pass-1' } }])).toThrow(/needs engineId/);
    expect(make([{ host: 'h', community: 'c', name: 'x' }, { host: 'h2', community: 'c', name: 'x' }])).toThrow(/used twice/);
    expect(() => parseNotifierConfig({ type: 'snmp-trap', name: 'none', targets: [] })).toThrow(ConfigError);
    expect(() => parseNotifierConfig({ type: 'snmp-trap', name: 'x', targets: [{ host: 'h', community: 'c', mode: 'carrier-pigeon' }] })).toThrow(ConfigError);
  });
});

const missing = missingTools(['snmptrapd']);

describe.skipIf(missing.length > 0)(suiteTitle('snmp-trap notifier through the delivery queue to snmptrapd', missing), () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const trapd = async (port: number): Promise<Trapd> => {
    const t = await startTrapd(port, COMMUNITY);
    cleanups.push(() => t.stop());
    return t;
  };
  const queue = (notifier: ReturnType<typeof createSnmpTrapNotifier>): DeliveryQueue => {
    const t = tempDb();
    cleanups.push(() => t.cleanup());
    const q = createDeliveryQueue({ db: t.db, notifiers: [notifier], now: Date.now, random: () => 0.5, logger: recordingLogger(), backoff: { initialMs: 100, maxMs: 500 } });
    cleanups.push(() => q.close());
    return q;
  };
  /** snmptrapd -Lo logs each notification's varbinds on one line. */
  const lines = (t: Trapd, notification: string, id: string): string[] =>
    t.output().split('\n').filter((l) => l.includes(`OID: HAWATCH-MIB::${notification}\t`) && l.includes(id));

  it('an inform nobody acknowledges is a failed delivery; the queue retries it until the NMS answers', async () => {
    const port = await freePort();
    const notifier = createSnmpTrapNotifier({
      name: 'nms', logger, agent: () => ({ mib, upTime: () => 4711 }),
      targets: [{ name: 'nms-v3', host: '127.0.0.1', port, version: '3', user: TRAP_USERS.inform, mode: 'inform', timeoutMs: 200, retries: 0 }],
    });
    const q = queue(notifier);
    const a = makeAlert({ fingerprint: 'fp-retry' });
    q.enqueue(firing(a));
    const failed = await waitFor('a failed attempt', () => q.deliveryLog().find((e) => e.outcome === 'retry'), 10_000, 20);
    expect(failed.error).toMatch(/nms-v3/);
    const t = await trapd(port); // the NMS comes up
    await waitFor('delivered', () => (q.deliveryLog().some((e) => e.outcome === 'sent') ? true : undefined), 15_000, 20);
    await t.waitFor(/hawatchSplitBrainDetected/);
    const fired = lines(t, 'hawatchAlertFiring', 'fp-retry');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toContain('SNMPv2-MIB::sysUpTime.0 = Timeticks: (4711)');
    expect(fired[0]).toContain('HAWATCH-MIB::hawatchNotifyRule.0 = STRING: VrrpSplitBrain');
    expect(fired[0]).toContain('HAWATCH-MIB::hawatchNotifySummary.0 = STRING: VRID 51 has two MASTERs: node-a, node-b');
    expect(t.output()).toContain('HAWATCH-MIB::hawatchNotifySignal.0 = STRING: vrrp-multi-master');
    expect(q.stats().notifiers['nms']).toMatchObject({ kind: 'snmp-trap', sent: 1, pending: 0 });

    q.enqueue(resolved(a));
    await t.waitFor(/hawatchSplitBrainCleared/);
    expect(lines(t, 'hawatchAlertResolved', 'fp-retry')).toHaveLength(1);
  });

  it('a retry goes only to the targets that missed the notification', async () => {
    const up = await trapd(await freePort());
    const laterPort = await freePort();
    const notifier = createSnmpTrapNotifier({
      name: 'two', logger,
      targets: [
        { name: 'up', host: '127.0.0.1', port: up.port, version: '2c', community: COMMUNITY, mode: 'inform', timeoutMs: 500, retries: 0 },
        { name: 'later', host: '127.0.0.1', port: laterPort, version: '3', user: TRAP_USERS.inform, mode: 'inform', timeoutMs: 200, retries: 0 },
      ],
    });
    const q = queue(notifier);
    q.enqueue(firing(makeAlert({ fingerprint: 'fp-partial' })));
    await waitFor('a failed attempt', () => q.deliveryLog().find((e) => e.outcome === 'retry'), 10_000, 20);
    await up.waitFor(/hawatchSplitBrainDetected/);
    const later = await trapd(laterPort);
    await waitFor('delivered', () => (q.deliveryLog().some((e) => e.outcome === 'sent') ? true : undefined), 15_000, 20).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(q.deliveryLog())}`);
    });
    await later.waitFor(/hawatchSplitBrainDetected/);
    expect(lines(later, 'hawatchAlertFiring', 'fp-partial')).toHaveLength(1);
    // Every attempt after the first went to `later` only.
    expect(q.deliveryLog().filter((e) => e.outcome === 'retry').length).toBeGreaterThanOrEqual(1);
    expect(lines(up, 'hawatchAlertFiring', 'fp-partial')).toHaveLength(1);
    expect(up.output().split('\n').filter((l) => l.includes('OID: HAWATCH-MIB::hawatchSplitBrainDetected\t'))).toHaveLength(1);
  });
});
