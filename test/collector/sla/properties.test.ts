// Property-style checks over random histories, policies, windows and clocks (seeded, so repeatable):
// the five classes add up to the evaluated window, the ratio stays in [0, 1], incidents and MTTR agree.
import { describe, expect, it } from 'vitest';
import {
  AVAILABILITIES,
  availabilityFromTransitions,
  combineService,
  debounceIntervals,
  evaluatedRange,
  objectIntervals,
  slaPolicy,
  type Availability,
  type SlaPolicy,
  type Transition,
} from '../../../collector/sla/index.js';
import { MIN, prng } from './helpers.js';

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

const randomHistory = (rnd: () => number): Transition[] => {
  const out: Transition[] = [];
  let t = -200 * MIN + Math.floor(rnd() * 100 * MIN);
  const n = Math.floor(rnd() * 40);
  for (let i = 0; i < n; i++) {
    out.push({ atMs: t, availability: pick(rnd, AVAILABILITIES) });
    t += Math.floor(rnd() * rnd() * 120 * MIN); // often short (blips and ties), sometimes long
  }
  return out;
};

const randomPolicy = (rnd: () => number): SlaPolicy =>
  slaPolicy({
    slo: pick(rnd, [0.9, 0.99, 0.999, 1]),
    degraded: pick(rnd, ['up', 'down'] as const),
    unknown: pick(rnd, ['excluded', 'up', 'down'] as const),
    debounceMs: pick(rnd, [0, 1, 5, 30]) * MIN,
    excludeMaintenance: rnd() < 0.7,
    maintenance: Array.from({ length: Math.floor(rnd() * 3) }, () => {
      const f = Math.floor(rnd() * 1200 - 100) * MIN;
      return { fromMs: f, toMs: f + Math.floor(rnd() * 200) * MIN };
    }),
  });

describe('SLA maths properties (2,000 random cases)', () => {
  it('holds for every case', () => {
    const rnd = prng(2026);
    for (let n = 0; n < 2000; n++) {
      const t = randomHistory(rnd);
      const policy = randomPolicy(rnd);
      const window = { fromMs: 0, toMs: 1000 * MIN };
      const nowMs = pick(rnd, [-10, 0, 300, 999, 1000, 1500]) * MIN + Math.floor(rnd() * 1000);
      const ctx = `case ${n}`;
      const r = availabilityFromTransitions(t, policy, window, nowMs);
      const e = evaluatedRange(window, nowMs);
      const len = e.toMs - e.fromMs;

      expect(r.uptimeMs + r.downtimeMs + r.degradedMs + r.unknownMs + r.maintenanceMs, ctx).toBe(len);
      expect(r.countedUpMs + r.countedDownMs + r.excludedMs, ctx).toBe(len);
      if (r.availabilityRatio !== null) {
        expect(r.availabilityRatio, ctx).toBeGreaterThanOrEqual(0);
        expect(r.availabilityRatio, ctx).toBeLessThanOrEqual(1);
      } else expect(r.countedUpMs + r.countedDownMs, ctx).toBe(0);
      expect(r.incidentList.reduce((s, i) => s + i.downMs, 0), ctx).toBe(r.countedDownMs);
      expect(r.incidents === 0, ctx).toBe(r.countedDownMs === 0);
      if (r.incidents > 0) expect((r.mttrMs as number) * r.incidents, ctx).toBeCloseTo(r.countedDownMs, 3);
      expect(r.incidentList.filter((i) => i.open).length, ctx).toBeLessThanOrEqual(1);
      expect(r.errorBudgetRemainingMs, ctx).toBeCloseTo(r.errorBudgetMs - r.countedDownMs, 3);
      if (r.burnRate !== null) expect(r.burnRate, ctx).toBeGreaterThanOrEqual(0);

      // Intervals: sorted, touching, covering the evaluated range, no two neighbours of one class.
      const ivs = objectIntervals(t, window, nowMs, policy);
      if (len === 0) expect(ivs, ctx).toEqual([]);
      else {
        expect(ivs[0]?.fromMs, ctx).toBe(e.fromMs);
        expect(ivs[ivs.length - 1]?.toMs, ctx).toBe(e.toMs);
      }
      ivs.forEach((x, i) => {
        expect(x.toMs, ctx).toBeGreaterThan(x.fromMs);
        const prev = ivs[i - 1];
        if (prev !== undefined) {
          expect(x.fromMs, ctx).toBe(prev.toMs);
          expect(x.availability, ctx).not.toBe(prev.availability);
        }
      });
      // Debouncing twice changes nothing.
      const once = debounceIntervals(ivs, policy.debounceMs);
      expect(debounceIntervals(once, policy.debounceMs), ctx).toEqual(once);
    }
  });

  it('one reporter: the service has the node\'s own timeline', () => {
    const rnd = prng(7);
    for (let n = 0; n < 300; n++) {
      const t = randomHistory(rnd);
      const ivs = objectIntervals(t, { fromMs: 0, toMs: 1000 * MIN }, 1000 * MIN, slaPolicy());
      const s = combineService([{ node: 'n1', intervals: ivs }], { fromMs: 0, toMs: 1000 * MIN });
      expect(s.map(({ fromMs, toMs, availability }) => ({ fromMs, toMs, availability })), `case ${n}`).toEqual(ivs);
      expect(s.every((x) => (x.state as Availability) === x.availability)).toBe(true);
    }
  });
});
