// The agent against Net-SNMP's real command-line tools, over a model filled with real crm_mon reports.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnmpAgent, type RunningSnmpAgent, type SnmpV3User } from '../../../collector/snmp/agent.js';
import type { PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import { freePort } from '../../helpers/processes.js';
import { batch, cell, fixtureModel, fixtureReport, logger, MIB_ARGS, MIB_DIR, missingTools, parseWalk, runTool, suiteTitle, T0 } from './helpers.js';

const COMMUNITY = 'hawatch-ro';
const USERS: SnmpV3User[] = [
  { name: 'nms', authProtocol: 'sha', authKey: 'nms-auth-pass', privProtocol: 'aes', privKey: 'nms-priv-pass' },
  { name: 'nms256', authProtocol: 'sha256', authKey: 'nms256-auth-pass', privProtocol: 'aes', privKey: 'nms256-priv-pass' },
];
const TOOLS = ['snmpwalk', 'snmpbulkwalk', 'snmpget', 'snmptable', 'snmpset'];
const missing = missingTools(TOOLS);
const title = (what: string) => suiteTitle(what, missing);

const v2 = (community = COMMUNITY) => ['-v2c', '-c', community, '-t', '2', '-r', '1', ...MIB_ARGS];
const v3 = (u: SnmpV3User, over: { authKey?: string; privKey?: string; name?: string } = {}) => [
  '-v3', '-l', 'authPriv', '-u', over.name ?? u.name, '-a', u.authProtocol === 'sha' ? 'SHA' : 'SHA-256', '-A', over.authKey ?? u.authKey,
  '-x', 'AES', '-X', over.privKey ?? u.privKey, '-t', '1', '-r', '0', ...MIB_ARGS,
];

describe.skipIf(missing.length > 0)(title('SNMP agent with Net-SNMP tools'), () => {
  const { model } = fixtureModel();
  let agent: RunningSnmpAgent;
  let target = '';

  beforeAll(async () => {
    const port = await freePort();
    agent = await startSnmpAgent({
      model,
      listen: { host: '127.0.0.1', port },
      communities: [COMMUNITY],
      v3Users: USERS,
      logger,
      mibDir: MIB_DIR,
      collectorVersion: '0.1.0-test',
      system: { name: 'collector-1', location: 'lab rack 3' },
    });
    target = `127.0.0.1:${agent.port}`;
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('snmpwalk v2c: the cluster table by name, with states from the MIB', async () => {
    const r = await runTool('snmpwalk', [...v2(), target, 'hawatchClusterTable']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('HAWATCH-MIB::hawatchClusterName.1 = STRING: lab');
    const w = parseWalk(r.stdout);
    expect([...(w.get('hawatchClusterName')?.values() ?? [])]).toEqual(['lab', 'pcmk2', 'quorumlost', 'sim2']);
    expect([...(w.get('hawatchClusterState')?.values() ?? [])]).toEqual(['quorate(1)', 'partitioned(5)', 'noQuorum(2)', 'quorate(1)']);
    expect(cell(w, 'hawatchClusterQuorate', '3')).toBe('false(2)');
    expect(cell(w, 'hawatchClusterDcName', '1')).toBe('node1');
    expect(cell(w, 'hawatchClusterNodesOnline', '1')).toBe('3');
    expect(cell(w, 'hawatchClusterQuorateDcCount', '2')).toBe('2');
    expect(cell(w, 'hawatchClusterResourceCount', '4')).toBe('7');
    expect(w.has('hawatchClusterVotesQuorum')).toBe(false); // no Corosync view yet: no instances
  });

  it('snmpbulkwalk: every resource row, ending cleanly at the end of the MIB', async () => {
    const r = await runTool('snmpbulkwalk', [...v2(), '-Cr25', target, 'hawatchMIB']);
    expect(r.code, r.stderr).toBe(0);
    // Our subtree is the last one this agent serves, so the walk ends on one endOfMibView, which snmpbulkwalk
    // prints once; npm net-snmp's own agent repeats it for every remaining repetition (npm-stack.md pitfall 13).
    expect(r.stdout.match(/No more variables left/g) ?? []).toHaveLength(1);
    const w = parseWalk(r.stdout);
    expect(w.get('hawatchResourceName')?.size).toBe(12 + 1 + 12 + 7);
    expect(cell(w, 'hawatchResourceName', '4.7')).toBe('apache_web');
    expect(cell(w, 'hawatchResourceFailed', '4.7')).toBe('true(1)');
    expect(cell(w, 'hawatchResourceBlocked', '4.7')).toBe('true(1)');
    expect(cell(w, 'hawatchResourceManaged', '4.7')).toBe('false(2)');
    expect(cell(w, 'hawatchResourceFailCount', '4.7')).toBe('2');
    expect(cell(w, 'hawatchResourceRole', '1.4')).toBe('promoted(3)');
    expect(cell(w, 'hawatchResourceNodes', '1.4')).toBe('node2');
    expect(cell(w, 'hawatchSnapshotTime', '0')).toBe('2026-11-23,18:6:0.0,+0:0');
    // Tables without data are registered but empty.
    for (const c of ['hawatchVrrpState', 'hawatchVipAddress', 'hawatchDrbdRole', 'hawatchIscsiState', 'hawatchAvailUptime', 'hawatchAlertSeverity']) expect(w.has(c), c).toBe(false);
  });

  it('snmpget: single instances, the system group and a missing instance', async () => {
    const r = await runTool('snmpget', [...v2(), target, 'sysObjectID.0', 'sysDescr.0', 'sysName.0', 'sysLocation.0', 'hawatchNodeState.2.1', 'hawatchNodeAgentState.3.2', 'hawatchClusterVotesQuorum.1', 'hawatchClusterCount.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SNMPv2-MIB::sysObjectID.0 = OID: HAWATCH-MIB::hawatchCollectorAgent');
    expect(r.stdout).toContain('SNMPv2-MIB::sysDescr.0 = STRING: hawatch collector 0.1.0-test');
    expect(r.stdout).toContain('SNMPv2-MIB::sysName.0 = STRING: collector-1');
    expect(r.stdout).toContain('SNMPv2-MIB::sysLocation.0 = STRING: lab rack 3');
    expect(r.stdout).toContain('HAWATCH-MIB::hawatchNodeState.2.1 = INTEGER: offline(6)');
    expect(r.stdout).toContain('HAWATCH-MIB::hawatchNodeAgentState.3.2 = INTEGER: stale(2)');
    expect(r.stdout).toContain('HAWATCH-MIB::hawatchClusterVotesQuorum.1 = No Such Instance currently exists at this OID');
    expect(r.stdout).toContain('HAWATCH-MIB::hawatchClusterCount.0 = Gauge32: 4');
  });

  it('snmptable -Ci: the node table with names, states and unknown cells', async () => {
    const r = await runTool('snmptable', [...v2(), '-Ci', '-Cf', '|', target, 'hawatchNodeTable']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('|'));
    const header = lines[0]?.split('|') ?? [];
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split('|').map((v, i) => [header[i] ?? i, v])));
    expect(header.slice(0, 3)).toEqual(['index', 'hawatchNodeName', 'hawatchNodeState']);
    expect(rows.map((x) => `${x['index']} ${x['hawatchNodeName']} ${x['hawatchNodeState']} ${x['hawatchNodeAgentState']}`)).toEqual([
      '1.1 node1 online up', '1.2 node2 online up', '1.3 node3 online up',
      '2.1 n1 offline up', '2.2 n2 offline up',
      '3.1 node1 online up', '3.2 node2 unclean stale', '3.3 node3 offline up',
      '4.1 node1 online up', '4.2 node2 online up',
    ]);
    expect(rows[0]?.['hawatchNodeIsDc']).toBe('true');
    expect(rows[3]?.['hawatchNodeStateAgreeing']).toBe('1');
    expect(rows[0]?.['hawatchNodeLinksUp']).toBe('?'); // no instance
  });

  it('snmpwalk v3 authPriv (SHA + AES, and SHA-256 + AES) returns the same values', async () => {
    for (const u of USERS) {
      const r = await runTool('snmpwalk', [...v3(u), target, 'hawatchClusterName']);
      expect(r.code, `${u.name}: ${r.stderr}`).toBe(0);
      expect([...(parseWalk(r.stdout).get('hawatchClusterName')?.values() ?? [])]).toEqual(['lab', 'pcmk2', 'quorumlost', 'sim2']);
    }
    const t = await runTool('snmptable', [...v3(USERS[0] as SnmpV3User), '-Ci', target, 'hawatchClusterTable']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/pcmk2 +partitioned/);
  });

  it('gives nothing to a wrong community, a wrong key or an unknown user', async () => {
    const u = USERS[0] as SnmpV3User;
    const attempts = [
      runTool('snmpwalk', [...v2('public'), '-t', '0.5', '-r', '0', target, 'hawatchClusterName']),
      runTool('snmpwalk', [...v3(u, { authKey: 'wrong-auth-pass' }), target, 'hawatchClusterName']),
      runTool('snmpwalk', [...v3(u, { privKey: 'wrong-priv-pass' }), target, 'hawatchClusterName']),
      runTool('snmpwalk', [...v3(u, { name: 'intruder' }), target, 'hawatchClusterName']),
    ];
    const results = await Promise.all(attempts);
    for (const r of results) {
      expect(r.stdout).not.toContain('lab');
      expect(r.code).not.toBe(0);
    }
    expect(results[0]?.stderr).toMatch(/Timeout/);
    expect(results[1]?.stderr).toMatch(/Timeout|Authentication failure/);
    expect(results[3]?.stderr).toMatch(/Unknown user name/);
  });

  it('is read-only: snmpset gets notWritable', async () => {
    const r = await runTool('snmpset', [...v2(), target, 'hawatchClusterName.1', 's', 'renamed']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/notWritable/);
    const g = await runTool('snmpget', [...v2(), target, 'hawatchClusterName.1']);
    expect(g.stdout).toContain('STRING: lab');
  });
});

describe.skipIf(missing.length > 0)(title('one snapshot per walk'), () => {
  it('a walk that runs while the model changes shows the state it started on; the next walk shows the change', async () => {
    const { model, clock } = fixtureModel();
    const standby = fixtureReport('live-01-healthy') as PacemakerRunning;
    const changed: PacemakerRunning = { ...standby, nodes: standby.nodes.map((n) => (n.name === 'node2' ? { ...n, standby: true } : n)) };
    let snapshots = 0;
    const watched = {
      snapshot: () => {
        const s = model.snapshot();
        snapshots++;
        if (snapshots === 1) {
          // Right after the walk's first answer: every node now reports node2 in standby.
          setImmediate(() => {
            clock.now += 1000;
            for (const n of ['node1', 'node2', 'node3']) model.applyBatch(batch('lab', n, 2, clock.now, changed), clock.now);
          });
        }
        return s;
      },
    };
    const port = await freePort();
    const agent = await startSnmpAgent({
      model: watched, listen: { host: '127.0.0.1', port }, communities: [COMMUNITY], v3Users: [], logger, mibDir: MIB_DIR,
      now: () => clock.now, viewReuseMs: 0,
    });
    try {
      // -Cr1: one varbind per round trip, so the walk spans the update.
      const first = await runTool('snmpbulkwalk', [...v2(), '-Cr1', `127.0.0.1:${port}`, 'hawatchMIB']);
      expect(first.code, first.stderr).toBe(0);
      expect(snapshots).toBe(1);
      const w1 = parseWalk(first.stdout);
      expect(w1.get('hawatchNodeName')?.size).toBe(10);
      expect(cell(w1, 'hawatchNodeState', '1.2')).toBe('online(1)');
      expect(cell(w1, 'hawatchClusterNodesOnline', '1')).toBe('3');
      expect(cell(w1, 'hawatchSnapshotTime', '0')).toBe('2026-11-23,18:6:0.0,+0:0');
      // The model did change during the walk:
      expect(model.snapshot().clusters[0]?.nodes[1]?.agent.lastSeenMs).toBe(T0 + 1000);

      const second = await runTool('snmpwalk', [...v2(), `127.0.0.1:${port}`, 'hawatchNodeState']);
      expect(snapshots).toBe(2);
      expect(cell(parseWalk(second.stdout), 'hawatchNodeState', '1.2')).toBe('standby(2)');
    } finally {
      await agent.close();
    }
  });
});

describe('start-up fails fast', () => {
  const base = { model: fixtureModel().model, communities: [COMMUNITY], v3Users: [], logger, mibDir: MIB_DIR };

  it('on bad options', async () => {
    await expect(startSnmpAgent({ ...base, listen: { host: '127.0.0.1', port: 0 } })).rejects.toMatchObject({ code: 'snmp.config' });
    await expect(startSnmpAgent({ ...base, communities: [], listen: { host: '127.0.0.1', port: 1161 } })).rejects.toThrow(/answers nobody/);
    await expect(
      startSnmpAgent({ ...base, v3Users: [{ name: 'u', authProtocol: 'sha', authKey: 'short', privProtocol: 'aes', privKey: 'long-enough' }], listen: { host: '127.0.0.1', port: 1161 } }),
    ).rejects.toThrow(/at least 8 characters/);
  });

  it('on a missing MIB', async () => {
    await expect(startSnmpAgent({ ...base, mibDir: '/nonexistent', listen: { host: '127.0.0.1', port: 1161 } })).rejects.toMatchObject({ code: 'snmp.mib' });
  });

  it('on a port that is taken', async () => {
    const port = await freePort();
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(port, '127.0.0.1', resolve));
    try {
      await expect(startSnmpAgent({ ...base, listen: { host: '127.0.0.1', port } })).rejects.toMatchObject({ code: 'snmp.listen' });
    } finally {
      taken.close();
    }
  });
});
