// computeAvailability with hand-computed expectations. Times in minutes (helpers.ts); the window is
// [0, 1000) unless said otherwise, so 1 minute = 0.1 % of it.
import { describe, expect, it } from 'vitest';
import {
  availabilityFromTransitions,
  computeAvailability,
  downClasses,
  slaPolicy,
  type AlertAck,
  type Availability,
  type AvailabilityReport,
  type SlaPolicy,
} from '../../../collector/sla/index.js';
import { iv, MIN, tr, win } from './helpers.js';

const W = win(0, 1000);
const END = 1000 * MIN;

/** The figures of a report in minutes (ratios as is), so expectations read like the hand calculation. */
const inMin = (r: AvailabilityReport) => ({
  up: r.uptimeMs / MIN,
  down: r.downtimeMs / MIN,
  degraded: r.degradedMs / MIN,
  unknown: r.unknownMs / MIN,
  maintenance: r.maintenanceMs / MIN,
  countedUp: r.countedUpMs / MIN,
  countedDown: r.countedDownMs / MIN,
  excluded: r.excludedMs / MIN,
  ratio: r.availabilityRatio,
  incidents: r.incidents,
  mtbf: r.mtbfMs === null ? null : r.mtbfMs / MIN,
  mttr: r.mttrMs === null ? null : r.mttrMs / MIN,
});

interface Case {
  name: string;
  t: [number, Availability][];
  policy?: Partial<SlaPolicy>;
  nowMin?: number;
  want: Partial<ReturnType<typeof inMin>>;
}

const cases: Case[] = [
  {
    name: 'no incidents',
    t: [[0, 'up']],
    want: { up: 1000, down: 0, ratio: 1, incidents: 0, mtbf: null, mttr: null },
  },
  {
    // down since -50, up at 30: only [0,30) is inside. One incident, MTTR 30 (the part inside), MTBF 970/1.
    name: 'incident across the window start',
    t: [[-100, 'up'], [-50, 'down'], [30, 'up']],
    want: { up: 970, down: 30, ratio: 0.97, incidents: 1, mtbf: 970, mttr: 30 },
  },
  {
    // down from 990 to 1100: [990,1000) inside → 10 min, one incident.
    name: 'incident across the window end',
    t: [[0, 'up'], [990, 'down'], [1100, 'up']],
    nowMin: 2000,
    want: { up: 990, down: 10, ratio: 0.99, incidents: 1, mtbf: 990, mttr: 10 },
  },
  {
    // now = 700: evaluated [0,700); down [600,700) still open → counted to now. 600/700 = 0.857142...
    name: 'open incident runs to now',
    t: [[0, 'up'], [600, 'down']],
    nowMin: 700,
    want: { up: 600, down: 100, unknown: 0, ratio: 600 / 700, incidents: 1, mtbf: 600, mttr: 100 },
  },
  {
    // nothing known: everything unknown and, by default, excluded → no ratio rather than a made-up 100 %.
    name: 'empty history',
    t: [],
    want: { unknown: 1000, excluded: 1000, countedUp: 0, countedDown: 0, ratio: null, incidents: 0, mtbf: null, mttr: null },
  },
  {
    name: 'all unknown, unknown counted as down: one incident over the whole window',
    t: [[0, 'unknown']],
    policy: { unknown: 'down' },
    want: { unknown: 1000, down: 0, countedDown: 1000, ratio: 0, incidents: 1, mtbf: 0, mttr: 1000 },
  },
  {
    name: 'all unknown, unknown counted as up',
    t: [[0, 'unknown']],
    policy: { unknown: 'up' },
    want: { unknown: 1000, countedUp: 1000, ratio: 1, incidents: 0 },
  },
  {
    // three 10-minute outages: down 30, up 970; MTTR 30/3 = 10, MTBF 970/3.
    name: 'back-to-back flaps are separate incidents',
    t: [[0, 'up'], [100, 'down'], [110, 'up'], [120, 'down'], [130, 'up'], [140, 'down'], [150, 'up']],
    want: { up: 970, down: 30, ratio: 0.97, incidents: 3, mtbf: 970 / 3, mttr: 10 },
  },
  {
    name: 'the same flaps with a 15-minute debounce are blips',
    t: [[0, 'up'], [100, 'down'], [110, 'up'], [120, 'down'], [130, 'up'], [140, 'down'], [150, 'up']],
    policy: { debounceMs: 15 * MIN },
    want: { up: 1000, down: 0, ratio: 1, incidents: 0, mtbf: null, mttr: null },
  },
  {
    name: 'a debounce equal to the outage length keeps them (shorter than N is a blip)',
    t: [[0, 'up'], [100, 'down'], [110, 'up'], [120, 'down'], [130, 'up'], [140, 'down'], [150, 'up']],
    policy: { debounceMs: 10 * MIN },
    want: { down: 30, incidents: 3 },
  },
  {
    // up 850, degraded 100, down 50. degraded as up (default): 950/1000, one 50-minute incident.
    name: 'degraded counted as up',
    t: [[0, 'up'], [100, 'degraded'], [200, 'down'], [250, 'up']],
    want: { up: 850, degraded: 100, down: 50, countedUp: 950, countedDown: 50, ratio: 0.95, incidents: 1, mttr: 50, mtbf: 950 },
  },
  {
    // degraded as down: degraded [100,200) and down [200,250) are one run → one 150-minute incident.
    name: 'degraded counted as down joins the outage that follows',
    t: [[0, 'up'], [100, 'degraded'], [200, 'down'], [250, 'up']],
    policy: { degraded: 'down' },
    want: { countedUp: 850, countedDown: 150, ratio: 0.85, incidents: 1, mttr: 150, mtbf: 850 },
  },
  {
    // down [100,200), maintenance [150,300): 50 down before the window starts, the rest excluded.
    // up = [0,100) + [300,1000) = 800; counted 850; ratio 800/850.
    name: 'maintenance overlapping an incident (excluded)',
    t: [[0, 'up'], [100, 'down'], [200, 'up']],
    policy: { maintenance: [win(150, 300)] },
    want: { up: 800, down: 50, maintenance: 150, excluded: 150, ratio: 800 / 850, incidents: 1, mttr: 50, mtbf: 800 },
  },
  {
    name: 'maintenance overlapping an incident (not excluded: the window is ignored, the outage counts)',
    t: [[0, 'up'], [100, 'down'], [200, 'up']],
    policy: { maintenance: [win(150, 300)], excludeMaintenance: false },
    want: { up: 900, down: 100, maintenance: 0, ratio: 0.9, incidents: 1, mttr: 100 },
  },
  {
    // down [100,400) with maintenance [200,300) inside: down 200, still one incident (down before and after).
    name: 'maintenance inside an incident does not split it',
    t: [[0, 'up'], [100, 'down'], [400, 'up']],
    policy: { maintenance: [win(200, 300)] },
    want: { up: 700, down: 200, maintenance: 100, ratio: 700 / 900, incidents: 1, mttr: 200 },
  },
  {
    name: 'reported maintenance (unmanaged) is excluded by default',
    t: [[0, 'up'], [100, 'maintenance'], [200, 'up']],
    want: { up: 900, maintenance: 100, excluded: 100, ratio: 1, incidents: 0 },
  },
  {
    name: 'reported maintenance counts as down when maintenance is not excluded',
    t: [[0, 'up'], [100, 'maintenance'], [200, 'up']],
    policy: { excludeMaintenance: false },
    want: { maintenance: 100, countedDown: 100, ratio: 0.9, incidents: 1 },
  },
  {
    // down 100, unknown 100, down 100. Excluded unknown does not end the outage: one incident of 200.
    name: 'unknown excluded inside an outage: one incident',
    t: [[0, 'up'], [100, 'down'], [200, 'unknown'], [300, 'down'], [400, 'up']],
    want: { down: 200, unknown: 100, countedDown: 200, ratio: 700 / 900, incidents: 1, mttr: 200 },
  },
  {
    name: 'unknown counted as up inside an outage: two incidents',
    t: [[0, 'up'], [100, 'down'], [200, 'unknown'], [300, 'down'], [400, 'up']],
    policy: { unknown: 'up' },
    want: { countedUp: 800, countedDown: 200, ratio: 0.8, incidents: 2, mttr: 100, mtbf: 400 },
  },
  {
    name: 'unknown counted as down inside an outage: one incident of 300',
    t: [[0, 'up'], [100, 'down'], [200, 'unknown'], [300, 'down'], [400, 'up']],
    policy: { unknown: 'down' },
    want: { countedUp: 700, countedDown: 300, ratio: 0.7, incidents: 1, mttr: 300, mtbf: 700 },
  },
];

describe('computeAvailability: hand-computed cases', () => {
  for (const c of cases) {
    it(c.name, () => {
      const policy = slaPolicy(c.policy);
      const r = availabilityFromTransitions(tr(c.t), policy, W, (c.nowMin ?? 1000) * MIN);
      const got = inMin(r);
      for (const [k, v] of Object.entries(c.want)) {
        const g = got[k as keyof typeof got];
        if (v === null) expect(g, k).toBeNull();
        else expect(g, k).toBeCloseTo(v, 9);
      }
    });
  }
});

describe('incident edges', () => {
  it('flags an incident cut at the window start, one cut at the end, and an open one', () => {
    const P = slaPolicy();
    const start = availabilityFromTransitions(tr([[-50, 'down'], [30, 'up']]), P, W, END);
    expect(start.incidentList).toEqual([{ fromMs: 0, toMs: 30 * MIN, downMs: 30 * MIN, cutAtStart: true, cutAtEnd: false, open: false, acknowledgedMs: null }]);
    const end = availabilityFromTransitions(tr([[0, 'up'], [990, 'down']]), P, W, 2000 * MIN);
    expect(end.incidentList).toEqual([{ fromMs: 990 * MIN, toMs: END, downMs: 10 * MIN, cutAtStart: false, cutAtEnd: true, open: false, acknowledgedMs: null }]);
    const open = availabilityFromTransitions(tr([[0, 'up'], [600, 'down']]), P, W, 700 * MIN);
    expect(open.incidentList).toEqual([{ fromMs: 600 * MIN, toMs: 700 * MIN, downMs: 100 * MIN, cutAtStart: false, cutAtEnd: false, open: true, acknowledgedMs: null }]);
  });

  it('an incident spanning maintenance reports its whole span and only its counted downtime', () => {
    const r = availabilityFromTransitions(tr([[0, 'up'], [100, 'down'], [400, 'up']]), slaPolicy({ maintenance: [win(200, 300)] }), W, END);
    expect(r.incidentList).toEqual([{ fromMs: 100 * MIN, toMs: 400 * MIN, downMs: 200 * MIN, cutAtStart: false, cutAtEnd: false, open: false, acknowledgedMs: null }]);
  });

  it('gaps between given intervals count as unknown', () => {
    const r = computeAvailability(iv([[0, 100, 'up'], [200, 1000, 'up']]), slaPolicy(), W, END);
    expect([r.uptimeMs / MIN, r.unknownMs / MIN, r.availabilityRatio]).toEqual([900, 100, 1]);
  });

  it('rejects overlapping intervals', () => {
    expect(() => computeAvailability(iv([[0, 100, 'up'], [50, 1000, 'down']]), slaPolicy(), W, END)).toThrow(
      expect.objectContaining({ code: 'sla.overlap' }),
    );
  });
});

describe('error budget and burn rate', () => {
  it('a 30-day window, SLO 99.9 %, 43.2 minutes down in the first 10 days', () => {
    // Budget for the month: 0.1 % of 30 d = 43.2 min. All of it spent after 10 of 30 days:
    // remaining 0, burn rate = 43.2 / (0.1 % of 10 d = 14.4 min) = 3 (three times the sustainable pace).
    const DAY = 1440;
    const r = availabilityFromTransitions(
      tr([[0, 'up'], [5 * DAY, 'down'], [5 * DAY + 43.2, 'up']]),
      slaPolicy({ slo: 0.999 }),
      win(0, 30 * DAY),
      10 * DAY * MIN,
    );
    expect(r.errorBudgetMs / MIN).toBeCloseTo(43.2, 6);
    expect(r.errorBudgetRemainingMs / MIN).toBeCloseTo(0, 6);
    expect(r.errorBudgetRemainingRatio).toBeCloseTo(0, 6);
    expect(r.burnRate).toBeCloseTo(3, 6);
    expect(r.availabilityRatio).toBeCloseTo(1 - 43.2 / (10 * DAY), 12);
  });

  it('a closed window: budget = (1 - slo) x counted time, overspent budget goes negative', () => {
    // Incident across the start (30 min down), SLO 99 %: budget 10 min, remaining -20 (ratio -2), burn 30/10 = 3.
    const r = availabilityFromTransitions(tr([[-50, 'down'], [30, 'up']]), slaPolicy({ slo: 0.99 }), W, END);
    expect(r.sloRatio).toBe(0.99);
    expect(r.errorBudgetMs / MIN).toBeCloseTo(10, 9);
    expect(r.errorBudgetRemainingMs / MIN).toBeCloseTo(-20, 9);
    expect(r.errorBudgetRemainingRatio).toBeCloseTo(-2, 9);
    expect(r.burnRate).toBeCloseTo(3, 9);
  });

  it('an open window counts the rest of the window, minus maintenance already planned in it', () => {
    // now 500: counted 500; the rest [500,1000) minus maintenance [800,900) = 400. Budget 1 % of 900 = 9.
    // 5 min down: remaining 4, burn 5 / (1 % of 500) = 1.
    const r = availabilityFromTransitions(
      tr([[0, 'up'], [100, 'down'], [105, 'up']]),
      slaPolicy({ slo: 0.99, maintenance: [win(800, 900)] }),
      W,
      500 * MIN,
    );
    expect(r.errorBudgetMs / MIN).toBeCloseTo(9, 9);
    expect(r.errorBudgetRemainingMs / MIN).toBeCloseTo(4, 9);
    expect(r.burnRate).toBeCloseTo(1, 9);
  });

  it('no counted time: no burn rate; SLO 100 %: no budget and no burn rate', () => {
    const none = availabilityFromTransitions([], slaPolicy(), W, END);
    expect([none.errorBudgetMs, none.errorBudgetRemainingRatio, none.burnRate]).toEqual([0, null, null]);
    const strict = availabilityFromTransitions(tr([[0, 'up'], [10, 'down'], [11, 'up']]), slaPolicy({ slo: 1 }), W, END);
    expect([strict.errorBudgetMs, strict.errorBudgetRemainingMs / MIN, strict.burnRate]).toEqual([0, -1, null]);
  });
});

describe('MTTA: incident start to the first acknowledgement of an alert firing during it', () => {
  // Incidents (minutes): A [100, 110), B [500, 540), C [900, now) when now is inside the window.
  const t = tr([[0, 'up'], [100, 'down'], [110, 'up'], [500, 'down'], [540, 'up'], [900, 'down']]);
  const a = (firing: number, ends: number | null, acked: number | null): AlertAck => ({
    firingMs: firing * MIN,
    endsMs: ends === null ? null : ends * MIN,
    ackedMs: acked === null ? null : acked * MIN,
  });
  interface AckCase {
    name: string;
    alerts: AlertAck[];
    nowMin?: number;
    window?: [number, number];
    /** MTTA in minutes, acknowledged incidents, each incident's first ack (minutes) in order. */
    want: { mtta: number | null; acked: number; firstAcks: (number | null)[] };
  }
  const cases: AckCase[] = [
    { name: 'no alerts: nothing acknowledged', alerts: [], want: { mtta: null, acked: 0, firstAcks: [null, null, null] } },
    {
      name: 'one ack per incident: (105-100) + (530-500) + (905-900) = 40 over 3',
      alerts: [a(101, 112, 105), a(502, 545, 530), a(901, null, 905)],
      want: { mtta: 40 / 3, acked: 3, firstAcks: [105, 530, 905] },
    },
    {
      name: 'the first of several acks counts: min(108, 103) - 100 = 3',
      alerts: [a(100, 120, 108), a(102, 109, 103)],
      want: { mtta: 3, acked: 1, firstAcks: [103, null, null] },
    },
    {
      name: 'an unacknowledged alert acknowledges nothing',
      alerts: [a(100, 110, null), a(500, 540, 520)],
      want: { mtta: 20, acked: 1, firstAcks: [null, 520, null] },
    },
    {
      name: 'an alert that ended before or fired after the incident does not overlap it (half-open ranges)',
      // [90, 100) ends as A begins; [110, 130) fires as A ends; [495, 505) overlaps B: 507 - 500 = 7.
      alerts: [a(90, 100, 95), a(110, 130, 111), a(495, 505, 507)],
      want: { mtta: 7, acked: 1, firstAcks: [null, 507, null] },
    },
    {
      name: 'acknowledged before the incident began (alert already firing): 0; acknowledged after it ended: counts',
      // A: alert firing since 80, acked at 90 → 0. B: alert fired at 530, acked at 600 after B ended → 100.
      alerts: [a(80, 200, 90), a(530, 650, 600)],
      want: { mtta: 50, acked: 2, firstAcks: [90, 600, null] },
    },
    {
      name: 'a still-firing alert (no end) overlaps every later incident',
      // Fired at 50, acked at 60: A, B and C all count 0.
      alerts: [a(50, null, 60)],
      want: { mtta: 0, acked: 3, firstAcks: [60, 60, 60] },
    },
    {
      name: 'an incident cut at the window start is not counted in MTTA (its start is in an earlier window)',
      // Window [105, 1000): A is [105, 110), cut; ack 107 recorded but not counted. B: 510 - 500 = 10.
      window: [105, 1000],
      alerts: [a(100, 110, 107), a(500, 540, 510)],
      want: { mtta: 10, acked: 1, firstAcks: [107, 510, null] },
    },
    {
      name: 'an open incident (now = 950): acked at 930 → 30',
      nowMin: 950,
      alerts: [a(905, null, 930)],
      want: { mtta: 30, acked: 1, firstAcks: [null, null, 930] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const w = c.window === undefined ? W : win(c.window[0], c.window[1]);
      const now = c.nowMin === undefined ? END : c.nowMin * MIN;
      const r = availabilityFromTransitions(t, slaPolicy(), w, now, { alerts: c.alerts });
      if (c.want.mtta === null) expect(r.mttaMs).toBeNull();
      else expect((r.mttaMs ?? NaN) / MIN).toBeCloseTo(c.want.mtta, 9);
      expect(r.acknowledged).toBe(c.want.acked);
      expect(r.incidentList.map((i) => (i.acknowledgedMs === null ? null : i.acknowledgedMs / MIN))).toEqual(c.want.firstAcks);
    });
  }
});

describe('policy', () => {
  it('defaults: SLO 99.9 %, only down counts as down, unknown excluded, maintenance excluded', () => {
    const p = slaPolicy();
    expect(p).toMatchObject({ slo: 0.999, degraded: 'up', unknown: 'excluded', debounceMs: 0, excludeMaintenance: true });
    expect(downClasses(p)).toEqual(['down']);
    expect(downClasses(slaPolicy({ degraded: 'down', unknown: 'down', excludeMaintenance: false }))).toEqual([
      'down',
      'degraded',
      'unknown',
      'maintenance',
    ]);
  });
  it('sorts and merges maintenance windows', () => {
    expect(slaPolicy({ maintenance: [win(50, 60), win(10, 20), win(15, 30), win(40, 40)] }).maintenance).toEqual([win(10, 30), win(50, 60)]);
  });
  it.each([
    [{ slo: 1.5 }],
    [{ slo: Number.NaN }],
    [{ debounceMs: -1 }],
    [{ unknown: 'maybe' as never }],
    [{ degraded: 'excluded' as never }],
    [{ maintenance: [win(20, 10)] }],
  ])('rejects %j', (bad) => {
    expect(() => slaPolicy(bad)).toThrow(expect.objectContaining({ code: 'sla.bad_policy' }));
  });
});
