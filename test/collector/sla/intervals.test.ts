// Building intervals from transitions: window clipping, open intervals, merging, debounce, maintenance.
import { describe, expect, it } from 'vitest';
import {
  buildTimeline,
  clipIntervals,
  contextRange,
  debounceIntervals,
  evaluatedRange,
  mergeAdjacent,
  objectIntervals,
  overlayMaintenance,
  slaPolicy,
  SlaError,
  type Availability,
} from '../../../collector/sla/index.js';
import { inMinutes, iv, MIN, tr, win } from './helpers.js';

const P0 = slaPolicy();

describe('buildTimeline', () => {
  const cases: {
    name: string;
    t: [number, Availability][];
    range: [number, number];
    initial?: Availability;
    want: [number, number, Availability][];
  }[] = [
    { name: 'empty history is unknown', t: [], range: [0, 100], want: [[0, 100, 'unknown']] },
    { name: 'empty history with a known initial state', t: [], range: [0, 100], initial: 'up', want: [[0, 100, 'up']] },
    {
      name: 'state before the range comes from the last earlier transition',
      t: [[-50, 'down'], [-10, 'up'], [40, 'down']],
      range: [0, 100],
      want: [[0, 40, 'up'], [40, 100, 'down']],
    },
    { name: 'a transition exactly at the range start sets the state', t: [[-5, 'down'], [0, 'up']], range: [0, 10], want: [[0, 10, 'up']] },
    {
      name: 'repeated states merge (failed -> blocked are both down)',
      t: [[0, 'up'], [10, 'down'], [20, 'down'], [30, 'up']],
      range: [0, 50],
      want: [[0, 10, 'up'], [10, 30, 'down'], [30, 50, 'up']],
    },
    {
      name: 'ties: the later row wins and no empty interval appears',
      t: [[0, 'up'], [10, 'down'], [10, 'up'], [20, 'degraded']],
      range: [0, 30],
      want: [[0, 20, 'up'], [20, 30, 'degraded']],
    },
    { name: 'transitions at or after the range end are ignored', t: [[0, 'up'], [100, 'down'], [150, 'up']], range: [0, 100], want: [[0, 100, 'up']] },
    { name: 'empty range', t: [[0, 'up']], range: [10, 10], want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(inMinutes(buildTimeline(tr(c.t), win(...c.range), c.initial))).toEqual(c.want);
    });
  }

  it('rejects unsorted transitions with a typed error', () => {
    const t = () => buildTimeline(tr([[0, 'up'], [20, 'down'], [10, 'up']]), win(0, 100));
    expect(t).toThrow(SlaError);
    expect(t).toThrow(expect.objectContaining({ code: 'sla.unsorted' }));
  });

  it('rejects a reversed range', () => {
    expect(() => buildTimeline([], win(10, 0))).toThrow(expect.objectContaining({ code: 'sla.bad_window' }));
  });
});

describe('merge, clip, maintenance', () => {
  it('merges touching intervals of one class only', () => {
    expect(inMinutes(mergeAdjacent(iv([[0, 10, 'up'], [10, 20, 'up'], [25, 30, 'up'], [30, 30, 'down'], [30, 40, 'down']])))).toEqual([
      [0, 20, 'up'],
      [25, 30, 'up'],
      [30, 40, 'down'],
    ]);
  });

  it('rejects overlapping intervals', () => {
    expect(() => mergeAdjacent(iv([[0, 10, 'up'], [5, 20, 'down']]))).toThrow(expect.objectContaining({ code: 'sla.overlap' }));
  });

  it('clips to a range', () => {
    expect(inMinutes(clipIntervals(iv([[-10, 5, 'down'], [5, 50, 'up'], [50, 200, 'down']]), win(0, 100)))).toEqual([
      [0, 5, 'down'],
      [5, 50, 'up'],
      [50, 100, 'down'],
    ]);
  });

  it('overlays maintenance windows, including one spanning several intervals and one inside an interval', () => {
    // up [0,100) down [100,200) up [200,400); windows [50,150) and [300,320).
    const got = overlayMaintenance(iv([[0, 100, 'up'], [100, 200, 'down'], [200, 400, 'up']]), [win(50, 150), win(300, 320)]);
    expect(inMinutes(got)).toEqual([
      [0, 50, 'up'],
      [50, 150, 'maintenance'],
      [150, 200, 'down'],
      [200, 300, 'up'],
      [300, 320, 'maintenance'],
      [320, 400, 'up'],
    ]);
  });
});

describe('debounce', () => {
  const cases: { name: string; in: [number, number, Availability][]; minMin: number; want: [number, number, Availability][] }[] = [
    {
      name: 'a short down blip takes the state before it',
      in: [[0, 100, 'up'], [100, 105, 'down'], [105, 200, 'up']],
      minMin: 10,
      want: [[0, 200, 'up']],
    },
    {
      name: 'a period exactly debounceMs long is kept (shorter than N is a blip)',
      in: [[0, 100, 'up'], [100, 110, 'down'], [110, 200, 'up']],
      minMin: 10,
      want: [[0, 100, 'up'], [100, 110, 'down'], [110, 200, 'up']],
    },
    {
      name: 'chained blips (degraded 3 then down 3) all take the last confirmed state',
      in: [[0, 100, 'up'], [100, 103, 'degraded'], [103, 106, 'down'], [106, 200, 'up']],
      minMin: 5,
      want: [[0, 200, 'up']],
    },
    {
      name: 'a short unknown inside an outage stays part of the outage',
      in: [[0, 100, 'down'], [100, 102, 'unknown'], [102, 200, 'down']],
      minMin: 5,
      want: [[0, 200, 'down']],
    },
    {
      name: 'short up periods are never dropped (they end an incident)',
      in: [[0, 100, 'down'], [100, 102, 'up'], [102, 200, 'down']],
      minMin: 5,
      want: [[0, 100, 'down'], [100, 102, 'up'], [102, 200, 'down']],
    },
    {
      name: 'the first interval is kept: its true start is unknown',
      in: [[0, 2, 'down'], [2, 100, 'up']],
      minMin: 5,
      want: [[0, 2, 'down'], [2, 100, 'up']],
    },
    {
      name: 'after a gap there is no state before, so the interval is kept',
      in: [[0, 50, 'up'], [60, 62, 'down'], [62, 100, 'up']],
      minMin: 5,
      want: [[0, 50, 'up'], [60, 62, 'down'], [62, 100, 'up']],
    },
    { name: 'debounce 0 only merges', in: [[0, 1, 'up'], [1, 2, 'up'], [2, 3, 'down']], minMin: 0, want: [[0, 2, 'up'], [2, 3, 'down']] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(inMinutes(debounceIntervals(iv(c.in), c.minMin * MIN))).toEqual(c.want);
    });
  }
});

describe('objectIntervals: the window, now and the debounce at the edges', () => {
  it('an open last interval runs to now, not to the window end', () => {
    // window [0,1000), now 700: evaluated [0,700).
    expect(evaluatedRange(win(0, 1000), 700 * MIN)).toEqual(win(0, 700));
    expect(inMinutes(objectIntervals(tr([[0, 'up'], [600, 'down']]), win(0, 1000), 700 * MIN, P0))).toEqual([
      [0, 600, 'up'],
      [600, 700, 'down'],
    ]);
  });

  it('a window in the future has no intervals', () => {
    expect(objectIntervals(tr([[0, 'up']]), win(100, 200), 50 * MIN, P0)).toEqual([]);
  });

  it('the context range widens the window by the debounce on both sides but stops at now', () => {
    expect(contextRange(win(100, 200), 1000 * MIN, 10 * MIN)).toEqual(win(90, 210));
    expect(contextRange(win(100, 200), 205 * MIN, 10 * MIN)).toEqual(win(90, 205));
  });

  const P10 = slaPolicy({ debounceMs: 10 * MIN });
  it('a still-open non-up period shorter than the debounce is not confirmed yet', () => {
    // down since 990, now 995: 5 min < 10 min → still counted as the up before it.
    expect(inMinutes(objectIntervals(tr([[0, 'up'], [990, 'down']]), win(0, 1000), 995 * MIN, P10))).toEqual([[0, 995, 'up']]);
  });

  it('an outage cut by the window end is judged by its whole length, not the part inside', () => {
    // down from 995 until 1100 (105 min); window ends at 1000, so 5 min are inside; it is no blip.
    const t = tr([[0, 'up'], [995, 'down'], [1100, 'up']]);
    expect(inMinutes(objectIntervals(t, win(0, 1000), 2000 * MIN, P10))).toEqual([
      [0, 995, 'up'],
      [995, 1000, 'down'],
    ]);
  });

  it('an outage cut by the window start is judged by its whole length', () => {
    // down [-50, 3): 53 min, 3 of them inside → kept.  down [-5, 3): 8 min → a blip, dropped.
    expect(inMinutes(objectIntervals(tr([[-100, 'up'], [-50, 'down'], [3, 'up']]), win(0, 100), 100 * MIN, P10))).toEqual([
      [0, 3, 'down'],
      [3, 100, 'up'],
    ]);
    expect(inMinutes(objectIntervals(tr([[-100, 'up'], [-5, 'down'], [3, 'up']]), win(0, 100), 100 * MIN, P10))).toEqual([[0, 100, 'up']]);
  });

  it('maintenance windows overlay only when the policy excludes maintenance', () => {
    const t = tr([[0, 'up'], [100, 'down'], [200, 'up']]);
    const m = [win(150, 300)];
    expect(inMinutes(objectIntervals(t, win(0, 1000), 1000 * MIN, slaPolicy({ maintenance: m })))).toEqual([
      [0, 100, 'up'],
      [100, 150, 'down'],
      [150, 300, 'maintenance'],
      [300, 1000, 'up'],
    ]);
    expect(inMinutes(objectIntervals(t, win(0, 1000), 1000 * MIN, slaPolicy({ maintenance: m, excludeMaintenance: false })))).toEqual([
      [0, 100, 'up'],
      [100, 200, 'down'],
      [200, 1000, 'up'],
    ]);
  });
});
