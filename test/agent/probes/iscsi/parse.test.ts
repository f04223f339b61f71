// iscsi parsers on edge cases: empty, garbage, truncated; portals; several sessions to one portal; node -P 1.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPortal, ISCSI_PARSE_ERRORS, iscsiSysfsSessions, parseIscsiadmNode, parseIscsiadmSession, parseIscsiSysfs, parsePortal } from '../../../../agent/probes/iscsi/parse.js';
import { ISCSI_PARSE_SOURCES } from '../../../../agent/probes/iscsi/index.js';
import { ISCSI_CASES_DIR } from './replay.js';

const P3 = readFileSync(join(ISCSI_CASES_DIR, 'multipath-one-path-failed', 'iscsiadm_-m_session_-P_3.stdout'), 'utf8');
const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

describe('portals', () => {
  it('IPv4, IPv6 in brackets, host names, unset tpgt (-1 and the 4294967295 of `iscsiadm -m node`)', () => {
    expect(parsePortal('10.0.0.1:3260,1')).toEqual({ address: '10.0.0.1', port: 3260, tpgt: 1 });
    expect(parsePortal('[fd00::1]:3260,4294967295')).toEqual({ address: 'fd00::1', port: 3260, tpgt: null });
    expect(parsePortal('san.example.com:3260,-1')).toEqual({ address: 'san.example.com', port: 3260, tpgt: null });
    expect(parsePortal('10.0.0.1:3260')).toEqual({ address: '10.0.0.1', port: 3260, tpgt: null });
    expect(parsePortal('10.0.0.1:99999,1')).toBeNull();
    expect(parsePortal('nonsense')).toBeNull();
    expect(formatPortal('fd00::1', 3260)).toBe('[fd00::1]:3260');
    expect(formatPortal(null, null)).toBe('-');
  });
});

describe('parseIscsiadmSession', () => {
  it('empty, garbage, truncated → typed errors; never throws', () => {
    expect(code(parseIscsiadmSession(''))).toBe(ISCSI_PARSE_ERRORS.empty);
    expect(code(parseIscsiadmSession('Cluster Summary:\n  * Stack: corosync\n'))).toBe(ISCSI_PARSE_ERRORS.unknownFormat);
    expect(code(parseIscsiadmSession('hello world\n'))).toBe(ISCSI_PARSE_ERRORS.badLine);
    expect(code(parseIscsiadmSession('tcp: [1] 10.0.0.1:3260,1 iqn.x (non-flash)\nsomething else\n'))).toBe(ISCSI_PARSE_ERRORS.badLine);
    expect(code(parseIscsiadmSession('tcp: [1] 10.0.0.1:99999,1 iqn.x (non-flash)\n'))).toBe(ISCSI_PARSE_ERRORS.badValue);
    // cut before the first SID
    const cut = P3.slice(0, P3.indexOf('SID:'));
    expect(code(parseIscsiadmSession(cut))).toBe(ISCSI_PARSE_ERRORS.truncated);
    expect(code(parseIscsiadmSession('Target: iqn.x (non-flash)\n\tCurrent Portal: 10.0.0.1:3260,1\n'))).toBe(ISCSI_PARSE_ERRORS.truncated);
    // cut inside a later session: the sessions read so far and the last one without its details
    const mid = parseIscsiadmSession(P3.slice(0, P3.lastIndexOf('SID:') + 8));
    expect(mid.ok && mid.value.sessions.map((s) => s.sid)).toEqual([1, 2, 3]);
    expect(code(parseIscsiadmSession('Target: iqn.x\n\t\tSID: x\n'))).toBe(ISCSI_PARSE_ERRORS.badValue);
  });

  it('two sessions to one portal: iscsiadm prints an empty line instead of the portals for the second', () => {
    const t = [
      'Target: iqn.2026-01.lab.ha:disk1 (non-flash)',
      '\tCurrent Portal: 10.215.0.1:3260,1',
      '\tPersistent Portal: 10.215.0.1:3260,1',
      '\t\tIface Name: eth1', '\t\tSID: 1', '\t\tiSCSI Session State: LOGGED_IN',
      '',
      '\t\tIface Name: eth2', '\t\tSID: 2', '\t\tiSCSI Session State: FAILED',
    ].join('\n');
    const r = parseIscsiadmSession(t);
    if (!r.ok) throw r.error;
    expect(r.value.sessions.map((s) => [s.sid, s.address, s.port, s.iface?.name, s.sessionState])).toEqual([
      [1, '10.215.0.1', 3260, 'eth1', 'LOGGED_IN'],
      [2, '10.215.0.1', 3260, 'eth2', 'FAILED'],
    ]);
  });
});

describe('parseIscsiadmNode', () => {
  it('flat and -P 1 forms; "No records found"; garbage', () => {
    expect(parseIscsiadmNode('[fd00::1]:3260,4294967295 iqn.a\n10.0.0.1:3260,1 iqn.b\n')).toEqual({
      ok: true,
      value: [
        { target: 'iqn.a', address: 'fd00::1', port: 3260, tpgt: null, iface: null },
        { target: 'iqn.b', address: '10.0.0.1', port: 3260, tpgt: 1, iface: null },
      ],
    });
    const tree = 'Target: iqn.a\n\tPortal: 10.215.0.1:3260,-1\n\t\tIface Name: default\n\tPortal: [fd00::1]:3260,-1\n\t\tIface Name: iface0\n';
    expect(parseIscsiadmNode(tree)).toEqual({
      ok: true,
      value: [
        { target: 'iqn.a', address: '10.215.0.1', port: 3260, tpgt: null, iface: 'default' },
        { target: 'iqn.a', address: 'fd00::1', port: 3260, tpgt: null, iface: 'iface0' },
      ],
    });
    expect(parseIscsiadmNode('iscsiadm: No records found\n')).toEqual({ ok: true, value: [] });
    expect(code(parseIscsiadmNode(''))).toBe(ISCSI_PARSE_ERRORS.empty);
    expect(code(parseIscsiadmNode('garbage\n'))).toBe(ISCSI_PARSE_ERRORS.unknownFormat);
    expect(code(parseIscsiadmNode('10.0.0.1:3260,1 iqn.b\ngarbage\n'))).toBe(ISCSI_PARSE_ERRORS.badLine);
  });
});

describe('sysfs', () => {
  it('entries: a session whose files vanished is left out; bad directory names rejected', () => {
    expect(iscsiSysfsSessions([{ name: 'session3', targetname: 'iqn.a\n', state: 'FAILED\n' }, { name: 'session4', targetname: null, state: null }])).toMatchObject({
      ok: true, value: [{ sid: 3, target: 'iqn.a', sessionState: 'FAILED', address: null, disks: null }],
    });
    expect(code(iscsiSysfsSessions([{ name: 'connection1:0', targetname: 'x', state: 'y' }]))).toBe(ISCSI_PARSE_ERRORS.badValue);
  });

  it('grep -H text: empty = no sessions; garbage rejected', () => {
    expect(parseIscsiSysfs('')).toMatchObject({ ok: true, value: { sessionsSource: 'sysfs', sessions: [] } });
    expect(code(parseIscsiSysfs('grep: /sys/class/iscsi_session/session*/targetname: No such file or directory\n'))).toBe(ISCSI_PARSE_ERRORS.unknownFormat);
  });
});

describe('ISCSI_PARSE_SOURCES', () => {
  it('three sources whose parsers never throw', () => {
    expect(Object.keys(ISCSI_PARSE_SOURCES).sort()).toEqual(['iscsi-sysfs', 'iscsiadm-node', 'iscsiadm-session']);
    for (const s of Object.values(ISCSI_PARSE_SOURCES)) for (const t of ['', '\u0000', 'Target:', 'SID: 1', P3.slice(0, 333)]) expect(() => s.parse(t)).not.toThrow();
  });
});
