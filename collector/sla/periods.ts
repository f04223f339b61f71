// Calendar-aligned SLA periods (day, ISO week from Monday, month, quarter, year) in an IANA time zone, with
// Intl only. A period runs from the first instant of its first local day to the first instant of the next
// period, so a day is 23 or 25 hours long across a DST change, and a day whose midnight falls into a DST gap
// starts when the clocks jump (e.g. 01:00).
import { SLA_ERRORS, SlaError, type TimeRange } from './types.js';

export type PeriodKind = 'day' | 'week' | 'month' | 'quarter' | 'year';
export const PERIOD_KINDS: readonly PeriodKind[] = Object.freeze(['day', 'week', 'month', 'quarter', 'year']);

export interface Period extends TimeRange {
  readonly kind: PeriodKind;
  /** 2026-03-29, 2026-W13 (ISO week-year), 2026-03, 2026-Q1, 2026. */
  readonly label: string;
}

export interface Calendar {
  readonly timeZone: string;
  periodContaining(ts: number, kind: PeriodKind): Period;
  /** Whole periods overlapping [fromMs, toMs), in order; not clipped to the range. */
  periodsBetween(fromMs: number, toMs: number, kind: PeriodKind): Period[];
  /** First instant of a local calendar day (month0 0-based; day and month may overflow, as in Date.UTC). */
  startOfDay(year: number, month0: number, day: number): number;
}

const DAY_MS = 86_400_000;

interface Civil {
  y: number;
  m0: number;
  d: number;
}

/** Wall-clock fields read as if UTC; setUTCFullYear because Date.UTC maps years 0..99 to 19xx. */
const utcOf = (y: number, m0: number, d: number, h = 0, mi = 0, s = 0): number => {
  const x = new Date(0);
  x.setUTCFullYear(y, m0, d);
  x.setUTCHours(h, mi, s, 0);
  return x.getTime();
};

const civilOf = (utc: number): Civil => {
  const x = new Date(utc);
  return { y: x.getUTCFullYear(), m0: x.getUTCMonth(), d: x.getUTCDate() };
};

const norm = (y: number, m0: number, d: number): Civil => civilOf(utcOf(y, m0, d));
const dayKey = (c: Civil): number => c.y * 10_000 + c.m0 * 100 + c.d;
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** ISO 8601 week label of the week starting on Monday `mon`: the week-year is that of its Thursday. */
const isoWeekLabel = (mon: Civil): string => {
  const thu = civilOf(utcOf(mon.y, mon.m0, mon.d + 3));
  const doy = Math.round((utcOf(thu.y, thu.m0, thu.d) - utcOf(thu.y, 0, 1)) / DAY_MS);
  return `${thu.y}-W${pad(Math.floor(doy / 7) + 1)}`;
};

/** A calendar for one time zone; holds its Intl formatter, so reuse it for many periods. Throws sla.bad_time_zone. */
export const calendar = (timeZone: string): Calendar => {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (e) {
    throw new SlaError(SLA_ERRORS.badTimeZone, `unknown time zone ${JSON.stringify(timeZone)}`, { cause: e });
  }

  /** Local wall-clock fields of an instant, read back as a UTC timestamp (seconds precision). */
  const wallOf = (t: number): number => {
    let y = 0, m = 1, d = 1, h = 0, mi = 0, s = 0;
    for (const p of fmt.formatToParts(t)) {
      if (p.type === 'year') y = Number(p.value);
      else if (p.type === 'month') m = Number(p.value);
      else if (p.type === 'day') d = Number(p.value);
      else if (p.type === 'hour') h = Number(p.value);
      else if (p.type === 'minute') mi = Number(p.value);
      else if (p.type === 'second') s = Number(p.value);
    }
    return utcOf(y, m - 1, d, h, mi, s);
  };
  const localDay = (t: number): Civil => civilOf(wallOf(t));
  const offsetAt = (t: number): number => {
    const whole = Math.floor(t / 1000) * 1000;
    return wallOf(whole) - whole;
  };

  const startOfDay = (year: number, month0: number, day: number): number => {
    const c = norm(year, month0, day);
    const key = dayKey(c);
    const wall = utcOf(c.y, c.m0, c.d);
    // Midnight under each offset in force around the day; the earliest candidate that falls on the day wins
    // (a repeated midnight: the first one; a midnight in a gap: the candidate under the old offset).
    const offsets = new Set([offsetAt(wall - DAY_MS), offsetAt(wall), offsetAt(wall + DAY_MS)]);
    let best = Infinity;
    for (const o of offsets) {
      const t = wall - o;
      if (dayKey(localDay(t)) === key && t < best) best = t;
    }
    // The day does not exist (Pacific/Apia skipped 2011-12-30): it is empty and the next one starts there.
    if (best === Infinity) return startOfDay(c.y, c.m0, c.d + 1);
    if (wallOf(best) !== wall) {
      // Midnight fell into a gap that did not start at midnight: find the jump (first second of the day).
      let lo = best - DAY_MS;
      let hi = best;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (dayKey(localDay(mid)) >= key) hi = mid;
        else lo = mid;
      }
      best = hi;
    }
    return best;
  };

  const periodContaining = (ts: number, kind: PeriodKind): Period => {
    if (!Number.isFinite(ts)) throw new SlaError(SLA_ERRORS.badWindow, `timestamp must be finite, got ${ts}`);
    const { y, m0, d } = localDay(ts);
    let from: Civil;
    let to: Civil;
    let label: string;
    switch (kind) {
      case 'day':
        from = { y, m0, d };
        to = norm(y, m0, d + 1);
        label = `${y}-${pad(m0 + 1)}-${pad(d)}`;
        break;
      case 'week': {
        const back = (new Date(utcOf(y, m0, d)).getUTCDay() + 6) % 7; // days since Monday
        from = norm(y, m0, d - back);
        to = norm(from.y, from.m0, from.d + 7);
        label = isoWeekLabel(from);
        break;
      }
      case 'month':
        from = { y, m0, d: 1 };
        to = norm(y, m0 + 1, 1);
        label = `${y}-${pad(m0 + 1)}`;
        break;
      case 'quarter': {
        const q = Math.floor(m0 / 3);
        from = { y, m0: q * 3, d: 1 };
        to = norm(y, q * 3 + 3, 1);
        label = `${y}-Q${q + 1}`;
        break;
      }
      case 'year':
        from = { y, m0: 0, d: 1 };
        to = { y: y + 1, m0: 0, d: 1 };
        label = String(y);
        break;
      default:
        throw new SlaError(SLA_ERRORS.badInput, `unknown period kind ${JSON.stringify(kind)}`);
    }
    return { kind, label, fromMs: startOfDay(from.y, from.m0, from.d), toMs: startOfDay(to.y, to.m0, to.d) };
  };

  const periodsBetween = (fromMs: number, toMs: number, kind: PeriodKind): Period[] => {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new SlaError(SLA_ERRORS.badWindow, 'range must be finite');
    const out: Period[] = [];
    if (toMs <= fromMs) return out;
    let p = periodContaining(fromMs, kind);
    while (p.fromMs < toMs) {
      out.push(p);
      const next = periodContaining(p.toMs, kind);
      // Guards against a time-zone rule the arithmetic above did not foresee: never loop forever.
      if (next.fromMs !== p.toMs) throw new SlaError(SLA_ERRORS.badTimeZone, `${timeZone}: ${p.label} ends at ${p.toMs} but the next ${kind} starts at ${next.fromMs}`);
      p = next;
    }
    return out;
  };

  return Object.freeze({ timeZone, periodContaining, periodsBetween, startOfDay });
};

/** The period of `kind` containing `ts` in `timeZone`. For many calls, reuse one calendar(timeZone). */
export const periodContaining = (ts: number, kind: PeriodKind, timeZone: string): Period => calendar(timeZone).periodContaining(ts, kind);

/** Whole periods of `kind` overlapping [fromMs, toMs) in `timeZone`. */
export const periodsBetween = (fromMs: number, toMs: number, kind: PeriodKind, timeZone: string): Period[] =>
  calendar(timeZone).periodsBetween(fromMs, toMs, kind);
