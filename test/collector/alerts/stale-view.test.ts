// Reports are taken at different moments. A stale report of an old DC (everyone online under it) next to a fresh
// report of a new partition must not look like two quorate partitions (found in the namespace lab, issue 9).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseCrmMonXml } from '../../../agent/probes/pacemaker/parse.js';
import { ClusterModel } from '../../../collector/model/model.js';
import { pacemakerSplitBrain } from '../../../collector/alerts/rules/pacemaker.js';
import { loadTimeline, sampleAt } from '../../../demo/timeline.js';
import type { PushBatch } from '../../../agent/protocol/index.js';
import { SCENARIOS_DIR } from '../../helpers/replay.js';

const tl = loadTimeline(join(SCENARIOS_DIR, 'pcmk2-split-brain'));
const CRM = ['crm_mon', '--output-as=xml', '--include=all'];
const reportAt = (node: string, t: number) => {
  const r = parseCrmMonXml(sampleAt(tl, node, CRM, t)!.stdout);
  if (!r.ok) throw r.error;
  return r.value;
};
const push = (model: ClusterModel, node: string, t: number, at: number) => {
  const b: PushBatch = {
    protocol: 1, cluster: 'hwlab', node, agentInstance: `00000000-0000-4000-8000-00000000000${node.slice(1)}`, agentVersion: 't', seq: 1, sealedAt: at, intervalMs: 10_000,
    observations: [{ probe: 'pacemaker', at, durationMs: 1, status: 'ok', report: reportAt(node, t), samples: [], states: [] }],
  };
  model.applyBatch(b, at);
};

describe('PacemakerSplitBrain and reports of different moments', () => {
  it('a stale all-online view next to a fresh partition view is not split brain', () => {
    const model = new ClusterModel({ staleAfterIntervals: 3, now: () => 1_000_000 });
    push(model, 'n1', -1_000, 999_000); // before the event: DC n1 with quorum, n1 and n2 online
    push(model, 'n2', 10_000, 999_500); // during the split: n2 is DC of its own quorate partition {n2}
    const views = model.snapshot().clusters[0]!.pacemaker.dcs;
    expect(views.map((d) => [d.name, d.withQuorum])).toEqual([['n1', true], ['n2', true]]);
    expect(pacemakerSplitBrain.evaluate(model.snapshot())).toEqual([]);
  });

  it('two disjoint quorate partitions are split brain', () => {
    const model = new ClusterModel({ staleAfterIntervals: 3, now: () => 1_000_000 });
    push(model, 'n1', 10_000, 999_000);
    push(model, 'n2', 10_000, 999_500);
    const found = pacemakerSplitBrain.evaluate(model.snapshot());
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.map((e) => e.node).sort()).toEqual(['n1', 'n2']);
  });
});
