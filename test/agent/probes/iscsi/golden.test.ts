// Golden cases: test/fixtures/probes/iscsi/<case>/ holds real open-iscsi 2.1.8 iscsiadm runs (stdout, stderr, exit
// code; see PROVENANCE.md). The probe is run against them (a fake Exec replays the captures, a fake sysfs reader
// serves sysfs.txt) and its outcome compared with expected.json, rewritten only when UPDATE_GOLDEN=1. The flat and
// -P 1 listings of the same sessions must agree with -P 3.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Value from 'typebox/value';
import { Observation } from '../../../../agent/protocol/index.js';
import { IscsiReport } from '../../../../agent/protocol/iscsi.js';
import { createIscsiProbe } from '../../../../agent/probes/iscsi/probe.js';
import { captured, ISCSI_CASES_DIR, replayExec, sysfsIo } from './replay.js';
import { parseIscsiadmSession, parseIscsiSysfs } from '../../../../agent/probes/iscsi/parse.js';

const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

const cases = readdirSync(ISCSI_CASES_DIR)
  .filter((d) => d !== 'lab' && statSync(join(ISCSI_CASES_DIR, d)).isDirectory())
  .sort();

const run = async (c: string) => {
  const dir = join(ISCSI_CASES_DIR, c);
  const probe = createIscsiProbe({}, sysfsIo(readFileSync(join(dir, 'sysfs.txt'), 'utf8')));
  return probe.run({ exec: replayExec(dir), timeoutMs: 10_000, node: 'n1', now: () => 0 });
};

describe('iscsi golden cases', () => {
  it('has the cases', () => {
    expect(cases).toEqual(['ipv6-and-free', 'multipath-one-path-failed', 'no-sessions-real-kernel', 'one-session-logged-in']);
  });

  for (const c of cases) {
    it(`${c}: probe outcome matches expected.json${UPDATE ? ' (updating)' : ''}`, async () => {
      const o = await run(c);
      expect(o.status).toBe('ok');
      expect(Value.Check(IscsiReport, o.report)).toBe(true);
      expect(Value.Check(Observation, { probe: 'iscsi', at: 0, durationMs: 1, status: o.status, report: o.report, samples: o.samples, states: o.states })).toBe(true);
      const file = join(ISCSI_CASES_DIR, c, 'expected.json');
      const actual = JSON.parse(JSON.stringify(o)) as unknown;
      if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });

    it(`${c}: flat, -P 1 and sysfs listings agree with -P 3`, () => {
      const dir = join(ISCSI_CASES_DIR, c);
      const read = (name: string) => {
        const r = captured(dir, name);
        if (r.kind !== 'exited') throw new Error('not a captured run');
        // no session: the message is on stderr, stdout is empty, exit 21
        const p = parseIscsiadmSession(r.code === 21 ? r.stderr : r.stdout);
        if (!p.ok) throw new Error(`${c}/${name}: ${p.error.code} ${p.error.message}`);
        return p.value.sessions;
      };
      const p3 = read('iscsiadm_-m_session_-P_3');
      const key = (s: { sid: number; target: string; address: string | null; port: number | null; tpgt: number | null }) => [s.sid, s.target, s.address, s.port, s.tpgt];
      expect(read('iscsiadm_-m_session').map(key)).toEqual(p3.map(key));
      const p1 = read('iscsiadm_-m_session_-P_1');
      expect(p1.map((s) => [...key(s), s.sessionState, s.iface])).toEqual(p3.map((s) => [...key(s), s.sessionState, s.iface]));
      const sys = parseIscsiSysfs(readFileSync(join(dir, 'sysfs.txt'), 'utf8'));
      expect(sys.ok && sys.value.sessions.map((s) => [s.sid, s.target, s.sessionState])).toEqual(p3.map((s) => [s.sid, s.target, s.sessionState]));
    });
  }

  it('multipath-one-path-failed: one path of disk1 FAILED with its disk blocked, disk3 configured without a session', async () => {
    const o = await run('multipath-one-path-failed');
    expect(o.states).toEqual([
      { kind: 'iscsi_session', id: 'iqn.2026-01.lab.ha:disk1@10.215.0.1:3260', state: 'LOGGED_IN', availability: 'up' },
      { kind: 'iscsi_session', id: 'iqn.2026-01.lab.ha:disk1@10.216.0.1:3260', state: 'FAILED/disks:blocked', availability: 'down' },
      { kind: 'iscsi_session', id: 'iqn.2026-01.lab.ha:disk2@10.215.0.1:3260', state: 'LOGGED_IN', availability: 'up' },
      { kind: 'iscsi_session', id: 'iqn.2026-01.lab.ha:disk3@10.215.0.9:3260', state: 'no-session', availability: 'down' },
    ]);
    const s1 = o.report!.sessions[0]!;
    expect(s1).toMatchObject({
      sid: 1, target: 'iqn.2026-01.lab.ha:disk1', address: '10.215.0.1', port: 3260, tpgt: 1, flash: false, sessionState: 'LOGGED_IN',
      // no iscsid ran during the capture: iscsiadm prints "Unknown" for its states
      connectionState: null, internalState: null, recoveryTimeoutSeconds: 120, hostNumber: 3, hostState: 'running',
      disks: [{ host: 3, channel: 0, id: 0, lun: 1, device: 'sdb', state: 'running' }],
      iface: { name: 'default', transport: 'tcp', initiatorName: 'iqn.1993-08.org.debian:01:hawatch', ipAddress: '10.215.0.2', hwAddress: null, netdev: null },
    });
    expect(o.report!.nodes).toHaveLength(4);
    expect(o.report!.nodes![0]).toEqual({ target: 'iqn.2026-01.lab.ha:disk1', address: '10.215.0.1', port: 3260, tpgt: null, iface: null });
    expect(o.samples).toContainEqual({ metric: 'hawatch_iscsi_node_session', labels: { target: 'iqn.2026-01.lab.ha:disk3', portal: '10.215.0.9:3260' }, value: 0 });
    expect(o.samples).toContainEqual({ metric: 'hawatch_iscsi_disk_running', labels: { target: 'iqn.2026-01.lab.ha:disk1', portal: '10.216.0.1:3260', iface: 'default', disk: 'sdc' }, value: 0 });
  });

  it('ipv6-and-free: IPv6 portal in brackets, FREE session without disks, FAILED with transport-offline disk', async () => {
    const o = await run('ipv6-and-free');
    expect(o.states.map((s) => [s.id, s.state, s.availability])).toEqual([
      ['iqn.2026-01.lab.ha:disk1@[fd00:215::1]:3260', 'LOGGED_IN', 'up'],
      ['iqn.2026-01.lab.ha:disk4@10.215.0.4:3260', 'FREE', 'down'],
      ['iqn.2026-01.lab.ha:disk5@10.215.0.5:3260', 'FAILED/disks:transport-offline', 'down'],
    ]);
    expect(o.report!.sessions[0]).toMatchObject({ address: 'fd00:215::1', iface: { ipAddress: '[fd00:215::2]' } });
    expect(o.report!.sessions[1]!.disks).toEqual([]);
    expect(o.report).toMatchObject({ iscsiadmVersion: '2.1.8', transportClassVersion: '2.0-870' });
  });

  it('no-sessions-real-kernel: exit 21 "No active sessions." / "No records found" are states', async () => {
    const o = await run('no-sessions-real-kernel');
    expect(o.report).toEqual({ sessionsSource: 'iscsiadm', iscsiadmVersion: null, transportClassVersion: null, sessions: [], nodes: [], problems: [] });
    expect(o.samples).toEqual([
      { metric: 'hawatch_iscsi_node_records', labels: {}, value: 0 },
      { metric: 'hawatch_iscsi_sessions', labels: {}, value: 0 },
    ]);
    expect(o.states).toEqual([]);
  });
});
