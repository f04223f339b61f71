// hawatch_sla_* on a real collector's /metrics over a real store (test/collector/rest/availability-fixture.ts):
// the same numbers as the REST Availability entries, absent where a figure does not exist, not recomputed per
// scrape, and `promtool check metrics` has nothing to say about the scrape.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_TOKEN } from '../../helpers/collector.js';
import { startAvailabilityFixture, VIP, type AvailabilityFixture } from '../rest/availability-fixture.js';

const PROMTOOL = '/usr/bin/promtool';
type Json = Record<string, any>;
let fx: AvailabilityFixture;

const scrape = async (): Promise<string> => {
  const r = await fetch(`${fx.c.url}/metrics`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  expect(r.status).toBe(200);
  return r.text();
};
const rest = async (path: string): Promise<Json> =>
  (await (await fetch(`${fx.c.url}${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as Json;

/** name → labels text → value, for the hawatch_sla_ families. */
const slaSamples = (text: string): Map<string, Map<string, number>> => {
  const out = new Map<string, Map<string, number>>();
  for (const m of text.matchAll(/^(hawatch_sla_[a-z_]+)\{([^}]*)\} (\S+)$/gm)) {
    const [, name, labels, value] = m as unknown as [string, string, string, string];
    if (!out.has(name)) out.set(name, new Map());
    out.get(name)?.set(labels, Number(value));
  }
  return out;
};
const labels = (cluster: string, sla: string, object: string, kind: string) => `cluster="${cluster}",sla="${sla}",object="${object}",kind="${kind}",period="current"`;

beforeAll(async () => {
  fx = await startAvailabilityFixture();
}, 120_000);
afterAll(async () => {
  await fx?.cleanup();
});

describe('hawatch_sla_* in /metrics', () => {
  it('the VIP: every family, equal to the REST entry', async () => {
    const s = slaSamples(await scrape());
    const o = await rest(`/api/v1/Availability/services/Objects/${encodeURIComponent(`vr~vip~${VIP}`)}`);
    const l = labels('vr', 'services', VIP, 'vip');
    const v = (name: string) => s.get(name)?.get(l);
    expect(v('hawatch_sla_availability_ratio')).toBeCloseTo(o['AvailabilityPercent'] / 100, 12);
    expect(v('hawatch_sla_objective_ratio')).toBe(0.999);
    expect(v('hawatch_sla_error_budget_remaining_ratio')).toBeCloseTo(o['ErrorBudgetRemainingPercent'] / 100, 12);
    expect(v('hawatch_sla_burn_rate')).toBeCloseTo(o['BurnRate'], 12);
    expect(v('hawatch_sla_downtime_seconds')).toBe(o['DowntimeSeconds']);
    expect(v('hawatch_sla_counted_seconds')).toBeCloseTo(o['UptimeSeconds'] + o['DowntimeSeconds'], 9);
    expect(v('hawatch_sla_incidents')).toBe(1);
    expect(v('hawatch_sla_mtbf_seconds')).toBe(o['MTBFSeconds']);
    expect(v('hawatch_sla_mttr_seconds')).toBe(o['MTTRSeconds']);
    expect(v('hawatch_sla_mtta_seconds')).toBe(42);
  });

  it('a figure that does not exist has no series: dummy in maintenance all day (no counted time, no budget)', async () => {
    const s = slaSamples(await scrape());
    const l = labels('sb', 'services', 'dummy', 'resource');
    expect(s.get('hawatch_sla_downtime_seconds')?.get(l)).toBe(0);
    expect(s.get('hawatch_sla_incidents')?.get(l)).toBe(0);
    for (const absent of ['hawatch_sla_availability_ratio', 'hawatch_sla_error_budget_remaining_ratio', 'hawatch_sla_burn_rate', 'hawatch_sla_mtbf_seconds', 'hawatch_sla_mttr_seconds', 'hawatch_sla_mtta_seconds']) {
      expect(s.get(absent)?.has(l) ?? false, absent).toBe(false);
    }
  });

  it('one series per object and SLA: members has sb\'s cluster and nodes at 99.5 %', async () => {
    const s = slaSamples(await scrape());
    expect([...(s.get('hawatch_sla_objective_ratio')?.entries() ?? [])].sort()).toEqual(
      [
        [labels('sb', 'services', 'dummy', 'resource'), 0.999],
        [labels('vr', 'services', VIP, 'vip'), 0.999],
        [labels('sb', 'members', 'n1', 'node'), 0.995],
        [labels('sb', 'members', 'n2', 'node'), 0.995],
        [labels('sb', 'members', 'cluster', 'cluster'), 0.995],
      ].sort(),
    );
  });

  it('is not recomputed per scrape: the same figures for 10 s, then the new time', async () => {
    const t0 = fx.clock.now;
    const l = labels('vr', 'services', VIP, 'vip');
    const counted = (text: string) => slaSamples(text).get('hawatch_sla_counted_seconds')?.get(l) as number;
    const a = await scrape();
    fx.clock.now = t0 + 5_000;
    const b = await scrape();
    expect(counted(b)).toBe(counted(a));
    // Past the cache's 10 s: recomputed at the new time, 20 s more of the VIP held by one node.
    fx.clock.now = t0 + 20_000;
    const c = await scrape();
    expect(counted(c)).toBeCloseTo(counted(a) + 20, 6);
    fx.clock.now = t0;
  });

  it.skipIf(!existsSync(PROMTOOL))('promtool check metrics has nothing to say about the scrape', async () => {
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: await scrape(), encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });
});
