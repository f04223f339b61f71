// VRRP rules on the recorded keepalived 2.2.7 scenarios (demo/scenarios: notify-FIFO lines, JSON dumps and
// `ip -j addr` per node), as the vrrp report builder reads them at a scenario time. The history rules (flapping,
// failover) read transitions that the real store writer derived from those reports.
import { afterEach, describe, expect, it } from 'vitest';
import {
  VRRP_RULES, VRRP_FAILOVER_DEFAULTS, VRRP_FLAPPING_DEFAULTS, vrrpFailover, vrrpFlapping, vrrpFlappingRule, vrrpSplitBrain,
} from '../../../../collector/alerts/rules/vrrp.js';
import { History, lines, NOW, recorded, run, snapshotOf, vary, type NodeProbe } from './snapshot.js';
import type { VrrpReport } from '../../../../agent/protocol/vrrp.js';

const on = (node: string, report: VrrpReport, stale = false): NodeProbe => ({ node, probe: 'vrrp', report, stale });
const at = (scenario: string, t: number, stale: string[] = []) => ['node-a', 'node-b'].map((n) => on(n, recorded.vrrp(scenario, n, t), stale.includes(n)));
const SNAPSHOT_RULES = VRRP_RULES.filter((r) => r !== vrrpFlapping && r !== vrrpFailover);
const ROUTER = '"instance":"VI_1"';

const cases: { name: string; nodes: () => NodeProbe[]; expect: Partial<Record<string, string[]>> }[] = [
  { name: 'failover-term before the event: node-a MASTER with the VIP, node-b BACKUP', nodes: () => at('vrrp-failover-term', -1_000), expect: {} },
  {
    name: 'failover-term at 0.3 s: the old MASTER dropped the VIP, the new one has not taken it yet (the rule\'s for absorbs it)',
    nodes: () => at('vrrp-failover-term', 300),
    expect: { VrrpVipNoHolder: [`critical {"address":"10.213.0.100",${ROUTER},"vrid":"51"}`] },
  },
  { name: 'failover-term after the takeover: node-b MASTER alone', nodes: () => at('vrrp-failover-term', 5_000), expect: {} },
  { name: 'split-brain-port at 6 s: two MASTERs, the VIP on both', nodes: () => at('vrrp-split-brain-port', 6_000), expect: { VrrpSplitBrain: [`critical {${ROUTER},"vrid":"51"}`] } },
  { name: 'split-brain-port at 6 s with node-b stale: its MASTER claim is unknown', nodes: () => at('vrrp-split-brain-port', 6_000, ['node-b']), expect: {} },
  { name: 'carrier-fault at 5 s: node-b FAULT, no split brain', nodes: () => at('vrrp-carrier-fault', 5_000), expect: { VrrpInstanceFault: [`warning {${ROUTER},"node":"node-b","vrid":"51"}`] } },
  {
    name: 'a VIP left on the BACKUP (varied: present on node-b): on a non-master, and on two nodes',
    nodes: () => [on('node-a', recorded.vrrp('vrrp-failover-term', 'node-a', -1_000)), on('node-b', vary(recorded.vrrp('vrrp-failover-term', 'node-b', -1_000), (r) => {
      r.instances[0]!.vips[0]!.present = true;
      r.instances[0]!.vips[0]!.presentOn = 'eth0';
    }))],
    expect: { VrrpSplitBrain: [`critical {${ROUTER},"vrid":"51"}`], VrrpVipOnNonMaster: [`warning {"address":"10.213.0.100",${ROUTER},"node":"node-b","vrid":"51"}`] },
  },
];

describe('VRRP rules on recorded keepalived scenarios', () => {
  for (const c of cases) {
    it(c.name, () => {
      const snap = snapshotOf(c.nodes());
      for (const rule of SNAPSHOT_RULES) expect(lines(run(rule, snap)), rule.name).toEqual(c.expect[rule.name] ?? []);
      // Without history the history rules find nothing, whatever the snapshot.
      expect(run(vrrpFlapping, snap)).toEqual([]);
      expect(run(vrrpFailover, snap)).toEqual([]);
    });
  }

  it('split brain evidence names both nodes with their claims and addresses', () => {
    const [f] = run(vrrpSplitBrain, snapshotOf(at('vrrp-split-brain-port', 6_000)));
    expect(f!.evidence.map((e) => e.node)).toEqual(['node-a', 'node-b']);
    expect(f!.evidence.every((e) => e.says.startsWith('VI_1 MASTER') && e.says.includes('10.213.0.100 present'))).toBe(true);
  });
});

describe('VRRP history rules (transitions through the real store writer)', () => {
  let h: History | undefined;
  afterEach(() => h?.close());
  /** Push both nodes' recorded reports every 500 ms of the scenario; scenario time `end` is NOW. */
  const replay = (scenario: string, from: number, end: number, stale: string[] = []) => {
    h = new History();
    const base = NOW - end;
    for (let t = from; t <= end; t += 500) for (const n of ['node-a', 'node-b']) if (!stale.includes(n) || t < 0) h.push(n, 'vrrp', recorded.vrrp(scenario, n, t), base + t);
    return { ctx: h.ctx(), snap: snapshotOf(at(scenario, end, stale)) };
  };

  it('failover-term: MASTER moved a → b at the event and b → a at the heal, as info; no flapping', () => {
    const { ctx, snap } = replay('vrrp-failover-term', -3_000, 25_000);
    const found = run(vrrpFailover, snap, ctx);
    expect(lines(found)).toEqual(['info {"from":"node-a","instance":"VI_1","to":"node-b"}', 'info {"from":"node-b","instance":"VI_1","to":"node-a"}']);
    expect(found.find((f) => f.labels['to'] === 'node-b')!.evidence.map((e) => [e.node, e.says.split(' (')[0]])).toEqual([['node-b', 'VI_1 BACKUP → MASTER']]);
    expect(run(vrrpFlapping, snap, ctx)).toEqual([]);
  });

  it('split-brain-port: a second MASTER while the first stays is not a failover, nor is its release at the heal', () => {
    const { ctx, snap } = replay('vrrp-split-brain-port', -3_000, 25_000);
    expect(run(vrrpFailover, snap, ctx)).toEqual([]);
  });

  it('carrier-fault: a BACKUP going FAULT moves no MASTER', () => {
    const { ctx, snap } = replay('vrrp-carrier-fault', -3_000, 25_000);
    expect(run(vrrpFailover, snap, ctx)).toEqual([]);
    expect(run(vrrpFlapping, snap, ctx)).toEqual([]);
  });

  it('the failover info resolves by itself once the move is older than showForMs', () => {
    const { ctx } = replay('vrrp-failover-term', -3_000, 25_000);
    const later = NOW + VRRP_FAILOVER_DEFAULTS.showForMs;
    h!.now = later;
    expect(run(vrrpFailover, snapshotOf(at('vrrp-failover-term', 25_000), { now: later }), ctx)).toEqual([]);
  });

  describe('flapping: node-b alternating between its recorded BACKUP and MASTER reports', () => {
    const BACKUP = () => recorded.vrrp('vrrp-failover-term', 'node-b', -1_000);
    const MASTER = () => recorded.vrrp('vrrp-failover-term', 'node-b', 5_000);
    const flap = (changes: number, everyMs: number) => {
      h = new History();
      const start = NOW - changes * everyMs - 1_000;
      h.push('node-b', 'vrrp', BACKUP(), start);
      for (let i = 1; i <= changes; i++) h.push('node-b', 'vrrp', i % 2 === 1 ? MASTER() : BACKUP(), start + i * everyMs);
      return h.ctx();
    };
    const snapWith = (stale = false) => snapshotOf([on('node-a', recorded.vrrp('vrrp-failover-term', 'node-a', -1_000)), on('node-b', BACKUP(), stale)]);
    const table: [string, number, number, string[]][] = [
      ['3 changes in 3 min: below the threshold', 3, 60_000, []],
      ['4 changes in 4 min: flapping', 4, 60_000, ['warning {"instance":"VI_1","node":"node-b"}']],
      ['6 changes spread over 30 min: at most 2 in any 10 min window ending now', 6, 300_000, []],
    ];
    for (const [name, changes, every, expected] of table) {
      it(name, () => expect(lines(run(vrrpFlapping, snapWith(), flap(changes, every)))).toEqual(expected));
    }
    it('a stale node\'s flapping is unknown: not raised from its old rows', () => {
      expect(run(vrrpFlapping, snapWith(true), flap(4, 60_000))).toEqual([]);
    });
    it('the threshold and window are options (defaults documented: 4 in 10 min)', () => {
      expect(VRRP_FLAPPING_DEFAULTS).toEqual({ transitions: 4, windowMs: 600_000 });
      expect(lines(run(vrrpFlappingRule({ transitions: 3, windowMs: 600_000 }), snapWith(), flap(3, 60_000)))).toEqual(['warning {"instance":"VI_1","node":"node-b"}']);
    });
  });
});
