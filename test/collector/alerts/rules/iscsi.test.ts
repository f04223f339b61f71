// iSCSI rules on the iscsi probe's real reports (open-iscsi 2.1.8 iscsiadm runs of test/fixtures/probes/iscsi).
import { describe, expect, it } from 'vitest';
import { ISCSI_RULES, iscsiSessionNotLoggedIn } from '../../../../collector/alerts/rules/iscsi.js';
import type { Exec } from '../../../../agent/lib/exec.js';
import { iscsiCase, lines, run, snapshotOf, vary, type NodeProbe } from './snapshot.js';
import type { IscsiReport } from '../../../../agent/protocol/iscsi.js';

const on = (node: string, report: IscsiReport, stale = false): NodeProbe => ({ node, probe: 'iscsi', report, stale });
/** `iscsiadm -m node` fails (exit 6, as when /etc/iscsi is unreadable): the probe reports a problem, records unknown. */
const nodeRecordsFail = (inner: Exec): Exec => async (argv, o) =>
  argv.includes('node') ? { kind: 'exited', code: 6, stdout: '', stderr: 'iscsiadm: Could not read node records\n', durationMs: 1, truncated: false } : inner(argv, o);

const DISK1 = 'iqn.2026-01.lab.ha:disk1';

const cases: { name: string; nodes: () => Promise<NodeProbe[]>; expect: Partial<Record<string, string[]>> }[] = [
  { name: 'one session logged in, its record matched: nothing', nodes: async () => [on('n1', await iscsiCase('one-session-logged-in'))], expect: {} },
  {
    name: 'multipath with one path FAILED: a warning for that path; a record without a session (disk3)',
    nodes: async () => [on('n1', await iscsiCase('multipath-one-path-failed'))],
    expect: {
      IscsiSessionNotLoggedIn: [`warning {"node":"n1","portal":"10.216.0.1:3260","target":"${DISK1}"}`],
      IscsiSessionMissing: ['warning {"node":"n1","portal":"10.215.0.9:3260","target":"iqn.2026-01.lab.ha:disk3"}'],
    },
  },
  {
    name: 'the only session of a target FREE or FAILED: critical (ipv6-and-free)',
    nodes: async () => [on('n1', await iscsiCase('ipv6-and-free'))],
    expect: {
      IscsiSessionNotLoggedIn: [
        'critical {"node":"n1","portal":"10.215.0.4:3260","target":"iqn.2026-01.lab.ha:disk4"}',
        'critical {"node":"n1","portal":"10.215.0.5:3260","target":"iqn.2026-01.lab.ha:disk5"}',
      ],
    },
  },
  {
    name: 'the only path of a single-path target FAILED (one-session-logged-in varied)',
    nodes: async () => [on('n2', vary(await iscsiCase('one-session-logged-in'), (r) => { r.sessions[0]!.sessionState = 'FAILED'; }))],
    expect: { IscsiSessionNotLoggedIn: [`critical {"node":"n2","portal":"10.215.0.1:3260","target":"${DISK1}"}`] },
  },
  {
    name: 'the session gone (logged out) while its record stays',
    nodes: async () => [on('n1', vary(await iscsiCase('one-session-logged-in'), (r) => { r.sessions = []; }))],
    expect: { IscsiSessionMissing: [`warning {"node":"n1","portal":"10.215.0.1:3260","target":"${DISK1}"}`] },
  },
  {
    name: 'a stale node\'s failed session is unknown',
    nodes: async () => [on('n1', await iscsiCase('one-session-logged-in')), on('n2', await iscsiCase('ipv6-and-free'), true)],
    expect: {},
  },
  {
    name: 'node records unreadable: a problem (incomplete), and no guess about missing sessions',
    nodes: async () => [on('n1', await iscsiCase('multipath-one-path-failed', nodeRecordsFail))],
    expect: {
      IscsiSessionNotLoggedIn: [`warning {"node":"n1","portal":"10.216.0.1:3260","target":"${DISK1}"}`],
      IscsiReportIncomplete: ['warning {"node":"n1"}'],
    },
  },
  { name: 'no sessions and no records on a real kernel: nothing', nodes: async () => [on('n1', await iscsiCase('no-sessions-real-kernel'))], expect: {} },
];

describe('iSCSI rules on real iscsiadm reports', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const snap = snapshotOf(await c.nodes());
      for (const rule of ISCSI_RULES) expect(lines(run(rule, snap)), rule.name).toEqual(c.expect[rule.name] ?? []);
    });
  }

  it('the evidence quotes the session and its blocked disk', async () => {
    const [f] = run(iscsiSessionNotLoggedIn, snapshotOf([on('n1', await iscsiCase('multipath-one-path-failed'))]));
    expect(f!.evidence[0]!.says).toBe(`sid 2 ${DISK1} @ 10.216.0.1:3260: session FAILED; disks sdc blocked`);
    expect(f!.summary).toMatch(/another path is up/);
  });

  it('rules declare severity, for and a runbook', () => {
    expect(ISCSI_RULES.map((r) => [r.name, r.severity, r.forMs])).toEqual([
      ['IscsiSessionNotLoggedIn', 'critical', 15_000],
      ['IscsiSessionMissing', 'warning', 60_000],
      ['IscsiReportIncomplete', 'warning', 60_000],
    ]);
  });
});
