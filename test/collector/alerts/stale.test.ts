// Stale data is unknown: a silent node neither raises nor clears a split brain. Reports are real (recorded).
import { vrrpReportAt } from '../../../demo/recorded-vrrp.js';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { vrrpSamples, vrrpStates } from '../../../agent/probes/vrrp/index.js';
import { ClusterModel } from '../../../collector/model/model.js';
import { AlertEngine, AlertStore } from '../../../collector/alerts/engine.js';
import { RULES } from '../../../collector/alerts/rules/index.js';
import { openDb } from '../../../collector/store/db.js';
import { loadTimeline } from '../../../demo/timeline.js';
import type { PushBatch } from '../../../agent/protocol/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SCENARIOS_DIR } from '../../helpers/replay.js';

const timeline = loadTimeline(join(SCENARIOS_DIR, 'vrrp-split-brain-port'));

const batch = (node: string, t: number, at: number, seq: number): PushBatch => {
  const report = vrrpReportAt(timeline, node, t);
  return {
    protocol: 1, cluster: 'vrrplab', node, agentInstance: `00000000-0000-4000-8000-00000000000${node === 'node-a' ? 1 : 2}`, agentVersion: 't', seq, sealedAt: at,
    intervalMs: 1_000, observations: [{ probe: 'vrrp', at, durationMs: 1, status: 'ok', report, samples: vrrpSamples(report), states: vrrpStates(report) }],
  };
};

const setup = () => {
  let now = 1_000_000;
  const model = new ClusterModel({ staleAfterIntervals: 3, now: () => now });
  const engine = new AlertEngine({ rules: RULES, store: new AlertStore(openDb(mkdtempSync(join(tmpdir(), 'hawatch-stale-')))) });
  return { model, engine, advance: (ms: number) => (now += ms), now: () => now };
};

describe('stale nodes and split brain', () => {
  it('a MASTER claim from a silent node does not make a split brain', () => {
    const { model, engine, advance, now } = setup();
    // node-b last reported during the split (MASTER, VIP present) and then went silent; node-a keeps reporting.
    model.applyBatch(batch('node-b', 6_000, now(), 1), now());
    for (let i = 0; i < 10; i++) {
      advance(1_000);
      model.applyBatch(batch('node-a', 6_000, now(), i + 1), now());
      const fired = engine.evaluate(model.snapshot()).filter((n) => n.alert.rule === 'VrrpSplitBrain');
      // Fresh for 3 s: the split brain is real evidence and may fire; once node-b is stale nothing new fires.
      if (i >= 3) expect(fired.filter((n) => n.kind === 'firing')).toEqual([]);
    }
    expect(model.snapshot().clusters[0]!.nodes.find((n) => n.name === 'node-b')!.agentState).toBe('stale');
  });

  it('a firing split brain stays firing when a node in its evidence goes silent (silence is not a heal)', () => {
    const { model, engine, advance, now } = setup();
    for (let i = 0; i < 4; i++) {
      advance(1_000);
      model.applyBatch(batch('node-a', 6_000, now(), i + 1), now());
      model.applyBatch(batch('node-b', 6_000, now(), i + 1), now());
      engine.evaluate(model.snapshot());
    }
    expect(engine.openAlerts().find((a) => a.rule === 'VrrpSplitBrain')?.status).toBe('firing');
    // node-b goes silent; node-a keeps reporting its MASTER view.
    for (let i = 0; i < 10; i++) {
      advance(1_000);
      model.applyBatch(batch('node-a', 6_000, now(), 10 + i), now());
      const resolved = engine.evaluate(model.snapshot()).filter((n) => n.kind === 'resolved' && n.alert.rule === 'VrrpSplitBrain');
      expect(resolved).toEqual([]);
    }
    expect(engine.openAlerts().find((a) => a.rule === 'VrrpSplitBrain')?.status).toBe('firing');
    // node-b comes back healed (its recording after the heal): now the alert resolves.
    advance(1_000);
    model.applyBatch(batch('node-a', 25_000, now(), 30), now());
    model.applyBatch(batch('node-b', 25_000, now(), 30), now());
    const after = engine.evaluate(model.snapshot());
    expect(after.map((n) => `${n.kind} ${n.alert.rule}`)).toContain('resolved VrrpSplitBrain');
  });
});
