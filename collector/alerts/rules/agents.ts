// Rules about hawatch itself: a silent agent or a probe that keeps failing is a blind spot, not "all fine".
import { finding, type Rule } from './types.js';

export const agentStale: Rule = {
  name: 'AgentStale',
  severity: 'warning',
  forMs: 0, // staleness already includes the grace (staleAfterIntervals × push interval)
  runbook: 'The node\'s hawatch agent stopped pushing: check the node, `systemctl status hawatch-agent`, and the network to the collector. Its last data is unknown, not healthy.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      c.nodes
        .filter((n) => n.agentState === 'stale')
        .map((n) =>
          finding(agentStale, c.name, { node: n.name }, `agent on ${n.name} is silent`, `Last push ${new Date(n.agent.lastSeenMs).toISOString()}.`, [
            { node: n.name, probe: 'agent', atMs: n.agent.lastSeenMs, says: 'last push' },
          ]),
        ),
    ),
};

export const probeFailing: Rule = {
  name: 'ProbeFailing',
  severity: 'warning',
  forMs: 60_000,
  runbook: 'A probe keeps failing on this node: run `hawatch probe NAME --once` there to see the error.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      c.nodes
        .filter((n) => n.agentState === 'up')
        .flatMap((n) =>
          Object.values(n.probes)
            .filter((p) => p.status === 'failed' || p.status === 'timeout')
            .map((p) =>
              finding(probeFailing, c.name, { node: n.name, probe: p.probe }, `probe ${p.probe} ${p.status} on ${n.name}`, p.error ? `${p.error.code}: ${p.error.message}` : p.status, [
                { node: n.name, probe: p.probe, atMs: p.atMs, says: p.error ? `${p.error.code}: ${p.error.message}` : p.status },
              ]),
            ),
        ),
    ),
};

export const AGENT_RULES: readonly Rule[] = [agentStale, probeFailing];
