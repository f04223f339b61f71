// The real keepalived timelines through the vrrp report builder, the store, the model and the rules.
// keepalived's state comes from its notify-FIFO lines and JSON dumps as recorded; VIP presence from `ip -j addr`.
import { vrrpReportAt } from '../../../demo/recorded-vrrp.js';
import { describe as suite, expect, it } from 'vitest';
import { vrrpSamples, vrrpStates } from '../../../agent/probes/vrrp/index.js';
import type { Probe } from '../../../agent/probes/types.js';
import { RULES } from '../../../collector/alerts/rules/index.js';
import { vrrpSplitBrain } from '../../../collector/alerts/rules/vrrp.js';
import { type Timeline } from '../../../demo/timeline.js';
import { describe, replayScenario } from '../../helpers/replay.js';

/** The node's vrrp view at scenario time t, from what keepalived and ip printed up to then. */
const recordedVrrp = (timeline: Timeline, node: string, now: () => number): Probe[] => [
  {
    name: 'vrrp',
    run: async () => {
      const t = now();
      const report = vrrpReportAt(timeline, node, t);
      return { status: 'ok', report, samples: vrrpSamples(report), states: vrrpStates(report) };
    },
  },
];

const run = (scenario: string) => replayScenario(scenario, { probes: recordedVrrp, rules: RULES, cluster: 'vrrplab', probeEveryMs: 500, stepMs: 100 });

suite('alerts on replayed real keepalived scenarios', () => {
  it('vrrp-split-brain-port: exactly one VRRP split-brain alert naming both nodes, resolved after the heal', async () => {
    const r = await run('vrrp-split-brain-port');
    try {
      const lines = r.notifications.map(describe);
      const sb = r.notifications.filter((n) => n.alert.rule === 'VrrpSplitBrain');
      expect(sb.map((n) => n.kind), lines.join('\n')).toEqual(['firing', 'resolved']);
      expect(sb[0]!.alert.labels).toMatchObject({ vrid: '51', instance: 'VI_1' });
      expect([...new Set(sb[0]!.alert.evidence.map((e) => e.node))].sort()).toEqual(['node-a', 'node-b']);
      // Second MASTER (VIP on both) measured at 3088 ms; fires after the rule's `for`, within a probe period.
      expect(sb[0]!.tMs).toBeGreaterThanOrEqual(3_088 + vrrpSplitBrain.forMs);
      expect(sb[0]!.tMs).toBeLessThanOrEqual(3_088 + vrrpSplitBrain.forMs + 1_200);
      expect(sb[1]!.tMs).toBeGreaterThan(11_500);
      expect(lines.filter((l) => l.includes('NoHolder'))).toEqual([]);
      // A second MASTER while the first stays is split brain, never a "failover happened".
      expect(lines.filter((l) => l.includes('VrrpFailover'))).toEqual([]);
      expect(r.engine.openAlerts()).toEqual([]);
    } finally {
      r.cleanup();
    }
  });

  it('vrrp-failover-term: a failover, not split brain; the ~0.6 s without a VIP holder does not page', async () => {
    const r = await run('vrrp-failover-term');
    try {
      const lines = r.notifications.map(describe);
      expect(lines.filter((l) => l.includes('SplitBrain')), lines.join('\n')).toEqual([]);
      expect(lines.filter((l) => l.includes('VrrpVipNoHolder'))).toEqual([]);
      // The failover is an info that pages nobody: node-a → node-b after the SIGTERM (new MASTER at 612 ms), and
      // node-b → node-a when the restarted node-a preempts after the heal (11.5 s + 3.5 s).
      const failovers = r.notifications.filter((n) => n.alert.rule === 'VrrpFailover');
      expect(failovers.map((n) => [n.kind, n.alert.severity, n.alert.labels]), lines.join('\n')).toEqual([
        ['firing', 'info', { instance: 'VI_1', from: 'node-a', to: 'node-b' }],
        ['firing', 'info', { instance: 'VI_1', from: 'node-b', to: 'node-a' }],
      ]);
      expect(failovers[0]!.tMs).toBeGreaterThanOrEqual(600);
      expect(failovers[0]!.tMs).toBeLessThanOrEqual(1_500);
      expect(failovers[1]!.tMs).toBeGreaterThan(15_000);
      expect(lines.filter((l) => l.includes('VrrpFlapping'))).toEqual([]);
      // They resolve by themselves later (VRRP_FAILOVER_DEFAULTS.showForMs); at the end of the recording only they are open.
      expect(r.engine.openAlerts().map((a) => a.rule)).toEqual(['VrrpFailover', 'VrrpFailover']);
    } finally {
      r.cleanup();
    }
  });

  it('vrrp-carrier-fault: FAULT on node-b, not split brain', async () => {
    const r = await run('vrrp-carrier-fault');
    try {
      const lines = r.notifications.map(describe);
      expect(lines.filter((l) => l.includes('SplitBrain')), lines.join('\n')).toEqual([]);
      const fault = r.notifications.filter((n) => n.alert.rule === 'VrrpInstanceFault');
      expect(fault.map((n) => n.kind)).toEqual(['firing', 'resolved']);
      expect(fault[0]!.alert.labels).toMatchObject({ node: 'node-b', instance: 'VI_1' });
    } finally {
      r.cleanup();
    }
  });
});
