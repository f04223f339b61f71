// The real Pacemaker timelines, fed through the real pacemaker probe and parser, the store and the model:
// which alerts fire and resolve, and which must not.
import { describe as suite, expect, it } from 'vitest';
import { pacemakerProbe } from '../../../agent/probes/pacemaker/probe.js';
import { createCorosyncProbe } from '../../../agent/probes/corosync/index.js';
import { RULES } from '../../../collector/alerts/rules/index.js';
import type { Probe } from '../../../agent/probes/types.js';
import { describe, replayScenario } from '../../helpers/replay.js';

const probes = [pacemakerProbe as Probe];

suite('alerts on replayed real Pacemaker scenarios', () => {
  it('pcmk2-split-brain: a Pacemaker split brain that only the comparison of both nodes shows, and its resolve', async () => {
    const r = await replayScenario('pcmk2-split-brain', { probes, rules: RULES, cluster: 'hwlab' });
    try {
      const lines = r.notifications.map(describe);
      const sb = r.notifications.filter((n) => n.alert.rule === 'PacemakerSplitBrain');
      expect(sb.map((n) => n.kind), lines.join('\n')).toEqual(['firing', 'resolved']);
      const firing = sb[0]!;
      // Both nodes in the evidence, each naming itself DC with quorum.
      expect(firing.alert.evidence.map((e) => e.node).sort()).toEqual(['n1', 'n2']);
      expect(firing.alert.evidence.every((e) => /with quorum/.test(e.says))).toBe(true);
      // The recording: both quorate at 6488, second DC at 6492; one probe period later at most.
      expect(firing.tMs).toBeGreaterThanOrEqual(6_000);
      expect(firing.tMs).toBeLessThanOrEqual(8_000);
      // The resolve comes after the heal (15 s) and its rejoin (~+2.6 s).
      expect(sb[1]!.tMs).toBeGreaterThan(15_000);
      // dummy runs on both sides: only visible across the two nodes' reports.
      const twice = r.notifications.filter((n) => n.alert.rule === 'PacemakerResourceActiveTwice');
      expect(twice.map((n) => n.kind)).toEqual(['firing', 'resolved']);
      expect(twice[0]!.alert.labels).toEqual({ resource: 'dummy' });
      // dummy started on n2's side is split brain, not a failover: no "resource moved" info.
      expect(lines.filter((l) => l.includes('PacemakerResourceMoved'))).toEqual([]);
      expect(r.engine.openAlerts()).toEqual([]);
    } finally {
      r.cleanup();
    }
  });

  it('pcmk3-partition-node3: node offline and quorum lost, and NO split brain (a DC without quorum is not one)', async () => {
    const r = await replayScenario('pcmk3-partition-node3', { probes, rules: RULES, cluster: 'hwlab' });
    try {
      const lines = r.notifications.map(describe);
      expect(lines.some((l) => l.includes('SplitBrain') || l.includes('ActiveTwice')), lines.join('\n')).toBe(false);
      expect(lines).toContain('firing PacemakerQuorumLost {"node":"n3"}');
      expect(lines).toContain('resolved PacemakerQuorumLost {"node":"n3"}');
      expect(lines).toContain('firing PacemakerNodeOffline {"node":"n3"}');
      expect(lines).toContain('resolved PacemakerNodeOffline {"node":"n3"}');
      // n1 and n2 are never reported offline: n3's own view (everyone else offline) has no quorum.
      expect(lines.filter((l) => /NodeOffline \{"node":"n[12]"\}/.test(l))).toEqual([]);
      expect(r.engine.openAlerts()).toEqual([]);
    } finally {
      r.cleanup();
    }
  });

  it('pcmk3-partition-node3 with the corosync probe too: links to n3 down and differing views, still NO split brain', async () => {
    const r = await replayScenario('pcmk3-partition-node3', { probes: [pacemakerProbe as Probe, createCorosyncProbe({}) as Probe], rules: RULES, cluster: 'hwlab' });
    try {
      const lines = r.notifications.map(describe);
      expect(lines.some((l) => /SplitBrain|ActiveTwice/.test(l)), lines.join('\n')).toBe(false);
      // knet: every node's link 0 to the other side is down from ~2 s to the heal; n3 is alive, so this is a partition.
      const links = r.notifications.filter((n) => n.alert.rule === 'CorosyncLinkDown' && n.kind === 'firing');
      expect(links.map((n) => `${n.alert.labels['node']}->${n.alert.labels['peer']} ${n.alert.severity}`).sort(), lines.join('\n')).toEqual([
        'n1->n3 critical', 'n2->n3 critical', 'n3->n1 critical', 'n3->n2 critical',
      ]);
      expect(lines.filter((l) => l.startsWith('resolved CorosyncLinkDown'))).toHaveLength(4);
      // The views differ from the membership change (7.9 s) to the rejoin (heal + 2.9 s): a warning, not split brain.
      expect(lines.filter((l) => l.includes('CorosyncMembershipViewsDiffer'))).toEqual(['firing CorosyncMembershipViewsDiffer', 'resolved CorosyncMembershipViewsDiffer']);
      expect(r.engine.openAlerts()).toEqual([]);
    } finally {
      r.cleanup();
    }
  });

  it('pcmk3-resource-fail: resource failed fires; the ~2 s Stopped after cleanup does not page as an outage', async () => {
    const r = await replayScenario('pcmk3-resource-fail', { probes, rules: RULES, cluster: 'hwlab' });
    try {
      const lines = r.notifications.map(describe);
      const failed = r.notifications.filter((n) => n.alert.rule === 'PacemakerResourceFailed');
      expect(failed.map((n) => n.kind), lines.join('\n')).toEqual(['firing', 'resolved']);
      expect(failed[0]!.alert.labels).toEqual({ resource: 'dummy', node: 'n1' });
      expect(failed[0]!.alert.summary).toMatch(/monitor/);
      expect(lines.some((l) => l.includes('PacemakerResourceNotRunning')), lines.join('\n')).toBe(false);
      expect(lines.some((l) => l.includes('SplitBrain'))).toBe(false);
    } finally {
      r.cleanup();
    }
  });
});
