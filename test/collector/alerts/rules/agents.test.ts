// Rules about hawatch itself: a silent agent, a failing probe. The reports are real (a recorded corosync report);
// what varies is the agent's freshness and the probe's outcome.
import { describe, expect, it } from 'vitest';
import { AGENT_RULES, agentStale, probeFailing } from '../../../../collector/alerts/rules/agents.js';
import { HAVE_SHARED, lines, recorded, run, snapshotOf, type NodeProbe } from './snapshot.js';

const PARTITION = 'pcmk3-partition-node3';

describe.skipIf(!HAVE_SHARED)('agent rules', () => {
  const table: { name: string; nodes: () => Promise<NodeProbe[]>; expect: Partial<Record<string, string[]>> }[] = [
    { name: 'all agents fresh, probes ok', nodes: async () => [{ node: 'n1', probe: 'corosync', report: await recorded.corosync(PARTITION, 'n1', 0) }], expect: {} },
    {
      name: 'a silent agent is stale (warning), whatever its last report said',
      nodes: async () => [{ node: 'n1', probe: 'corosync', report: await recorded.corosync(PARTITION, 'n1', 0) }, { node: 'n3', probe: 'corosync', report: await recorded.corosync(PARTITION, 'n3', 0), stale: true }],
      expect: { AgentStale: ['warning {"node":"n3"}'] },
    },
    {
      name: 'a probe that failed on a fresh node; the same failure on a stale node is not reported again',
      nodes: async () => [
        { node: 'n1', probe: 'corosync', report: null, status: 'failed', error: { code: 'corosync.exit_status', message: 'corosync-quorumtool -s exited 1' } },
        { node: 'n2', probe: 'drbd', report: null, status: 'timeout', error: { code: 'drbd.timeout', message: 'drbdsetup did not finish within 8000 ms' } },
        { node: 'n3', probe: 'corosync', report: null, status: 'failed', error: { code: 'corosync.exit_status', message: 'x' }, stale: true },
      ],
      expect: { ProbeFailing: ['warning {"node":"n1","probe":"corosync"}', 'warning {"node":"n2","probe":"drbd"}'], AgentStale: ['warning {"node":"n3"}'] },
    },
    { name: 'a tool that is not installed (absent) is not failing', nodes: async () => [{ node: 'n1', probe: 'iscsi', report: null, status: 'absent' }], expect: {} },
  ];
  for (const c of table) {
    it(c.name, async () => {
      const snap = snapshotOf(await c.nodes());
      for (const rule of AGENT_RULES) expect(lines(run(rule, snap)), rule.name).toEqual(c.expect[rule.name] ?? []);
    });
  }

  it('texts: the last push time and the probe error', async () => {
    const snap = snapshotOf([
      { node: 'n1', probe: 'corosync', report: null, status: 'failed', error: { code: 'corosync.exit_status', message: 'corosync-quorumtool -s exited 1' } },
      { node: 'n3', probe: 'corosync', report: await recorded.corosync(PARTITION, 'n3', 0), stale: true },
    ]);
    expect(run(probeFailing, snap)[0]!.description).toBe('corosync.exit_status: corosync-quorumtool -s exited 1');
    expect(run(agentStale, snap)[0]!.description).toBe('Last push 2026-11-23T18:29:20.000Z.');
  });
});
