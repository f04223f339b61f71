// The VRRP, VIP, DRBD, iSCSI and alert tables filled from real reports and walked with Net-SNMP's real tools:
// keepalived's recorded split brain (vrrp-split-brain-port) replayed through the real vrrp probe, store, model
// and alert engine up to a moment inside the split, and the shared DRBD / iSCSI fixtures through the real parsers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnmpAgent, type RunningSnmpAgent } from '../../../collector/snmp/agent.js';
import { RULES } from '../../../collector/alerts/rules/index.js';
import type { Probe } from '../../../agent/probes/types.js';
import { vrrpSamples, vrrpStates } from '../../../agent/probes/vrrp/index.js';
import type { Timeline } from '../../../demo/timeline.js';
import { freePort } from '../../helpers/processes.js';
import { replayScenario, type ReplayResult } from '../../helpers/replay.js';
import { cell, logger, MIB_ARGS, MIB_DIR, missingTools, parseWalk, runTool, skipMessage } from './helpers.js';
import { DURING_SPLIT_MS, missingFixtures, probeBatch, SHARED, SPLIT_SCENARIO, storageReports, vrrpAt } from './reports.js';

const COMMUNITY = 'hawatch-tables';
const missing = missingTools(['snmpwalk', 'snmptable', 'snmpget']);
const absentFixtures = missingFixtures();
const v2 = ['-v2c', '-c', COMMUNITY, '-t', '2', '-r', '1', ...MIB_ARGS];

/** The vrrp probe on replayed recordings: the node's report at the replay's scenario time. */
const recordedVrrp = (timeline: Timeline, node: string, now: () => number): Probe[] => [
  {
    name: 'vrrp',
    run: async () => {
      const report = vrrpAt(timeline, node, now());
      return { status: 'ok', report, samples: vrrpSamples(report), states: vrrpStates(report) };
    },
  },
];

/** snmptable -Ci -Cf '|' → one record per row, keyed by column name (and `index`). */
const table = async (target: string, name: string): Promise<Record<string, string>[]> => {
  const r = await runTool('snmptable', [...v2, '-Ci', '-Cf', '|', target, name]);
  if (r.code !== 0) throw new Error(`snmptable ${name}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.includes('|'));
  const header = lines[0]?.split('|') ?? [];
  return lines.slice(1).map((l) => Object.fromEntries(l.split('|').map((v, i) => [header[i] ?? String(i), v])));
};

describe.skipIf(missing.length > 0)(`SNMP tables from real reports${missing.length > 0 ? ` (${skipMessage(missing)})` : ''}`, () => {
  let replay: ReplayResult;
  let agent: RunningSnmpAgent;
  let target = '';

  beforeAll(async () => {
    // The real vrrp probe path, store and model, and the real rules, on the recorded keepalived split brain.
    replay = await replayScenario(SPLIT_SCENARIO, { probes: recordedVrrp, rules: RULES, cluster: 'vrrplab', probeEveryMs: 500, stepMs: 100, untilMs: DURING_SPLIT_MS });
    if (absentFixtures.length === 0) {
      const at = replay.model.snapshot().takenAtMs;
      const reports = storageReports();
      for (const [node, r] of Object.entries(reports)) replay.model.applyBatch(probeBatch('storage', node, 1, at - 1000, { drbd: r.drbd, iscsi: r.iscsi }), at - 900);
    }
    const port = await freePort();
    agent = await startSnmpAgent({
      model: replay.model, alerts: () => replay.engine.openAlerts(), listen: { host: '127.0.0.1', port }, communities: [COMMUNITY], v3Users: [], logger, mibDir: MIB_DIR,
    });
    target = `127.0.0.1:${agent.port}`;
  }, 60_000);
  afterAll(async () => {
    await agent?.close();
    replay?.cleanup();
  });

  const vrrplab = () => (absentFixtures.length === 0 ? '2' : '1'); // clusters in name order: storage, vrrplab

  it('hawatchVrrpTable: both nodes MASTER for VRID 51 during the split, each holding the VIP', async () => {
    const rows = await table(target, 'hawatchVrrpTable');
    const c = vrrplab();
    expect(rows.map((r) => [r['index'], r['hawatchVrrpInstanceName'], r['hawatchVrrpVrid'], r['hawatchVrrpState'], r['hawatchVrrpHoldsVip'], r['hawatchVrrpMasterCount']])).toEqual([
      [`${c}.1.1`, 'VI_1', '51', 'master', 'true', '2'],
      [`${c}.2.1`, 'VI_1', '51', 'master', 'true', '2'],
    ]);
    expect(rows.map((r) => r['hawatchVrrpInterface'])).toEqual(['eth0', 'eth0']);
    // Configured priorities from the recording: node-a 150, node-b 100.
    expect(rows.map((r) => r['hawatchVrrpPriority'])).toEqual(['150', '100']);
    const nodes = parseWalk((await runTool('snmpwalk', [...v2, target, 'hawatchNodeName'])).stdout);
    expect(cell(nodes, 'hawatchNodeName', `${c}.1`)).toBe('node-a');
    expect(cell(nodes, 'hawatchNodeName', `${c}.2`)).toBe('node-b');
  });

  it('hawatchVipTable: the VIP on two nodes, the expected holder the MASTER VRRP elects', async () => {
    const r = await runTool('snmpwalk', [...v2, target, 'hawatchVipTable']);
    expect(r.code, r.stderr).toBe(0);
    const w = parseWalk(r.stdout);
    const i = `${vrrplab()}.1`;
    expect(cell(w, 'hawatchVipAddressType', i)).toBe('ipv4(1)');
    // HaInetAddress DISPLAY-HINT "1x:": 10.213.0.100 as hex octets
    expect(cell(w, 'hawatchVipAddress', i)?.toLowerCase()).toBe('a:d5:0:64');
    expect(cell(w, 'hawatchVipPrefixLength', i)).toBe('24');
    expect(cell(w, 'hawatchVipOwner', i)).toBe('vrrp:51');
    expect(cell(w, 'hawatchVipHolderCount', i)).toBe('2');
    expect(cell(w, 'hawatchVipHolders', i)).toBe('node-a,node-b');
    expect(cell(w, 'hawatchVipExpectedHolder', i)).toBe('node-a');
    expect(w.get('hawatchVipOwner')?.size).toBe(1);
  });

  it('hawatchAlertTable: the firing VRRP split-brain alert with rule, severity, summary and since', async () => {
    const rows = await table(target, 'hawatchAlertTable');
    const sb = rows.find((r) => r['hawatchAlertRule'] === 'VrrpSplitBrain');
    expect(sb, JSON.stringify(rows)).toBeDefined();
    expect(sb).toMatchObject({ hawatchAlertCluster: 'vrrplab', hawatchAlertSeverity: 'critical', hawatchAlertObject: 'vrrp/51' });
    expect(sb?.['hawatchAlertSummary']).toBe('VRRP split brain on vrid 51: 2 nodes are MASTER (node-a, node-b); 10.213.0.100 is on node-a and node-b');
    const open = replay.engine.openAlerts().find((a) => a.rule === 'VrrpSplitBrain');
    expect(sb?.['hawatchAlertId']).toBe(open?.fingerprint);
    // Fired 2 s (the rule's `for`) after the second MASTER: in the recording's wall clock, 2026-11-23.
    expect(sb?.['hawatchAlertSince']).toMatch(/^2026-11-23,\d+:\d+:\d+\.\d,\+0:0$/);
    const g = await runTool('snmpget', [...v2, target, `hawatchAlertEvidence.${sb?.['index']}`]);
    expect(g.stdout).toMatch(/node-a vrrp: VI_1 MASTER; 10\.213\.0\.100 present/);
    expect(g.stdout).toMatch(/node-b vrrp: VI_1 MASTER; 10\.213\.0\.100 present/);
  });

  describe.skipIf(absentFixtures.length > 0)(`DRBD and iSCSI from the shared fixtures${absentFixtures.length > 0 ? ` (skipped: ${absentFixtures.join(', ')} not found; set HAWATCH_SHARED_FIXTURES, now ${SHARED})` : ''}`, () => {
    it('hawatchDrbdTable: one row per volume per peer, with roles, states, out-of-sync KiB and resync progress', async () => {
      const rows = await table(target, 'hawatchDrbdTable');
      const pick = (r: Record<string, string>) =>
        [r['index'], r['hawatchDrbdResource'], r['hawatchDrbdVolume'], r['hawatchDrbdMinor'], r['hawatchDrbdPeer'], r['hawatchDrbdRole'], r['hawatchDrbdPeerRole'],
          r['hawatchDrbdDiskState'], r['hawatchDrbdPeerDiskState'], r['hawatchDrbdConnectionState'], r['hawatchDrbdReplicationState'], r['hawatchDrbdOutOfSync'], r['hawatchDrbdSyncDone']].join(' ');
      expect(rows.map(pick)).toEqual([
        // st-1: drbdsetup status --json
        '1.1.1 1-single-0 0 2 SLE15-sp1-gm-drbd1145296-node1 secondary primary upToDate upToDate connected established 0 KiB ?',
        '1.1.2 1-single-1 0 3 SLE15-sp1-gm-drbd1145296-node1 secondary primary upToDate upToDate connected established 0 KiB ?',
        // st-2: /proc/drbd 8.4 (oos in KiB as DRBD printed it; a resync at 68.5 %)
        '1.2.1 drbd0 0 0 peer primary unknown upToDate unknown standAlone off 1048320 KiB ?',
        '1.2.2 drbd5 0 5 peer secondary secondary upToDate inconsistent connected syncSource 335744 KiB 68.500',
      ]);
    });

    it('hawatchIscsiTable: sessions per node with target, portal and state', async () => {
      const r = await runTool('snmpwalk', [...v2, target, 'hawatchIscsiTable']);
      expect(r.code, r.stderr).toBe(0);
      const w = parseWalk(r.stdout);
      expect([...(w.get('hawatchIscsiTarget')?.entries() ?? [])]).toEqual([
        ['1.1.1', 'iqn.1992-08.com.netapp:sn.33615311'],
        ['1.1.2', 'iqn.1992-08.com.netapp:sn.33615311'],
        ['1.2.1', 'iqn.1992-08.com.netapp:sn.33615311'],
      ]);
      // The flat listing has no state: unknown; the -P 1 block says LOGGED IN.
      expect([...(w.get('hawatchIscsiState')?.values() ?? [])]).toEqual(['unknown(0)', 'unknown(0)', 'loggedIn(1)']);
      expect([...(w.get('hawatchIscsiPortalAddress')?.values() ?? [])].map((v) => v.toLowerCase())).toEqual(['a:f:54:13', 'a:f:55:13', 'a:f:55:13']);
      expect([...(w.get('hawatchIscsiPortalPort')?.values() ?? [])]).toEqual(['3260', '3260', '3260']);
      expect(cell(w, 'hawatchIscsiPortalAddressType', '1.2.1')).toBe('ipv4(1)');
      expect(w.has('hawatchIscsiExpectedHere')).toBe(false); // no report says which resource uses a target
    });
  });
});
