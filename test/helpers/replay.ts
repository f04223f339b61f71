// Replays a recorded real scenario through the real probes, the real store writer and model, and the alert
// engine, on a simulated clock: every node's agent probes its recorded outputs, its observations are stored as a
// push would store them, and the engine evaluates after each step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../collector/store/db.js';
import { StoreWriter } from '../../collector/store/writer.js';
import { ClusterModel } from '../../collector/model/model.js';
import { AlertEngine, AlertStore } from '../../collector/alerts/engine.js';
import { SqliteRuleContext } from '../../collector/alerts/rules/history.js';
import type { Rule } from '../../collector/alerts/rules/types.js';
import type { AlertNotification } from '../../collector/alerts/types.js';
import { loadTimeline, startMs, endMs, type Timeline } from '../../demo/timeline.js';
import { replayExec } from '../../demo/replay-exec.js';
import { outcomeToObservation } from '../../agent/scheduler.js';
import type { Probe } from '../../agent/probes/types.js';
import type { PushBatch } from '../../agent/protocol/index.js';

export interface ReplayResult {
  timeline: Timeline;
  /** Notifications with the scenario time (t_ms) at which the engine produced them. */
  notifications: (AlertNotification & { tMs: number })[];
  engine: AlertEngine;
  model: ClusterModel;
  cleanup(): void;
}

export const SCENARIOS_DIR = join(import.meta.dirname, '..', '..', 'demo', 'scenarios');

export const replayScenario = async (
  scenario: string,
  opts: {
    /** The probes every node runs; a function gives each node its own (probes that read recordings, not exec). */
    probes: Probe[] | ((timeline: Timeline, node: string, scenarioTime: () => number) => Probe[]);
    rules: readonly Rule[];
    cluster: string;
    probeEveryMs?: number;
    stepMs?: number;
    untilMs?: number;
  },
): Promise<ReplayResult> => {
  const timeline = loadTimeline(join(SCENARIOS_DIR, scenario));
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-replay-'));
  const db = openDb(dir);
  const writer = new StoreWriter(db);
  const origin = Date.parse(timeline.eventWallclockUtc ?? '2026-11-23T00:00:00Z');
  let t = startMs(timeline);
  const clock = () => origin + t;
  const model = new ClusterModel({ staleAfterIntervals: 3, now: clock });
  const engine = new AlertEngine({ rules: opts.rules, store: new AlertStore(db), history: new SqliteRuleContext(db, { now: clock }) });
  const probeEvery = opts.probeEveryMs ?? 1000;
  const step = opts.stepMs ?? 250;
  const end = opts.untilMs ?? endMs(timeline);
  const seq = new Map<string, number>();
  const nextProbe = new Map<string, number>(timeline.nodes.map((n, i) => [n, t + (i * probeEvery) / timeline.nodes.length]));
  const notifications: ReplayResult['notifications'] = [];
  const probesOf = new Map(timeline.nodes.map((n) => [n, typeof opts.probes === 'function' ? opts.probes(timeline, n, () => t) : opts.probes]));
  for (; t <= end; t += step) {
    for (const node of timeline.nodes) {
      if ((nextProbe.get(node) ?? 0) > t) continue;
      nextProbe.set(node, t + probeEvery);
      const exec = replayExec(timeline, node, () => t);
      const observations = [];
      for (const probe of probesOf.get(node) ?? []) {
        const outcome = await probe.run({ exec, timeoutMs: 5_000, node, now: clock });
        observations.push(outcomeToObservation(probe.name, outcome, clock(), 1));
      }
      const s = (seq.get(node) ?? 0) + 1;
      seq.set(node, s);
      const batch: PushBatch = {
        protocol: 1, cluster: opts.cluster, node, agentInstance: `00000000-0000-4000-8000-${String(timeline.nodes.indexOf(node)).padStart(12, '0')}`,
        agentVersion: 'replay', seq: s, sealedAt: clock(), intervalMs: probeEvery, observations,
      };
      const [outcome] = writer.writeBatches([batch], clock());
      if (outcome && !outcome.ack.duplicate) model.applyBatch(batch, clock());
    }
    for (const n of engine.evaluate(model.snapshot())) notifications.push({ ...n, tMs: t });
  }
  return { timeline, notifications, engine, model, cleanup: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
};

/** A compact line per notification, for readable assertions and failure messages. */
export const describe = (n: AlertNotification & { tMs: number }): string =>
  `${n.kind} ${n.alert.rule}${Object.keys(n.alert.labels).length ? ` ${JSON.stringify(n.alert.labels)}` : ''}`;
