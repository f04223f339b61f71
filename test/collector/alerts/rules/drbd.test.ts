// DRBD rules on real drbd outputs (/proc/drbd of DRBD 8.x, drbd-utils 9 events2 expectations), parsed by the
// project's parsers, placed on one or two nodes, and varied by editing the real text before it is parsed.
import { afterEach, describe, expect, it } from 'vitest';
import {
  drbdDisconnected, drbdDiskDegraded, drbdOutOfSync, drbdSplitBrain, drbdStandAlone, DRBD_RULES,
} from '../../../../collector/alerts/rules/drbd.js';
import type { Rule } from '../../../../collector/alerts/rules/types.js';
import { drbdEvents2, drbdProc, drbdStatusJson, HAVE_SHARED, History, lines, NOW, run, snapshotOf, vary, type NodeProbe } from './snapshot.js';
import type { DrbdReport } from '../../../../agent/protocol/drbd.js';

const only = (r: DrbdReport, ...names: string[]): DrbdReport => vary(r, (x) => { x.resources = x.resources.filter((res) => names.includes(res.name)); });
const on = (node: string, report: DrbdReport, stale = false): NodeProbe => ({ node, probe: 'drbd', report, stale });
const p84 = () => drbdProc('ganeti__proc_drbd84.txt');
/** ganeti's /proc/drbd of DRBD 8.4.2 with minor 0's state taken from the same file's minor 4 (Primary, WFConnection). */
const p84Minor0Disconnected = (): DrbdReport =>
  only(drbdProc('ganeti__proc_drbd84.txt', (t) => t.replace(' 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate', ' 0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown')), 'drbd0');
/** The all-create-helper expectation with its helper call renamed to a split-brain helper (time stamps filled in). */
const HELPER_AT = '2026-11-23T18:00:00.000+00:00';
const withSplitBrainHelper = (t: string) => t.replace(/TIME/g, HELPER_AT).replace(/helper:before-resync-target/g, 'helper:split-brain');

interface Case {
  name: string;
  nodes: () => NodeProbe[];
  /** Expected lines per rule name; rules not named must find nothing. */
  expect: Partial<Record<string, string[]>>;
}

const cases: Case[] = [
  {
    name: 'one node of DRBD 8.4 (ganeti): WFConnection, StandAlone and a Diskless minor; Connected minors are fine',
    nodes: () => [on('n1', p84())],
    expect: {
      DrbdDisconnected: ['warning {"node":"n1","peer":"peer","resource":"drbd4"}'],
      DrbdStandAlone: ['warning {"node":"n1","peer":"peer","resource":"drbd8"}'],
      DrbdDiskDegraded: ['warning {"node":"n1","resource":"drbd6","volume":"0"}'],
    },
  },
  {
    name: 'Primary on both nodes while both see the connection down (WFConnection): split brain, the disconnect is part of it',
    nodes: () => [on('n1', only(p84(), 'drbd4')), on('n2', only(p84(), 'drbd4'))],
    expect: { DrbdSplitBrain: ['critical {"resource":"drbd4"}'] },
  },
  {
    name: 'failover, not split brain: n2 promoted after losing n1, while n1\'s last report still shows it Connected',
    nodes: () => [on('n1', only(p84(), 'drbd0')), on('n2', p84Minor0Disconnected())],
    expect: { DrbdDisconnected: ['warning {"node":"n2","peer":"peer","resource":"drbd0"}'] },
  },
  {
    name: 'a stale node\'s Primary is unknown: no split brain from it',
    nodes: () => [on('n1', only(p84(), 'drbd4')), on('n2', only(p84(), 'drbd4'), true)],
    expect: { DrbdDisconnected: ['warning {"node":"n1","peer":"peer","resource":"drbd4"}'] },
  },
  {
    name: 'dual-primary while Connected (node_exporter\'s /proc/drbd) is allowed; its out-of-sync blocks are not',
    nodes: () => [on('n1', drbdProc('node_exporter__proc_drbd.txt')), on('n2', drbdProc('node_exporter__proc_drbd.txt'))],
    expect: { DrbdOutOfSync: ['warning {"node":"n1","peer":"peer","resource":"drbd1","volume":"0"}', 'warning {"node":"n2","peer":"peer","resource":"drbd1","volume":"0"}'] },
  },
  {
    name: 'a resync explains an Inconsistent disk (DRBD 8.3 SyncTarget) and a SyncSource\'s Inconsistent peer',
    nodes: () => [on('n1', only(drbdProc('ganeti__proc_drbd83_sync.txt'), 'drbd0', 'drbd3')), on('n2', drbdEvents2('sync'))],
    expect: {},
  },
  {
    name: 'an Inconsistent disk with the peer Connected/Established and no resync (events2 promotion-score-inconsistent)',
    nodes: () => [on('n1', drbdEvents2('promotion-score-inconsistent'))],
    expect: { DrbdDiskDegraded: ['warning {"node":"n1","resource":"some-resource","volume":"0"}'] },
  },
  {
    name: 'StandAlone after a split-brain helper call: critical split brain, not a StandAlone warning',
    nodes: () => [on('n1', drbdEvents2('all-create-helper', withSplitBrainHelper, 1))],
    expect: {
      DrbdSplitBrain: ['critical {"resource":"some-resource"}'],
      DrbdDiskDegraded: ['warning {"node":"n1","resource":"some-resource","volume":"0"}'],
    },
  },
  {
    name: 'StandAlone after another helper (before-resync-target, as recorded): a warning only',
    nodes: () => [on('n1', drbdEvents2('all-create-helper'))],
    expect: {
      DrbdStandAlone: ['warning {"node":"n1","peer":"some-peer","resource":"some-resource"}'],
      DrbdDiskDegraded: ['warning {"node":"n1","resource":"some-resource","volume":"0"}'],
    },
  },
  {
    name: 'an intentional diskless client (client:yes) is not a degraded disk',
    nodes: () => [on('n1', drbdEvents2('all-create-helper', (t) => t.replace('disk:Diskless client:no', 'disk:Diskless client:yes')))],
    expect: { DrbdStandAlone: ['warning {"node":"n1","peer":"some-peer","resource":"some-resource"}'] },
  },
  {
    name: 'healthy DRBD 9 (status --json, ha_cluster_exporter) and Primary/Connected events2: nothing',
    nodes: () => [on('n1', drbdEvents2('all-create-change')), on('n2', drbdEvents2('sync')), on('n3', drbdStatusJson())],
    expect: {},
  },
];

describe.skipIf(!HAVE_SHARED)('DRBD rules on real outputs', () => {
  for (const c of cases) {
    it(c.name, () => {
      const snap = snapshotOf(c.nodes());
      for (const rule of DRBD_RULES) expect(lines(run(rule, snap)), rule.name).toEqual(c.expect[rule.name] ?? []);
    });
  }

  it('the split brain names both nodes and what each said', () => {
    const [f] = run(drbdSplitBrain, snapshotOf([on('n1', only(p84(), 'drbd4')), on('n2', only(p84(), 'drbd4'))]));
    expect(f!.evidence.map((e) => e.node)).toEqual(['n1', 'n2']);
    expect(f!.evidence[0]!.says).toBe('drbd4 Primary; disk 0: UpToDate; peer WFConnection, peer Unknown [0: Off/DUnknown]');
    expect(f!.summary).toBe('DRBD split brain on drbd4: Primary on n1 and n2 while their connection is WFConnection/WFConnection');
  });

  it('rules declare severity, for and a runbook; split brain fires at once, disconnects wait', () => {
    const table = DRBD_RULES.map((r: Rule) => [r.name, r.severity, r.forMs]);
    expect(table).toEqual([
      ['DrbdSplitBrain', 'critical', 0],
      ['DrbdStandAlone', 'warning', 10_000],
      ['DrbdDisconnected', 'warning', 30_000],
      ['DrbdDiskDegraded', 'warning', 30_000],
      ['DrbdOutOfSync', 'warning', 60_000],
    ]);
    for (const r of DRBD_RULES) expect(r.runbook.length).toBeGreaterThan(40);
  });

  describe('a split-brain helper followed by a reconnection is over (history)', () => {
    let h: History | undefined;
    afterEach(() => h?.close());

    it('StandAlone after the helper and a later Connected is a plain StandAlone; without that history it is split brain', () => {
      h = new History();
      const helperMs = Date.parse(HELPER_AT);
      const standAlone = drbdEvents2('all-create-helper', withSplitBrainHelper, 1);
      h.push('n1', 'drbd', standAlone, helperMs + 1_000);
      h.push('n1', 'drbd', drbdEvents2('all-create-change'), helperMs + 600_000); // resolved: Connected/Established
      h.push('n1', 'drbd', standAlone, helperMs + 1_200_000); // disconnected again later (drbdadm disconnect)
      const snap = snapshotOf([on('n1', standAlone)]);
      expect(run(drbdSplitBrain, snap, h.ctx())).toEqual([]);
      expect(lines(run(drbdStandAlone, snap, h.ctx()))).toEqual(['warning {"node":"n1","peer":"some-peer","resource":"some-resource"}']);
      // Only the first StandAlone in the history: the helper is the latest word, so it is split brain.
      const h2 = new History();
      try {
        h2.push('n1', 'drbd', standAlone, helperMs + 1_000);
        expect(lines(run(drbdSplitBrain, snap, h2.ctx()))).toEqual(['critical {"resource":"some-resource"}']);
      } finally {
        h2.close();
      }
      expect(NOW).toBeGreaterThan(helperMs + 1_200_000);
    });
  });

  it('Disconnected and DiskDegraded name the node and resource in words', () => {
    const snap = snapshotOf([on('n1', p84())]);
    expect(run(drbdDisconnected, snap)[0]!.summary).toBe('DRBD drbd4 on n1 is disconnected from peer (WFConnection)');
    expect(run(drbdDiskDegraded, snap)[0]!.summary).toBe('DRBD drbd6/0 on n1: disk Diskless (detached from its backing device; not a diskless client)');
    expect(run(drbdOutOfSync, snap)).toEqual([]);
  });
});
