// Small builders for the SLA tests: times are written in minutes and converted to ms.
import type { Availability, Interval, TimeRange, Transition } from '../../../collector/sla/index.js';

export const MIN = 60_000;

/** Transitions from [minute, class] pairs. */
export const tr = (list: readonly (readonly [number, Availability])[]): Transition[] =>
  list.map(([m, availability]) => ({ atMs: m * MIN, availability }));

/** Intervals from [fromMinute, toMinute, class] triples. */
export const iv = (list: readonly (readonly [number, number, Availability])[]): Interval[] =>
  list.map(([f, t, availability]) => ({ fromMs: f * MIN, toMs: t * MIN, availability }));

/** Intervals back in minutes, for readable expectations. */
export const inMinutes = (list: readonly Interval[]): [number, number, Availability][] =>
  list.map((i) => [i.fromMs / MIN, i.toMs / MIN, i.availability]);

export const win = (fromMin: number, toMin: number): TimeRange => ({ fromMs: fromMin * MIN, toMs: toMin * MIN });

/** Deterministic PRNG (mulberry32) so that property-style runs are repeatable; state lives in the closure. */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
