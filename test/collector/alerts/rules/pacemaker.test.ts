// Pacemaker rules on real crm_mon XML (Pacemaker 2.1.5: a live 3-node cluster and crm_simulate states, see
// /work/shared/fixtures/SOURCES.md) and on the recorded 2-node split brain, parsed by the pacemaker probe's parser.
import { afterEach, describe, expect, it } from 'vitest';
import {
  PACEMAKER_RULES, PACEMAKER_MOVED_DEFAULTS, pacemakerFailCountAtThreshold, pacemakerResourceMoved, pacemakerResourceMultiActive, pacemakerSplitBrain,
} from '../../../../collector/alerts/rules/pacemaker.js';
import { crmMon, HAVE_SHARED, History, lines, NOW, recorded, run, snapshotOf, vary, type NodeProbe } from './snapshot.js';
import type { PacemakerReport } from '../../../../agent/protocol/pacemaker.js';

const on = (node: string, report: PacemakerReport, stale = false): NodeProbe => ({ node, probe: 'pacemaker', report, stale });
/** The same crm_mon output as seen by every node of the live cluster (one partition shares one CIB). */
const all = (file: string) => ['node1', 'node2'].map((n) => on(n, crmMon(file)));
const SNAPSHOT_RULES = PACEMAKER_RULES.filter((r) => r !== pacemakerResourceMoved);

const cases: { name: string; nodes: () => Promise<NodeProbe[]> | NodeProbe[]; expect: Partial<Record<string, string[]>> }[] = [
  { name: 'live: healthy 3-node cluster', nodes: () => all('live/01-healthy.crm_mon.xml'), expect: {} },
  {
    name: 'live: node3 crashed, fencing pending; its fail-count 1 of INFINITY is far from the threshold',
    nodes: () => all('live/08-node3-crashed-fencing-failing.crm_mon.xml'),
    expect: {
      PacemakerNodeOffline: ['critical {"node":"node3"}'],
      PacemakerFencingPending: ['warning {"node":"node3"}'],
      // the recovered monitor failure of step 02 stays in the failed actions until a cleanup
      PacemakerResourceFailed: ['warning {"node":"node2","resource":"app_service"}'],
    },
  },
  {
    name: 'live: fencing confirmed, the newest reboot attempt failed',
    nodes: () => all('live/11-node3-fencing-confirmed-recovered.crm_mon.xml'),
    expect: {
      PacemakerNodeOffline: ['warning {"node":"node3"}'],
      PacemakerFencingFailed: ['critical {"node":"node3"}'],
      PacemakerResourceFailed: ['warning {"node":"node2","resource":"app_service"}'],
    },
  },
  {
    name: 'sim: a failed start sets the fail count to INFINITY = the default threshold; the resource moved away',
    nodes: () => all('sim/2node-08-failed-start-failover.crm_mon.xml'),
    expect: { PacemakerFailCountAtThreshold: ['warning {"node":"node1","resource":"apache_web"}'], PacemakerResourceFailed: ['warning {"node":"node1","resource":"apache_web"}'] },
  },
  {
    name: 'sim: drbd monitor failed once, threshold 3: below it',
    nodes: () => all('sim/3node-05-drbd-monitor-failed.crm_mon.xml'),
    expect: { PacemakerResourceFailed: ['warning {"node":"node2","resource":"drbd_data"}'] },
  },
  {
    name: 'sim varied: the same failure counted 3 times reaches migration-threshold 3',
    nodes: () => [on('node1', vary(crmMon('sim/3node-05-drbd-monitor-failed.crm_mon.xml'), (r) => { if (r.running) r.failCounts[0]!.failCount = 3; }))],
    expect: { PacemakerFailCountAtThreshold: ['warning {"node":"node2","resource":"drbd_data"}'], PacemakerResourceFailed: ['warning {"node":"node2","resource":"drbd_data"}'] },
  },
  {
    name: 'recorded pcmk2 split brain at 8 s: two quorate DCs, dummy on both',
    nodes: async () => [on('n1', await recorded.pacemaker('pcmk2-split-brain', 'n1', 8_000)), on('n2', await recorded.pacemaker('pcmk2-split-brain', 'n2', 8_000))],
    expect: {
      PacemakerSplitBrain: ['critical {}'],
      PacemakerResourceActiveTwice: ['critical {"resource":"dummy"}'],
      PacemakerNodeOffline: ['warning {"node":"n1"}', 'warning {"node":"n2"}'],
    },
  },
  {
    name: 'recorded pcmk2 split brain with n2 stale: its partition is unknown, no split brain from it',
    nodes: async () => [on('n1', await recorded.pacemaker('pcmk2-split-brain', 'n1', 8_000)), on('n2', await recorded.pacemaker('pcmk2-split-brain', 'n2', 8_000), true)],
    expect: { PacemakerNodeOffline: ['warning {"node":"n2"}'] },
  },
  {
    name: 'recorded pcmk3 partition at 12 s: n3 alone without quorum is not a split brain',
    nodes: async () => Promise.all(['n1', 'n2', 'n3'].map(async (n) => on(n, await recorded.pacemaker('pcmk3-partition-node3', n, 12_000)))),
    expect: { PacemakerQuorumLost: ['critical {"node":"n3"}'], PacemakerNodeOffline: ['warning {"node":"n3"}'] },
  },
];

describe.skipIf(!HAVE_SHARED)('Pacemaker rules on real crm_mon output', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const snap = snapshotOf(await c.nodes());
      for (const rule of SNAPSHOT_RULES) expect(lines(run(rule, snap)), rule.name).toEqual(c.expect[rule.name] ?? []);
      expect(run(pacemakerResourceMoved, snap)).toEqual([]); // needs history
    });
  }

  it('fail count evidence says INFINITY in words', () => {
    const [f] = run(pacemakerFailCountAtThreshold, snapshotOf(all('sim/2node-08-failed-start-failover.crm_mon.xml')));
    expect(f!.evidence[0]!.says).toBe('apache_web on node1: fail count INFINITY, migration-threshold INFINITY');
  });

  it('split brain evidence: each node names itself DC with quorum', async () => {
    const snap = snapshotOf([on('n1', await recorded.pacemaker('pcmk2-split-brain', 'n1', 8_000)), on('n2', await recorded.pacemaker('pcmk2-split-brain', 'n2', 8_000))]);
    const [f] = run(pacemakerSplitBrain, snap);
    expect(f!.evidence.map((e) => [e.node, e.says.split(';')[0]])).toEqual([['n1', 'DC n1 with quorum'], ['n2', 'DC n2 with quorum']]);
  });
});

describe.skipIf(!HAVE_SHARED)('PacemakerResourceActiveTwice across a partition without quorum (recorded pcmk3 partition, n3 varied to hold dummy)', () => {
  // n3, isolated without quorum, as if dummy had run there: its last report still shows it while the quorate side
  // shows its own copy on n1. Found in the lab: the isolated old DC's report predated its stop of dummy.
  const n3Holding = async () => vary(await recorded.pacemaker('pcmk3-partition-node3', 'n3', 12_000), (r) => {
    if (!r.running) throw new Error('n3 not running in the recording');
    const d = r.resources.find((x) => x.id === 'dummy')!;
    d.active = true;
    d.role = 'Started';
    d.nodes = ['n3'];
  });
  const majority = async (ageMs: number) => ['n1', 'n2'].map(async (n) => ({ ...on(n, await recorded.pacemaker('pcmk3-partition-node3', n, 12_000)), ageMs }));
  it.each([
    ['older than the quorate side: it may have stopped since, no finding', 3_000, 1_000, []],
    ['as old as the quorate side: not known to overlap, no finding', 1_000, 1_000, []],
    ['newer than the quorate side: still running after the other copy started', 500, 2_000, ['critical {"resource":"dummy"}']],
  ] as const)('n3 report %s', async (_what, n3Age, majorityAge, expected) => {
    const snap = snapshotOf([{ ...on('n3', await n3Holding()), ageMs: n3Age }, ...(await Promise.all(await majority(majorityAge)))]);
    expect(lines(run(pacemakerResourceMultiActive, snap))).toEqual(expected);
  });
});

describe.skipIf(!HAVE_SHARED)('PacemakerResourceMoved (transitions through the real store writer)', () => {
  let h: History | undefined;
  afterEach(() => h?.close());

  it('live: the app group banned from node2 moved to node3: one info for the group, seen by every reporter', () => {
    h = new History();
    for (const n of ['node1', 'node2']) h.push(n, 'pacemaker', crmMon('live/06-maintenance-mode.crm_mon.xml'), NOW - 120_000);
    for (const n of ['node1', 'node2']) h.push(n, 'pacemaker', crmMon('live/07-group-banned-moved.crm_mon.xml'), NOW - 60_000);
    const found = run(pacemakerResourceMoved, snapshotOf(all('live/07-group-banned-moved.crm_mon.xml')), h.ctx());
    expect(lines(found)).toEqual(['info {"from":"node2","resource":"g_app","to":"node3"}']);
    expect(found[0]!.summary).toBe('group g_app moved from node2 to node3');
    expect(found[0]!.evidence.map((e) => e.node).sort()).toEqual(['node1', 'node2']);
  });

  it('a move only one partition saw (split brain: started on its own side) is not a failover', async () => {
    h = new History();
    const base = NOW - 30_000;
    for (let t = -3_000; t <= 12_000; t += 1_000) {
      for (const n of ['n1', 'n2']) h.push(n, 'pacemaker', await recorded.pacemaker('pcmk2-split-brain', n, t), base + t);
    }
    const snap = snapshotOf([on('n1', await recorded.pacemaker('pcmk2-split-brain', 'n1', 12_000)), on('n2', await recorded.pacemaker('pcmk2-split-brain', 'n2', 12_000))]);
    expect(run(pacemakerResourceMoved, snap, h.ctx())).toEqual([]);
  });

  it('the info resolves by itself after showForMs; a stale reporter\'s rows are not a move', () => {
    h = new History();
    h.push('node1', 'pacemaker', crmMon('live/06-maintenance-mode.crm_mon.xml'), NOW - 120_000);
    h.push('node1', 'pacemaker', crmMon('live/07-group-banned-moved.crm_mon.xml'), NOW - 60_000);
    const later = NOW - 60_000 + PACEMAKER_MOVED_DEFAULTS.showForMs + 1;
    h.now = later;
    expect(run(pacemakerResourceMoved, snapshotOf([on('node1', crmMon('live/07-group-banned-moved.crm_mon.xml'))], { now: later }), h.ctx())).toEqual([]);
    h.now = NOW;
    expect(run(pacemakerResourceMoved, snapshotOf([on('node1', crmMon('live/07-group-banned-moved.crm_mon.xml'), true)]), h.ctx())).toEqual([]);
  });
});
