// Feeding a real collector with real data for the REST tests: recorded tool outputs (demo scenarios, probe
// fixtures, shared fixtures) go through the agent's real probes or parsers and are pushed, batch by batch, to
// the collector's real ingest route.
import { vrrpReportAt } from '../../../demo/recorded-vrrp.js';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { push } from '../../helpers/collector.js';
import { loadTimeline, endMs, startMs } from '../../../demo/timeline.js';
import { replayExec } from '../../../demo/replay-exec.js';
import { outcomeToObservation } from '../../../agent/scheduler.js';
import { pacemakerProbe } from '../../../agent/probes/pacemaker/probe.js';
import { parseCrmMonXml } from '../../../agent/probes/pacemaker/parse.js';
import { pacemakerSamples, pacemakerStates } from '../../../agent/probes/pacemaker/observe.js';
import { createCorosyncProbe } from '../../../agent/probes/corosync/probe.js';
import { vrrpSamples, vrrpStates } from '../../../agent/probes/vrrp/observe.js';
import { parseDrbdStatusJson } from '../../../agent/probes/drbd/parse.js';
import { drbdSamples, drbdStates } from '../../../agent/probes/drbd/observe.js';
import type { Observation, PushBatch } from '../../../agent/protocol/index.js';
import type { Probe } from '../../../agent/probes/types.js';
import { SHARED_FIXTURES } from '../../helpers/shared-fixtures.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const SCENARIOS = join(ROOT, 'demo', 'scenarios');
export const PCMK_FIXTURES = join(ROOT, 'test', 'fixtures', 'probes', 'pacemaker');
export { SHARED_FIXTURES };

// Long enough that no fed agent turns stale while the tests run (stale data would drop out of the views).
const INTERVAL_MS = 3_600_000;

/** One agent's outbox: a stable instance id and increasing sequence numbers. */
export class Outbox {
  private seq = 0;
  constructor(
    readonly cluster: string,
    readonly node: string,
    private readonly instance: string,
  ) {}

  async send(url: string, observations: Observation[], atMs: number): Promise<void> {
    this.seq += 1;
    const batch: PushBatch = {
      protocol: 1,
      cluster: this.cluster,
      node: this.node,
      agentInstance: this.instance,
      agentVersion: 'rest-test',
      seq: this.seq,
      sealedAt: atMs,
      intervalMs: INTERVAL_MS,
      observations,
    };
    const res = await push(url, batch);
    expect(res.status, `push ${this.cluster}/${this.node} #${this.seq}: ${await res.clone().text()}`).toBe(200);
  }
}

const instanceId = () => randomUUID();

/**
 * Replay a recorded Pacemaker scenario: every node runs the real pacemaker and corosync probes against its
 * recording once per `stepMs` of scenario time, up to `untilMs`, and pushes what they report.
 */
export const feedPacemakerScenario = async (url: string, scenario: string, cluster: string, untilMs: number, stepMs = 1000): Promise<{ origin: number }> => {
  const timeline = loadTimeline(join(SCENARIOS, scenario));
  const origin = Date.parse(timeline.eventWallclockUtc);
  const probes: Probe[] = [pacemakerProbe as Probe, createCorosyncProbe() as Probe];
  const outboxes = new Map(timeline.nodes.map((n) => [n, new Outbox(cluster, n, instanceId())]));
  const end = Math.min(untilMs, endMs(timeline));
  for (let t = startMs(timeline); t <= end; t += stepMs) {
    for (const node of timeline.nodes) {
      const exec = replayExec(timeline, node, () => t);
      const observations: Observation[] = [];
      for (const p of probes) {
        const outcome = await p.run({ exec, timeoutMs: 5000, node, now: () => origin + t });
        observations.push(outcomeToObservation(p.name, outcome, origin + t, 5));
      }
      await outboxes.get(node)!.send(url, observations, origin + t);
    }
  }
  return { origin };
};

/** One crm_mon XML fixture as the report of `node` (the fixture's DC, usually). */
export const feedPacemakerFixture = async (url: string, fixture: string, cluster: string, node?: string): Promise<string> => {
  const xml = readFileSync(join(PCMK_FIXTURES, fixture, 'input.xml'), 'utf8');
  const parsed = parseCrmMonXml(xml);
  if (!parsed.ok) throw parsed.error;
  const report = parsed.value;
  const reporter = node ?? (report.running && report.dc ? report.dc.name : 'node1');
  const at = Date.now();
  await new Outbox(cluster, reporter, instanceId()).send(
    url,
    [{ probe: 'pacemaker', at, durationMs: 20, status: 'ok', report, samples: pacemakerSamples(report), states: pacemakerStates(report) }],
    at,
  );
  return reporter;
};

/**
 * Replay a recorded keepalived scenario up to `untilMs`: each node's vrrp report is built, as the probe builds it,
 * from the notify-FIFO lines read so far, the latest JSON dump and the latest `ip -j addr show`.
 */
export const feedVrrpScenario = async (url: string, scenario: string, cluster: string, untilMs: number, stepMs = 1000): Promise<void> => {
  const timeline = loadTimeline(join(SCENARIOS, scenario));
  const origin = Date.parse(timeline.eventWallclockUtc);
  const outboxes = new Map(timeline.nodes.map((n) => [n, new Outbox(cluster, n, instanceId())]));
  const end = Math.min(untilMs, endMs(timeline));
  for (let t = startMs(timeline); t <= end; t += stepMs) {
    for (const node of timeline.nodes) {
      const report = vrrpReportAt(timeline, node, t, origin);
      const obs: Observation = { probe: 'vrrp', at: origin + t, durationMs: 3, status: 'ok', report, samples: vrrpSamples(report), states: vrrpStates(report) };
      await outboxes.get(node)!.send(url, [obs], origin + t);
    }
  }
};

export const DRBD_STATUS_JSON = join(SHARED_FIXTURES, 'drbd', 'status-json', 'ha_cluster_exporter__drbdsetup-status-json.json');
export const haveDrbdFixture = (): boolean => existsSync(DRBD_STATUS_JSON);

/** A collected `drbdsetup status --json` (shared fixtures) as the drbd report of `node`. */
export const feedDrbdStatus = async (url: string, cluster: string, node: string): Promise<void> => {
  const parsed = parseDrbdStatusJson(readFileSync(DRBD_STATUS_JSON, 'utf8'));
  if (!parsed.ok) throw parsed.error;
  const report = parsed.value;
  const at = Date.now();
  await new Outbox(cluster, node, instanceId()).send(
    url,
    [{ probe: 'drbd', at, durationMs: 4, status: 'ok', report, samples: drbdSamples(report), states: drbdStates(report) }],
    at,
  );
};
