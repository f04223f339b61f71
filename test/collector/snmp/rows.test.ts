// Pure parts: snapshot → rows (real crm_mon fixtures), value encoding, the sorted view, GETBULK limits, the walk cache.
import { describe, expect, it } from 'vitest';
import { answerGetBulk, answerGetNext, ViewCache } from '../../../collector/snmp/agent.js';
import { loadHawatchMib, mibObject } from '../../../collector/snmp/mib.js';
import {
  alertObject, alertRows, buildRows, clusterFacts, drbdRows, expectedHolder, fitList, inetCells, iscsiRows, resourceRows, resourceRole, vipRows, vrrpRows,
} from '../../../collector/snmp/rows.js';
import type { VrrpReport } from '../../../agent/protocol/vrrp.js';
import { firing, makeAlert } from '../alerts/notify/helpers.js';
import { dateAndTime, encodeValue, inetAddress, utf8Within } from '../../../collector/snmp/values.js';
import { buildView, type SnmpView } from '../../../collector/snmp/view.js';
import { ClusterModel } from '../../../collector/model/model.js';
import { batch, fixtureModel, fixtureReport, MIB_DIR, T0 } from './helpers.js';
import { AFTER_HEAL_MS, DURING_SPLIT_MS, missingFixtures, probeBatch, splitTimeline, storageReports, vrrpAt } from './reports.js';

const mib = loadHawatchMib(MIB_DIR);
const SYSTEM = { sysDescr: 'hawatch test', sysContact: '', sysName: 'collector', sysLocation: '', sysUpTime: 100 };

describe('rows from real crm_mon reports', () => {
  const { model } = fixtureModel();
  const rows = buildRows(model.snapshot(), '0.1.0');
  const clusters = new Map(rows.tables.hawatchClusterEntry.map((c) => [c.hawatchClusterName, c]));
  const nodes = (cluster: string) =>
    new Map(rows.tables.hawatchNodeEntry.filter((n) => n.index[0] === clusters.get(cluster)?.index[0]).map((n) => [n.hawatchNodeName, n]));

  it('summarises each cluster from its fresh reports', () => {
    expect(rows.scalars).toMatchObject({ hawatchCollectorVersion: '0.1.0', hawatchClusterCount: 4 });
    expect(rows.scalars.hawatchSnapshotTime.getTime()).toBe(T0);
    expect(clusters.get('lab')).toMatchObject({
      index: [1], hawatchClusterState: 'quorate', hawatchClusterQuorate: true, hawatchClusterDcName: 'node1', hawatchClusterDcCount: 1,
      hawatchClusterNodeCount: 3, hawatchClusterNodesOnline: 3, hawatchClusterAgentsUp: 3, hawatchClusterResourceCount: 12,
      hawatchClusterResourcesFailed: 0, hawatchClusterNodesConfigured: 3, hawatchClusterVotesQuorum: null, hawatchClusterReportSource: 'node1',
    });
    // Two partitions, each with a quorate DC of its own: a split brain.
    expect(clusters.get('pcmk2')).toMatchObject({ hawatchClusterState: 'partitioned', hawatchClusterDcCount: 2, hawatchClusterQuorateDcCount: 2 });
    expect(clusters.get('quorumlost')).toMatchObject({ hawatchClusterState: 'noQuorum', hawatchClusterQuorate: false, hawatchClusterAgentsUp: 2 });
    expect(clusters.get('sim2')).toMatchObject({ hawatchClusterState: 'quorate', hawatchClusterResourcesFailed: 1, hawatchClusterResourceCount: 7 });
  });

  it('takes a node state from the majority of views and shows the disagreement', () => {
    const lab = nodes('lab');
    expect(lab.get('node2')).toMatchObject({ index: [1, 2], hawatchNodeState: 'online', hawatchNodeStateReporters: 3, hawatchNodeStateAgreeing: 3, hawatchNodeIsDc: false, hawatchNodeAgentState: 'up' });
    expect(lab.get('node1')?.hawatchNodeIsDc).toBe(true);
    expect(lab.get('node1')?.hawatchNodeAgentLastSeenAge).toBe(150); // pushed 1.5 s before the snapshot
    // n1 and n2 each see themselves online and the other offline: a 1:1 tie goes to the worse state.
    expect(nodes('pcmk2').get('n1')).toMatchObject({ hawatchNodeState: 'offline', hawatchNodeStateReporters: 2, hawatchNodeStateAgreeing: 1 });
    const ql = nodes('quorumlost');
    // node2's agent is stale, so its own (healthy-looking) report is not counted; node1 sees it unclean.
    expect(ql.get('node2')).toMatchObject({ hawatchNodeState: 'unclean', hawatchNodeStateReporters: 1, hawatchNodeAgentState: 'stale' });
    expect(ql.get('node3')).toMatchObject({ hawatchNodeState: 'offline', hawatchNodeStateReporters: 2, hawatchNodeStateAgreeing: 1 });
  });

  it('lists resources from the DC report with roles, nodes, flags and fail counts', () => {
    const sim = rows.tables.hawatchResourceEntry.filter((r) => r.index[0] === clusters.get('sim2')?.index[0]);
    expect(sim.map((r) => r.hawatchResourceName)).toEqual(['fence_node1', 'fence_node2', 'drbd_r0', 'drbd_r0', 'fs_web', 'vip_web', 'apache_web']);
    expect(sim[2]).toMatchObject({ hawatchResourceRole: 'promoted', hawatchResourceInstance: '0', hawatchResourceParent: 'drbd_r0-clone', hawatchResourceNodes: 'node1' });
    expect(sim[6]).toMatchObject({
      index: [4, 7], hawatchResourceAgent: 'ocf:heartbeat:apache', hawatchResourceFailed: true, hawatchResourceBlocked: true,
      hawatchResourceManaged: false, hawatchResourceFailCount: 2, hawatchResourceNodeCount: 1,
    });
  });

  it("counts a clone's fail count only on the instance running where it failed", () => {
    const m = new ClusterModel({ staleAfterIntervals: 3, now: () => T0 });
    for (const n of ['node1', 'node2', 'node3']) m.applyBatch(batch('c', n, 1, T0 - 1000, fixtureReport('sim-3node-05-drbd-monitor-failed')), T0 - 500);
    const c = m.snapshot().clusters[0];
    if (!c) throw new Error('no cluster');
    const drbd = resourceRows(clusterFacts(c, 1)).filter((r) => r.hawatchResourceName === 'drbd_data');
    expect(drbd.map((r) => [r.hawatchResourceNodes, r.hawatchResourceFailCount])).toEqual([['node1', 0], ['node2', 1], ['node3', 0]]);
  });

  it('leaves empty the tables without reports (vrrp, drbd, iscsi), without alerts, and availability', () => {
    for (const t of ['hawatchVrrpEntry', 'hawatchVipEntry', 'hawatchDrbdEntry', 'hawatchIscsiEntry', 'hawatchAvailEntry', 'hawatchAlertEntry'] as const) {
      expect(rows.tables[t], t).toEqual([]);
    }
  });

  it('maps every role crm_mon prints', () => {
    expect(['Started', 'Stopped', 'Promoted', 'Master', 'Unpromoted', 'Slave', 'Migrating', 'Weird'].map(resourceRole)).toEqual([
      'started', 'stopped', 'promoted', 'promoted', 'unpromoted', 'unpromoted', 'migrating', 'unknown',
    ]);
  });
});

describe('values', () => {
  it('encodes DateAndTime in UTC', () => {
    expect([...dateAndTime(new Date(Date.UTC(2026, 10, 23, 18, 5, 7, 450)))]).toEqual([0x07, 0xea, 11, 23, 18, 5, 7, 4, 0x2b, 0, 0]);
  });
  it('encodes addresses as InetAddress octets', () => {
    expect([...(inetAddress('192.0.2.10') ?? [])]).toEqual([192, 0, 2, 10]);
    expect(inetAddress('2001:db8::a')?.toString('hex')).toBe('20010db800000000000000000000000a');
    expect(inetAddress('::ffff:192.0.2.1')?.toString('hex')).toBe('00000000000000000000ffffc0000201');
    expect(inetAddress('not-an-address')).toBeNull();
  });
  it('cuts UTF-8 on a character boundary', () => {
    expect(utf8Within('aé', 2).toString()).toBe('a');
    expect(utf8Within('abc', 5).toString()).toBe('abc');
  });
  it('maps enum labels and booleans through the MIB, and refuses an unknown label', () => {
    expect(encodeValue(mibObject(mib, 'hawatchNodeState'), 'unclean').value).toBe(7);
    expect(encodeValue(mibObject(mib, 'hawatchClusterQuorate'), false).value).toBe(2);
    expect(() => encodeValue(mibObject(mib, 'hawatchNodeState'), 'sleepy')).toThrow(/not one of/);
    expect(encodeValue(mibObject(mib, 'hawatchResourceFailCount'), 5e12).value).toBe(0xffffffff);
    expect(encodeValue(mibObject(mib, 'hawatchClusterName'), 'x'.repeat(300)).value).toHaveLength(255);
  });
  it('fits long node lists into a DisplayString with a count of the rest', () => {
    const names = Array.from({ length: 100 }, (_, i) => `node${i}`);
    const s = fitList(names);
    expect(s.length).toBeLessThanOrEqual(255);
    const shown = s.split(',');
    expect(Number(shown.at(-1)?.slice(1)) + shown.length - 1).toBe(100);
    expect(fitList(['a', 'b'])).toBe('a,b');
  });
});

describe('view', () => {
  const { model } = fixtureModel();
  const view = buildView(mib, buildRows(model.snapshot(), '0.1.0'), SYSTEM, T0);
  const oid = (name: string, ...index: number[]) => [...mibObject(mib, name).oid, ...index];

  it('answers GET, noSuchInstance and noSuchObject', () => {
    expect(view.get(oid('hawatchClusterName', 2))).toEqual({ found: { oid: oid('hawatchClusterName', 2).join('.'), type: 4, value: Buffer.from('pcmk2') } });
    expect(view.get(oid('hawatchClusterName', 99))).toEqual({ missing: 'noSuchInstance' });
    expect(view.get(oid('hawatchClusterVotesQuorum', 1))).toEqual({ missing: 'noSuchInstance' });
    expect(view.get([1, 3, 6, 1, 4, 1, 99999, 1, 0])).toEqual({ missing: 'noSuchObject' });
    expect(view.problems).toEqual([]);
  });

  it('walks in OID order, skipping cells without an instance, and ends the MIB view', () => {
    expect(view.next(oid('hawatchClusterReportSource', 4))?.vb.oid).toBe(oid('hawatchNodeName', 1, 1).join('.'));
    expect(view.next(oid('hawatchClusterDcName', 4))?.vb.oid).toBe(oid('hawatchClusterDcCount', 1).join('.'));
    const last = answerGetNext(view, ['1.3.6.1.4.1.32473.9']).varbinds[0];
    expect(last?.type).toBe(130); // endOfMibView
    let steps = 0;
    for (let n = view.next([1, 3]); n; n = view.next(n.oid)) steps++;
    expect(steps).toBe(view.size);
  });

  it('answers GETBULK per RFC 3416 and keeps within the message size', () => {
    const col = (n: string) => oid(n).join('.');
    const a = answerGetBulk(view, ['1.3.6.1.2.1.1.3', col('hawatchNodeName'), col('hawatchNodeState')], 1, 3, 60_000);
    expect(a.varbinds.map((v) => v.oid)).toEqual([
      '1.3.6.1.2.1.1.3.0',
      col('hawatchNodeName') + '.1.1', col('hawatchNodeState') + '.1.1',
      col('hawatchNodeName') + '.1.2', col('hawatchNodeState') + '.1.2',
      col('hawatchNodeName') + '.1.3', col('hawatchNodeState') + '.1.3',
    ]);
    const small = answerGetBulk(view, [col('hawatchResourceName')], 0, 1000, 600);
    expect(small.varbinds.length).toBeGreaterThan(3);
    expect(small.varbinds.length).toBeLessThan(20);
    expect(answerGetBulk(view, [col('hawatchResourceName')], 1, 5, 10)).toMatchObject({ errorStatus: 1, varbinds: [] });
    // Past the end every repeater is endOfMibView once, not maxRepetitions times (npm-stack.md pitfall 13).
    expect(answerGetBulk(view, ['1.3.6.1.4.1.32473.9'], 0, 50, 60_000).varbinds).toHaveLength(1);
  });
});

describe('walk cache', () => {
  const clock = { now: 1_000_000 };
  let built = 0;
  const fake = (): SnmpView => {
    built++;
    return { takenAtMs: clock.now, size: 0, problems: [], get: () => ({ missing: 'noSuchObject' }), next: () => null };
  };
  const cache = new ViewCache(fake, () => clock.now, 2000, 10_000, 60_000);
  const next = (requestId: number, ...oids: string[]) => ({ requestId, oids, moves: true });

  it('keeps a walk on its view while it continues, and shares a fresh view between new walks', () => {
    const v1 = cache.viewFor('a', next(1, '1.3'));
    cache.answered('a', 1, ['1.3.6.1.2.1.1.1.0']);
    clock.now += 5000;
    expect(cache.viewFor('a', next(2, '1.3.6.1.2.1.1.1.0'))).toBe(v1); // continuation, though the view is 5 s old
    cache.answered('a', 2, ['1.3.6.1.2.1.1.2.0']);
    expect(cache.viewFor('a', next(2, '1.3.6.1.2.1.1.1.0'))).toBe(v1); // a retransmission
    const v2 = cache.viewFor('b', next(1, '1.3')); // a new walk: the 5 s old view is too old to share
    expect(v2).not.toBe(v1);
    clock.now += 1000;
    expect(cache.viewFor('c', next(1, '1.3'))).toBe(v2); // within 2 s: shared
    expect(built).toBe(2);
  });

  it('starts over when a walk pauses too long, asks for something else, or a poller repeats a GET', () => {
    const v = cache.viewFor('d', next(1, '1.3'));
    cache.answered('d', 1, ['1.3.6.1.2.1.1.1.0']);
    clock.now += 11_000;
    expect(cache.viewFor('d', next(2, '1.3.6.1.2.1.1.1.0'))).not.toBe(v); // paused past walkIdleMs
    const g = cache.viewFor('e', { requestId: 7, oids: ['1.3.6.1.2.1.1.3.0'], moves: false });
    cache.answered('e', 7, ['1.3.6.1.2.1.1.3.0']);
    clock.now += 5000;
    expect(cache.viewFor('e', { requestId: 8, oids: ['1.3.6.1.2.1.1.3.0'], moves: false })).not.toBe(g);
  });
});

describe('rows from vrrp, drbd and iscsi reports', () => {
  const timeline = splitTimeline();
  /** One cluster whose two nodes pushed these vrrp reports (and whatever else) at T0 - 1 s. */
  const facts = (reports: Record<string, Record<string, unknown>>) => {
    const m = new ClusterModel({ staleAfterIntervals: 3, now: () => T0 });
    for (const [node, r] of Object.entries(reports)) m.applyBatch(probeBatch('c', node, 1, T0 - 1000, r), T0 - 900);
    const c = m.snapshot().clusters[0];
    if (!c) throw new Error('no cluster');
    return clusterFacts(c, 1);
  };
  const split = () => ({ 'node-a': vrrpAt(timeline, 'node-a', DURING_SPLIT_MS), 'node-b': vrrpAt(timeline, 'node-b', DURING_SPLIT_MS) });

  it('VRRP: both MASTER during the split; after the heal one MASTER, one BACKUP without the VIP', () => {
    const during = facts(Object.fromEntries(Object.entries(split()).map(([n, r]) => [n, { vrrp: r }])));
    expect(vrrpRows(during).map((r) => [r.index.join('.'), r.hawatchVrrpState, r.hawatchVrrpHoldsVip, r.hawatchVrrpMasterCount])).toEqual([
      ['1.1.1', 'master', true, 2],
      ['1.2.1', 'master', true, 2],
    ]);
    const healed = facts({ 'node-a': { vrrp: vrrpAt(timeline, 'node-a', AFTER_HEAL_MS) }, 'node-b': { vrrp: vrrpAt(timeline, 'node-b', AFTER_HEAL_MS) } });
    expect(vrrpRows(healed).map((r) => [r.hawatchVrrpState, r.hawatchVrrpHoldsVip, r.hawatchVrrpMasterCount])).toEqual([
      ['master', true, 1],
      ['backup', false, 1],
    ]);
    expect(vipRows(healed)).toEqual([
      {
        index: [1, 1], hawatchVipAddressType: 'ipv4', hawatchVipAddress: '10.213.0.100', hawatchVipPrefixLength: 24, hawatchVipOwner: 'vrrp:51',
        hawatchVipHolderCount: 1, hawatchVipHolders: 'node-a', hawatchVipExpectedHolder: 'node-a',
      },
    ]);
  });

  it('VIP: two MASTERs with equal priority have no expected holder (VRRP would go by address, which no report has)', () => {
    const { 'node-a': a, 'node-b': b } = split();
    const samePriority: VrrpReport = { ...b, instances: b.instances.map((i) => ({ ...i, effectivePriority: a.instances[0]?.effectivePriority ?? null })) };
    const f = facts({ 'node-a': { vrrp: a }, 'node-b': { vrrp: samePriority } });
    expect(f.routers[0]?.masters).toEqual(['node-a', 'node-b']);
    expect(expectedHolder(f.routers[0]!)).toBeNull();
    expect(vipRows(f)[0]).toMatchObject({ hawatchVipHolderCount: 2, hawatchVipExpectedHolder: null });
  });

  it('addresses that are no IP literal get a type and no address cell', () => {
    expect(inetCells('192.0.2.1')).toEqual({ type: 'ipv4', address: '192.0.2.1' });
    expect(inetCells('2001:db8::1')).toEqual({ type: 'ipv6', address: '2001:db8::1' });
    expect(inetCells('fe80::1%eth0')).toEqual({ type: 'ipv6z', address: null });
    expect(inetCells('san.example')).toEqual({ type: 'dns', address: null });
    expect(inetCells(null)).toEqual({ type: 'unknown', address: null });
  });

  describe.skipIf(missingFixtures().length > 0)(`shared DRBD and iSCSI fixtures${missingFixtures().length > 0 ? ' (skipped: not found; set HAWATCH_SHARED_FIXTURES)' : ''}`, () => {
    it('DRBD: a volume without any connection still has a row, with an empty peer and unknown peer states', () => {
      const { drbd } = storageReports()['st-1'];
      const lonely = { ...drbd, resources: drbd.resources.map((r) => ({ ...r, connections: [] })) };
      expect(drbdRows(facts({ s: { drbd: lonely } })).map((r) => [r.hawatchDrbdResource, r.hawatchDrbdPeer, r.hawatchDrbdRole, r.hawatchDrbdConnectionState, r.hawatchDrbdOutOfSync])).toEqual([
        ['1-single-0', '', 'secondary', 'unknown', null],
        ['1-single-1', '', 'secondary', 'unknown', null],
      ]);
      expect(drbdRows(facts({ s: { drbd: { ...drbd, moduleLoaded: false, resources: [] } } }))).toEqual([]);
    });

    it('iSCSI: a configured target without a session on the node is an absent row', () => {
      const { iscsi } = storageReports()['st-2'];
      const records = [
        { target: 'iqn.2003-01.org.example:backup', address: '192.0.2.20', port: 3260, tpgt: 1, iface: 'default' },
        { target: 'iqn.2003-01.org.example:backup', address: '192.0.2.20', port: 3260, tpgt: 1, iface: 'iface1' },
        { target: 'iqn.1992-08.com.netapp:sn.33615311', address: '10.15.84.19', port: 3260, tpgt: 2, iface: 'default' },
      ];
      const rows = iscsiRows(facts({ s: { iscsi: { ...iscsi, nodes: records } } }));
      expect(rows.map((r) => [r.index.join('.'), r.hawatchIscsiTarget, r.hawatchIscsiPortalAddress, r.hawatchIscsiState, r.hawatchIscsiExpectedHere])).toEqual([
        ['1.1.1', 'iqn.1992-08.com.netapp:sn.33615311', '10.15.85.19', 'loggedIn', null],
        ['1.1.2', 'iqn.2003-01.org.example:backup', '192.0.2.20', 'absent', null],
      ]);
    });
  });
});

describe('alert rows', () => {
  it('firing alerts only, in the order they started firing, with object, since and evidence', () => {
    const a = firing(makeAlert({ fingerprint: 'b', firingAtMs: T0 + 5000 })).alert;
    const b = { ...firing(makeAlert({ fingerprint: 'a', rule: 'PacemakerQuorumLost', labels: { node: 'n3' }, firingAtMs: T0 + 1000, severity: 'critical' })).alert };
    const pending = { ...makeAlert({ fingerprint: 'p' }), status: 'pending' as const, firingAtMs: null };
    const rows = alertRows([a, pending, b]);
    expect(rows.map((r) => [r.index[0], r.hawatchAlertId, r.hawatchAlertRule, r.hawatchAlertObject, r.hawatchAlertSince.getTime()])).toEqual([
      [1, 'a', 'PacemakerQuorumLost', 'node/n3', T0 + 1000],
      [2, 'b', 'VrrpSplitBrain', 'vrrp/51', T0 + 5000],
    ]);
    expect(rows[1]?.hawatchAlertEvidence.split('\n')).toHaveLength(2);
    expect(buildRows(fixtureModel().model.snapshot(), '0.1.0', [a]).tables.hawatchAlertEntry).toHaveLength(1);
  });

  it('names the object an alert is about from its labels', () => {
    expect(alertObject({ cluster: 'c', labels: { vrid: '51', instance: 'VI_1', node: 'n1', address: '10.0.0.1' } })).toBe('vip/10.0.0.1');
    expect(alertObject({ cluster: 'c', labels: { resource: 'web', node: 'n1' } })).toBe('resource/web');
    expect(alertObject({ cluster: 'c', labels: { instance: 'VI_9' } })).toBe('vrrp/VI_9');
    expect(alertObject({ cluster: 'c', labels: { node: 'n1', probe: 'drbd' } })).toBe('node/n1');
    expect(alertObject({ cluster: 'c', labels: {} })).toBe('cluster/c');
  });
});
