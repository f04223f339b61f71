// bench/sla: the SLA maths over a year of history for many objects (issue 8's goal: a full report < 1 s).
// History: per object, one flap a day (down at a random minute for 1..30 min, then up), plus an unknown
// hour now and then; 2026 in Europe/Berlin. Figures (best of 5 runs, after a warm-up):
//   month    one calendar month per object;
//   year     the whole year per object;
//   monthly  the twelve months of the year per object (a yearly report with a monthly breakdown);
//   service  objects paired into two-node services (VIP-like), whole year.
// Only collector/sla is imported, so it measures the maths and nothing else.
// Usage: npm run build && node dist/bench/sla.js [--objects N] [--seed N]
import {
  availabilityFromTransitions,
  calendar,
  serviceAvailability,
  slaPolicy,
  type Availability,
  type TimeRange,
  type Transition,
} from '../collector/sla/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const OBJECTS = Math.floor(arg('objects', 1000));
const SEED = Math.floor(arg('seed', 1));
const TZ = 'Europe/Berlin';
const MIN = 60_000;

const cal = calendar(TZ);
const year = cal.periodContaining(Date.parse('2026-07-01T00:00:00Z'), 'year');
const months = cal.periodsBetween(year.fromMs, year.toMs, 'month');
const days = cal.periodsBetween(year.fromMs, year.toMs, 'day');
const june = months[5] as TimeRange;
const NOW = year.toMs; // the report runs just after the year ends
const policy = slaPolicy({ slo: 0.999, debounceMs: 2 * MIN, maintenance: [{ fromMs: june.fromMs + 3 * 86_400_000, toMs: june.fromMs + 3 * 86_400_000 + 4 * 3_600_000 }] });

/** Deterministic PRNG (mulberry32); its state lives in this closure only. */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const history = (rnd: () => number): Transition[] => {
  const out: Transition[] = [{ atMs: year.fromMs - 86_400_000, availability: 'up' }];
  for (const d of days) {
    const downAt = d.fromMs + Math.floor(rnd() * 1380) * MIN;
    const bad: Availability = rnd() < 0.05 ? 'unknown' : 'down';
    out.push({ atMs: downAt, availability: bad });
    out.push({ atMs: downAt + (bad === 'unknown' ? 60 : 1 + Math.floor(rnd() * 30)) * MIN, availability: 'up' });
  }
  return out;
};

const rnd = prng(SEED);
const t0 = performance.now();
const objects = Array.from({ length: OBJECTS }, () => history(rnd));
const genMs = performance.now() - t0;
const transitions = objects.reduce((s, o) => s + o.length, 0);

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const measure = (name: string, units: number, unitName: string, run: () => number): void => {
  run(); // warm-up
  const times: number[] = [];
  let check = 0;
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    check = run();
    times.push(performance.now() - s);
  }
  const best = Math.min(...times);
  const median = [...times].sort((a, b) => a - b)[2] as number;
  console.log(
    `${name.padEnd(8)} ${fmt(units).padStart(6)} ${unitName.padEnd(22)} best ${fmt(best, 1).padStart(7)} ms  median ${fmt(median, 1).padStart(7)} ms  ` +
      `${fmt((units / best) * 1000).padStart(9)} ${unitName.split(' ')[0]}/s  (incidents ${fmt(check)})`,
  );
};

console.log(`bench/sla: ${fmt(OBJECTS)} objects, ${fmt(transitions)} transitions over ${year.label} (${TZ}), generated in ${fmt(genMs, 1)} ms`);
console.log(`node ${process.version}, policy slo ${policy.slo}, debounce ${policy.debounceMs / MIN} min, 1 maintenance window`);

measure('month', OBJECTS, 'objects (June)', () => objects.reduce((s, t) => s + availabilityFromTransitions(t, policy, june, NOW).incidents, 0));
measure('year', OBJECTS, 'objects (whole year)', () => objects.reduce((s, t) => s + availabilityFromTransitions(t, policy, year, NOW).incidents, 0));
measure('monthly', OBJECTS * months.length, 'object-months', () =>
  objects.reduce((s, t) => s + months.reduce((m, w) => m + availabilityFromTransitions(t, policy, w, NOW).incidents, 0), 0),
);
// Two-node services (VIP-like): node a as in its history; node b takes the VIP 20 s after a loses it and
// hands it back when a returns; a stale a (unknown) leaves b idle. The 20 s failover gaps are below the
// 2-minute debounce.
const pairs = Math.floor(OBJECTS / 2);
const services = Array.from({ length: pairs }, (_, i) => {
  const a = objects[2 * i] as Transition[];
  const b: Transition[] = a.map((x) => ({ atMs: x.availability === 'down' ? x.atMs + 20_000 : x.atMs, availability: x.availability === 'down' ? 'up' : 'down' }));
  return [
    { node: 'a', transitions: a },
    { node: 'b', transitions: b },
  ];
});
measure('service', pairs, 'services (2 nodes, year)', () => services.reduce((s, nodes) => s + serviceAvailability(nodes, year, NOW, policy).incidents, 0));
