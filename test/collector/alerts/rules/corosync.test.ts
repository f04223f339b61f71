// corosync rules on the corosync probe's real reports: generated corosync 3.1.7 states (/work/shared/fixtures/corosync)
// and the recorded 3-node partition (demo/scenarios/pcmk3-partition-node3), node by node.
import { describe, expect, it } from 'vitest';
import { COROSYNC_RULES, corosyncLinkDown, corosyncMembershipViewsDiffer } from '../../../../collector/alerts/rules/corosync.js';
import { pacemakerSplitBrain } from '../../../../collector/alerts/rules/pacemaker.js';
import { corosyncState, HAVE_SHARED, lines, recorded, run, snapshotOf, type NodeProbe } from './snapshot.js';
import type { CorosyncReport } from '../../../../agent/protocol/corosync.js';

const on = (node: string, report: CorosyncReport, stale = false): NodeProbe => ({ node, probe: 'corosync', report, stale });
const PARTITION = 'pcmk3-partition-node3';
/** 12 s after n3's port was detached: n1 and n2 are a quorate {1,2}, n3 is alone (see the scenario's README). */
const partitioned = async (t = 12_000) => ({
  n1: await recorded.corosync(PARTITION, 'n1', t),
  n2: await recorded.corosync(PARTITION, 'n2', t),
  n3: await recorded.corosync(PARTITION, 'n3', t),
});

const cases: { name: string; nodes: () => Promise<NodeProbe[]>; expect: Partial<Record<string, string[]>> }[] = [
  {
    name: 'all up on both links (3 nodes, knet): nothing',
    nodes: async () => [on('node1', await corosyncState('3node-all-up_view-node1')), on('node2', await corosyncState('3node-all-up_view-node2'))],
    expect: {},
  },
  {
    name: 'link 1 down on node2: one of two links to a peer is a warning, per node, link and peer',
    nodes: async () => [on('node1', await corosyncState('3node-link1-down-on-node2_view-node1')), on('node2', await corosyncState('3node-link1-down-on-node2_view-node2'))],
    expect: {
      CorosyncLinkDown: [
        'warning {"link":"1","node":"node1","peer":"node2"}',
        'warning {"link":"1","node":"node2","peer":"node1"}',
        'warning {"link":"1","node":"node2","peer":"node3"}',
      ],
    },
  },
  {
    name: 'node3 failed: all links to it down, but it is not alive (no running corosync reported): warning',
    nodes: async () => [on('node1', await corosyncState('3node-node3-failed_view-node1'))],
    expect: { CorosyncLinkDown: ['warning {"link":"0","node":"node1","peer":"nodeid 3"}', 'warning {"link":"1","node":"node1","peer":"nodeid 3"}'] },
  },
  {
    name: 'recorded partition: all links to a live peer down is critical; the views differ (a warning, not split brain)',
    nodes: async () => { const p = await partitioned(); return [on('n1', p.n1), on('n2', p.n2), on('n3', p.n3)]; },
    expect: {
      CorosyncLinkDown: [
        'critical {"link":"0","node":"n1","peer":"n3"}',
        'critical {"link":"0","node":"n2","peer":"n3"}',
        'critical {"link":"0","node":"n3","peer":"n1"}',
        'critical {"link":"0","node":"n3","peer":"n2"}',
      ],
      CorosyncMembershipViewsDiffer: ['warning {}'],
    },
  },
  {
    name: 'recorded partition with n3 stale: its view is unknown; n3 is not known to be alive, so a warning',
    nodes: async () => { const p = await partitioned(); return [on('n1', p.n1), on('n2', p.n2), on('n3', p.n3, true)]; },
    expect: { CorosyncLinkDown: ['warning {"link":"0","node":"n1","peer":"n3"}', 'warning {"link":"0","node":"n2","peer":"n3"}'] },
  },
  {
    name: 'recorded partition before the event and after the rejoin: nothing',
    nodes: async () => { const p = await partitioned(-2_000); const q = await partitioned(25_000); return [on('n1', p.n1), on('n2', q.n2), on('n3', q.n3)]; },
    expect: {},
  },
  {
    name: 'corosync not running on a node: not a link finding of its own',
    nodes: async () => [on('node1', await corosyncState('corosync-not-running'))],
    expect: {},
  },
];

describe.skipIf(!HAVE_SHARED)('corosync rules on real reports', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const snap = snapshotOf(await c.nodes());
      for (const rule of COROSYNC_RULES) expect(lines(run(rule, snap)), rule.name).toEqual(c.expect[rule.name] ?? []);
    });
  }

  it('the membership warning says who sees what and is not a split brain (Pacemaker\'s rule finds none there)', async () => {
    const p = await partitioned();
    const snap = snapshotOf([
      on('n1', p.n1), on('n2', p.n2), on('n3', p.n3),
      { node: 'n1', probe: 'pacemaker', report: await recorded.pacemaker(PARTITION, 'n1', 12_000) },
      { node: 'n2', probe: 'pacemaker', report: await recorded.pacemaker(PARTITION, 'n2', 12_000) },
      { node: 'n3', probe: 'pacemaker', report: await recorded.pacemaker(PARTITION, 'n3', 12_000) },
    ]);
    const [f] = run(corosyncMembershipViewsDiffer, snap);
    expect(f!.summary).toBe('corosync membership views differ: n1, n2 see {n1, n2}; n3 see {n3}');
    expect(f!.rule).not.toMatch(/split/i);
    expect(f!.evidence.map((e) => [e.node, e.says])).toEqual([
      ['n1', 'ring 1.11, quorate, members {n1, n2}'],
      ['n2', 'ring 1.11, quorate, members {n1, n2}'],
      ['n3', 'ring 3.11, NOT quorate, members {n3}'],
    ]);
    expect(run(pacemakerSplitBrain, snap)).toEqual([]);
  });

  it('link texts tell partial from total loss', async () => {
    const snap = snapshotOf([on('node1', await corosyncState('3node-link1-down-on-node2_view-node1'))]);
    expect(run(corosyncLinkDown, snap)[0]!.summary).toBe('corosync link 1 from node1 to node2 is down (1 of 2 links still up)');
  });

  it('rules declare severity and for: the views need a few seconds to converge', () => {
    expect(COROSYNC_RULES.map((r) => [r.name, r.severity, r.forMs])).toEqual([
      ['CorosyncLinkDown', 'warning', 10_000],
      ['CorosyncMembershipViewsDiffer', 'warning', 10_000],
    ]);
  });
});
