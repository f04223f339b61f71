// Seeds a real collector database in a data dir by replaying a recorded scenario through the real probes and the
// real store writer, on a simulated clock (the approach of test/helpers/replay.ts, minus model and alerts, and the
// data dir is kept for the SLA store, the report and the CLI to read).
import { vrrpReportAt } from '../../../demo/recorded-vrrp.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openDb } from '../../../collector/store/db.js';
import { StoreWriter } from '../../../collector/store/writer.js';
import { loadTimeline, startMs, endMs, type Timeline } from '../../../demo/timeline.js';
import { replayExec } from '../../../demo/replay-exec.js';
import { outcomeToObservation } from '../../../agent/scheduler.js';
import { pacemakerProbe } from '../../../agent/probes/pacemaker/probe.js';
import { vrrpSamples, vrrpStates } from '../../../agent/probes/vrrp/index.js';
import type { Probe } from '../../../agent/probes/types.js';
import type { PushBatch } from '../../../agent/protocol/index.js';
import { SCENARIOS_DIR } from '../../helpers/replay.js';

export interface Seeded {
  timeline: Timeline;
  /** Wall-clock ms of t_ms 0. */
  origin: number;
  /** Wall-clock ms of scenario time t. */
  wall: (tMs: number) => number;
  /** First and last replay step, wall-clock ms. */
  firstMs: number;
  lastMs: number;
  probeEveryMs: number;
}

/** The node's vrrp view at scenario time t, from what keepalived and ip printed up to then (as the VRRP replay tests do). */
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

export const seedScenario = async (scenario: string, dataDir: string, opts: { cluster: string; probeEveryMs?: number; stepMs?: number }): Promise<Seeded> => {
  const timeline = loadTimeline(join(SCENARIOS_DIR, scenario));
  const db = openDb(dataDir);
  try {
    const writer = new StoreWriter(db);
    const origin = Date.parse(timeline.eventWallclockUtc);
    const probeEvery = opts.probeEveryMs ?? 1000;
    const step = opts.stepMs ?? 250;
    let t = startMs(timeline);
    const clock = () => origin + t;
    const firstMs = clock();
    const end = endMs(timeline);
    const nextProbe = new Map(timeline.nodes.map((n, i) => [n, t + (i * probeEvery) / timeline.nodes.length]));
    const seq = new Map<string, number>();
    const probesOf = (node: string): Probe[] => (timeline.lab === 'pacemaker' ? [pacemakerProbe as Probe] : recordedVrrp(timeline, node, () => t));
    let last = firstMs;
    for (; t <= end; t += step) {
      for (const node of timeline.nodes) {
        if ((nextProbe.get(node) ?? 0) > t) continue;
        nextProbe.set(node, t + probeEvery);
        const exec = replayExec(timeline, node, () => t);
        const observations = [];
        for (const probe of probesOf(node)) {
          const outcome = await probe.run({ exec, timeoutMs: 5_000, node, now: clock });
          observations.push(outcomeToObservation(probe.name, outcome, clock(), 1));
        }
        const s = (seq.get(node) ?? 0) + 1;
        seq.set(node, s);
        const batch: PushBatch = {
          protocol: 1,
          cluster: opts.cluster,
          node,
          // Distinct per cluster and node, so several scenarios can share one data dir.
          agentInstance: `00000000-0000-4000-8000-${createHash('sha256').update(`${opts.cluster}/${node}`).digest('hex').slice(0, 12)}`,
          agentVersion: 'replay',
          seq: s,
          sealedAt: clock(),
          intervalMs: probeEvery,
          observations,
        };
        writer.writeBatches([batch], clock());
      }
      last = clock();
    }
    return { timeline, origin, wall: (x) => origin + x, firstMs, lastMs: last, probeEveryMs: probeEvery };
  } finally {
    db.close();
  }
};
