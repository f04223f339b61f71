// The sla probe: the node's local state history (durable, agent absences as unknown, pruned) and the figures
// computed from it with the collector's own SLA maths: hand-computed histories, and the recorded real
// pcmk3-resource-fail run replayed through the real pacemaker probe as node n1's agent would have seen it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pacemakerProbe } from '../../../../agent/probes/pacemaker/probe.js';
import { PROBES } from '../../../../agent/probes/index.js';
import { LocalStateHistory } from '../../../../agent/probes/sla/history.js';
import { SLA_LOCAL_METRICS, slaSamples, windowLabel } from '../../../../agent/probes/sla/observe.js';
import { computeLocalSla, createSlaProbe, SlaOptionsError, slaProbeOptions } from '../../../../agent/probes/sla/probe.js';
import { replayExec } from '../../../../demo/replay-exec.js';
import { endMs, loadTimeline, startMs } from '../../../../demo/timeline.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable } from '../../../helpers/readme-metrics.js';
import { SCENARIOS_DIR } from '../../../helpers/replay.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const dirs: string[] = [];
const histories: LocalStateHistory[] = [];
const file = () => {
  const d = mkdtempSync(join(tmpdir(), 'hawatch-sla-history-'));
  dirs.push(d);
  return join(d, 'h.sqlite');
};
const open = (path: string, at: number) => {
  const h = LocalStateHistory.open(path, at);
  histories.push(h);
  return h;
};
afterEach(() => {
  for (const h of histories.splice(0)) h.close(T0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const res = (availability: 'up' | 'down' | 'degraded' | 'unknown') => [{ kind: 'pcmk_resource', id: 'db', state: availability === 'up' ? 'Started n1' : 'Stopped', availability }];
const opts = (o: Record<string, unknown> = {}) => slaProbeOptions({ windowsSeconds: [3600], ...o });

describe('local state history', () => {
  it('records only changes, and the figures of one incident in an hour are the hand-computed ones', () => {
    const h = open(file(), T0 - 60 * MIN);
    for (let t = T0 - 60 * MIN; t < T0; t += MIN) {
      // up, except down from -40 min to -30 min
      h.record(res(t >= T0 - 40 * MIN && t < T0 - 30 * MIN ? 'down' : 'up'), t);
    }
    expect(h.transitions('pcmk_resource', 'db', T0 - 60 * MIN, T0)).toEqual([
      { atMs: T0 - 60 * MIN, availability: 'up' },
      { atMs: T0 - 40 * MIN, availability: 'down' },
      { atMs: T0 - 30 * MIN, availability: 'up' },
    ]);
    const [o] = computeLocalSla(h, opts(), T0).objects;
    expect(o).toEqual({
      kind: 'pcmk_resource',
      id: 'db',
      availability: 'up',
      windows: [{ seconds: 3600, availabilityRatio: 50 / 60, downtimeSeconds: 600, unknownSeconds: 0, incidents: 1, mtbfSeconds: 3000, mttrSeconds: 600 }],
    });
  });

  it('the agent being down is unknown, not up, and survives a restart (durable)', () => {
    const path = file();
    const a = open(path, T0 - 60 * MIN);
    a.record(res('up'), T0 - 60 * MIN);
    a.close(T0 - 50 * MIN); // the agent stops 50 min ago ...
    histories.splice(histories.indexOf(a), 1);
    const b = open(path, T0 - 20 * MIN); // ... and starts again 20 min ago
    b.record(res('down'), T0 - 20 * MIN);
    b.record(res('up'), T0 - 10 * MIN);
    const [o] = computeLocalSla(b, opts(), T0).objects;
    // counted: 10 min up, 10 min down, then 10 min up; 30 min unknown (excluded)
    expect(o!.windows[0]).toEqual({ seconds: 3600, availabilityRatio: 2 / 3, downtimeSeconds: 600, unknownSeconds: 1800, incidents: 1, mtbfSeconds: 1200, mttrSeconds: 600 });
  });

  it('an open incident counts to now; debounce drops blips; prune keeps the state at the window start', () => {
    const h = open(file(), T0 - 60 * MIN);
    h.record(res('up'), T0 - 60 * MIN);
    h.record(res('down'), T0 - 50 * MIN);
    h.record(res('up'), T0 - 50 * MIN + 20_000); // a 20 s blip
    h.record(res('down'), T0 - 5 * MIN); // still down at now
    expect(computeLocalSla(h, opts(), T0).objects[0]!.windows[0]).toMatchObject({ incidents: 2, downtimeSeconds: 320 });
    expect(computeLocalSla(h, opts({ debounceSeconds: 30 }), T0).objects[0]!.windows[0]).toMatchObject({ incidents: 1, downtimeSeconds: 300 });
    h.prune(T0 - 30 * MIN);
    // the rows before -30 min are gone except the last one, which still says "up" at the window's start
    expect(h.transitions('pcmk_resource', 'db', T0 - 30 * MIN, T0)).toEqual([
      { atMs: T0 - 30 * MIN, availability: 'up' },
      { atMs: T0 - 5 * MIN, availability: 'down' },
    ]);
  });
});

describe('the sla probe', () => {
  it('is registered; options default to a day and thirty days; bad options fail fast', () => {
    expect(PROBES['sla']).toBeDefined();
    expect(slaProbeOptions()).toEqual({ windowsSeconds: [86_400, 2_592_000], debounceSeconds: 0, degradedAs: 'up', kinds: [], maxObjects: 5_000 });
    expect(() => slaProbeOptions({ windowsSeconds: [] })).toThrow(SlaOptionsError);
    expect(windowLabel(86_400)).toBe('1d');
    expect(windowLabel(3_600)).toBe('1h');
    expect(windowLabel(90)).toBe('90s');
  });

  it('without a history it is absent; with one it reports samples', async () => {
    const none = await createSlaProbe({}, null).run({ exec: async () => ({ kind: 'absent', message: '' }), timeoutMs: 1000, node: 'n1', now: () => T0 });
    expect(none.status).toBe('absent');
    const h = open(file(), T0 - 60 * MIN);
    h.record(res('up'), T0 - 60 * MIN);
    const o = await createSlaProbe({ windowsSeconds: [3600] }, h).run({ exec: async () => ({ kind: 'absent', message: '' }), timeoutMs: 1000, node: 'n1', now: () => T0 });
    expect(o.status).toBe('ok');
    expect(o.samples).toContainEqual({ metric: 'hawatch_sla_local_availability_ratio', labels: { kind: 'pcmk_resource', object: 'db', window: '1h' }, value: 1 });
  });

  it("README metric table lists SLA_LOCAL_METRICS, and a report with an incident emits every one", () => {
    const table = probeReadmeTable('sla');
    expectTableListsMetrics(table, SLA_LOCAL_METRICS);
    const h = open(file(), T0 - 60 * MIN);
    h.record(res('up'), T0 - 60 * MIN);
    h.record(res('down'), T0 - 30 * MIN);
    h.record(res('up'), T0 - 20 * MIN);
    expectEmittedAsListed(table, slaSamples(computeLocalSla(h, opts(), T0)));
  });
});

describe('node n1 of the recorded pcmk3-resource-fail, through the real pacemaker probe', () => {
  it("the ~2 s in which crm_mon shows dummy Stopped after the cleanup is one short incident; a 5 s debounce drops it", async () => {
    const timeline = loadTimeline(join(SCENARIOS_DIR, 'pcmk3-resource-fail'));
    const origin = Date.parse(timeline.eventWallclockUtc ?? '2026-11-23T00:00:00Z');
    const from = startMs(timeline);
    const h = open(file(), origin + from);
    let t = from;
    const exec = replayExec(timeline, 'n1', () => t);
    const stopped: number[] = [];
    for (; t <= endMs(timeline); t += 250) {
      const o = await pacemakerProbe.run({ exec, timeoutMs: 5_000, node: 'n1', now: () => origin + t });
      if (o.status !== 'ok') continue;
      h.record(o.states, origin + t);
      const dummy = o.states.find((s) => s.kind === 'pcmk_resource' && s.id === 'dummy');
      if (dummy && dummy.availability === 'down') stopped.push(t);
    }
    const now = origin + endMs(timeline);
    const window = Math.ceil((endMs(timeline) - from) / 1000);
    const dummy = (o: Record<string, unknown>) =>
      computeLocalSla(h, slaProbeOptions({ windowsSeconds: [window], ...o }), now).objects.find((x) => x.kind === 'pcmk_resource' && x.id === 'dummy')!;
    // What the recording shows: dummy down only after the cleanup at +15 s, back by about +18 s.
    expect(stopped.length).toBeGreaterThan(0);
    expect(Math.min(...stopped)).toBeGreaterThanOrEqual(15_000);
    expect(Math.max(...stopped)).toBeLessThan(18_500);
    const w = dummy({}).windows[0]!;
    expect(w.incidents).toBe(1);
    expect(w.downtimeSeconds).toBeGreaterThanOrEqual((Math.max(...stopped) - Math.min(...stopped)) / 1000);
    expect(w.downtimeSeconds).toBeLessThanOrEqual((Math.max(...stopped) - Math.min(...stopped)) / 1000 + 0.25);
    expect(w.availabilityRatio).toBeGreaterThan(0.8);
    expect(dummy({ debounceSeconds: 5 }).windows[0]).toMatchObject({ incidents: 0, downtimeSeconds: 0, availabilityRatio: 1 });
  });
});
