// Calendar periods in IANA time zones, with Intl only. Expected instants worked out from the zone rules:
// Europe/Berlin CET +01 / CEST +02, switching 2026-03-29 02:00 → 03:00 and 2026-10-25 03:00 → 02:00;
// America/New_York EST -05 / EDT -04, switching 2026-03-08 02:00 → 03:00 and 2026-11-01 02:00 → 01:00.
import { describe, expect, it } from 'vitest';
import { calendar, periodContaining, periodsBetween, PERIOD_KINDS, type PeriodKind } from '../../../collector/sla/index.js';
import { prng } from './helpers.js';

const H = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000', '');

describe('periodContaining', () => {
  const cases: { tz: string; ts: string; kind: PeriodKind; label: string; from: string; to: string; hours: number }[] = [
    // Berlin spring forward: local midnight is 23:00Z the day before, the next midnight is already CEST (22:00Z).
    { tz: 'Europe/Berlin', ts: '2026-03-29T12:00:00Z', kind: 'day', label: '2026-03-29', from: '2026-03-28T23:00:00Z', to: '2026-03-29T22:00:00Z', hours: 23 },
    // Berlin fall back: 22:00Z (CEST midnight) to 23:00Z (CET midnight).
    { tz: 'Europe/Berlin', ts: '2026-10-25T12:00:00Z', kind: 'day', label: '2026-10-25', from: '2026-10-24T22:00:00Z', to: '2026-10-25T23:00:00Z', hours: 25 },
    // 23:30Z on the 28th is already the 29th in Berlin.
    { tz: 'Europe/Berlin', ts: '2026-03-28T23:30:00Z', kind: 'day', label: '2026-03-29', from: '2026-03-28T23:00:00Z', to: '2026-03-29T22:00:00Z', hours: 23 },
    // Inside the repeated hour (02:30 CEST = 00:30Z, 02:30 CET = 01:30Z): both in the 25-hour day.
    { tz: 'Europe/Berlin', ts: '2026-10-25T00:30:00Z', kind: 'day', label: '2026-10-25', from: '2026-10-24T22:00:00Z', to: '2026-10-25T23:00:00Z', hours: 25 },
    { tz: 'Europe/Berlin', ts: '2026-10-25T01:30:00Z', kind: 'day', label: '2026-10-25', from: '2026-10-24T22:00:00Z', to: '2026-10-25T23:00:00Z', hours: 25 },
    // ISO week 13 of 2026: Monday 23 March to Sunday 29 March, which loses an hour.
    { tz: 'Europe/Berlin', ts: '2026-03-29T12:00:00Z', kind: 'week', label: '2026-W13', from: '2026-03-22T23:00:00Z', to: '2026-03-29T22:00:00Z', hours: 7 * 24 - 1 },
    { tz: 'Europe/Berlin', ts: '2026-10-20T12:00:00Z', kind: 'week', label: '2026-W43', from: '2026-10-18T22:00:00Z', to: '2026-10-25T23:00:00Z', hours: 7 * 24 + 1 },
    { tz: 'Europe/Berlin', ts: '2026-03-15T00:00:00Z', kind: 'month', label: '2026-03', from: '2026-02-28T23:00:00Z', to: '2026-03-31T22:00:00Z', hours: 31 * 24 - 1 },
    { tz: 'Europe/Berlin', ts: '2026-10-15T00:00:00Z', kind: 'month', label: '2026-10', from: '2026-09-30T22:00:00Z', to: '2026-10-31T23:00:00Z', hours: 31 * 24 + 1 },
    { tz: 'Europe/Berlin', ts: '2026-02-10T00:00:00Z', kind: 'quarter', label: '2026-Q1', from: '2025-12-31T23:00:00Z', to: '2026-03-31T22:00:00Z', hours: 90 * 24 - 1 },
    { tz: 'Europe/Berlin', ts: '2026-11-10T00:00:00Z', kind: 'quarter', label: '2026-Q4', from: '2026-09-30T22:00:00Z', to: '2026-12-31T23:00:00Z', hours: 92 * 24 + 1 },
    { tz: 'Europe/Berlin', ts: '2026-07-01T00:00:00Z', kind: 'year', label: '2026', from: '2025-12-31T23:00:00Z', to: '2026-12-31T23:00:00Z', hours: 365 * 24 },
    // New York: the DST days, and a month containing one.
    { tz: 'America/New_York', ts: '2026-03-08T12:00:00Z', kind: 'day', label: '2026-03-08', from: '2026-03-08T05:00:00Z', to: '2026-03-09T04:00:00Z', hours: 23 },
    { tz: 'America/New_York', ts: '2026-11-01T12:00:00Z', kind: 'day', label: '2026-11-01', from: '2026-11-01T04:00:00Z', to: '2026-11-02T05:00:00Z', hours: 25 },
    // 03:00Z on 1 Nov is still 31 Oct (23:00 EDT) in New York.
    { tz: 'America/New_York', ts: '2026-11-01T03:00:00Z', kind: 'month', label: '2026-10', from: '2026-10-01T04:00:00Z', to: '2026-11-01T04:00:00Z', hours: 31 * 24 },
    { tz: 'America/New_York', ts: '2026-11-05T00:00:00Z', kind: 'month', label: '2026-11', from: '2026-11-01T04:00:00Z', to: '2026-12-01T05:00:00Z', hours: 30 * 24 + 1 },
    // Chile springs forward at midnight (00:00 → 01:00): 2026-09-06 starts at 01:00 -03 = 04:00Z.
    { tz: 'America/Santiago', ts: '2026-09-06T12:00:00Z', kind: 'day', label: '2026-09-06', from: '2026-09-06T04:00:00Z', to: '2026-09-07T03:00:00Z', hours: 23 },
    { tz: 'UTC', ts: '2026-01-01T00:00:00Z', kind: 'day', label: '2026-01-01', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', hours: 24 },
    // ISO week-years: 2026 has 53 weeks (it starts on a Thursday), 2024-12-30 is in 2025-W01.
    { tz: 'UTC', ts: '2027-01-01T00:00:00Z', kind: 'week', label: '2026-W53', from: '2026-12-28T00:00:00Z', to: '2027-01-04T00:00:00Z', hours: 168 },
    { tz: 'UTC', ts: '2024-12-31T00:00:00Z', kind: 'week', label: '2025-W01', from: '2024-12-30T00:00:00Z', to: '2025-01-06T00:00:00Z', hours: 168 },
  ];
  for (const c of cases) {
    it(`${c.tz} ${c.kind} of ${c.ts} = ${c.label} (${c.hours} h)`, () => {
      const p = periodContaining(at(c.ts), c.kind, c.tz);
      expect({ label: p.label, from: iso(p.fromMs), to: iso(p.toMs), hours: (p.toMs - p.fromMs) / H }).toEqual({
        label: c.label,
        from: c.from.replace('.000', ''),
        to: c.to.replace('.000', ''),
        hours: c.hours,
      });
    });
  }

  it('a period contains its first instant and not its end', () => {
    const cal = calendar('Europe/Berlin');
    const d = cal.periodContaining(at('2026-03-29T12:00:00Z'), 'day');
    expect(cal.periodContaining(d.fromMs, 'day').label).toBe('2026-03-29');
    expect(cal.periodContaining(d.fromMs - 1, 'day').label).toBe('2026-03-28');
    expect(cal.periodContaining(d.toMs - 1, 'day').label).toBe('2026-03-29');
    expect(cal.periodContaining(d.toMs, 'day').label).toBe('2026-03-30');
  });

  it('a day that does not exist is skipped (Pacific/Apia jumped from 29 to 31 December 2011)', () => {
    // 2011-12-29T12:00Z is 02:00 on the 29th (-10); 2011-12-30T12:00Z is 02:00 on the 31st (+14).
    const days = periodsBetween(at('2011-12-29T12:00:00Z'), at('2011-12-30T12:00:00Z'), 'day', 'Pacific/Apia');
    expect(days.map((d) => d.label)).toEqual(['2011-12-29', '2011-12-31']);
    expect((days[0] as { toMs: number }).toMs).toBe((days[1] as { fromMs: number }).fromMs);
  });

  it('rejects an unknown time zone with a typed error', () => {
    expect(() => calendar('Mars/Olympus_Mons')).toThrow(expect.objectContaining({ code: 'sla.bad_time_zone' }));
  });
});

describe('periodsBetween', () => {
  it('the days of 2026 in Berlin: 365, contiguous, one of 23 h and one of 25 h, adding up to the year', () => {
    const year = periodContaining(at('2026-06-01T00:00:00Z'), 'year', 'Europe/Berlin');
    const days = periodsBetween(year.fromMs, year.toMs, 'day', 'Europe/Berlin');
    expect(days.length).toBe(365);
    expect((days[0] as { fromMs: number }).fromMs).toBe(year.fromMs);
    expect((days[364] as { toMs: number }).toMs).toBe(year.toMs);
    days.slice(1).forEach((d, i) => expect(d.fromMs).toBe((days[i] as { toMs: number }).toMs));
    const hours = days.map((d) => (d.toMs - d.fromMs) / H);
    expect(hours.filter((h) => h === 23).length).toBe(1);
    expect(hours.filter((h) => h === 25).length).toBe(1);
    expect(hours.filter((h) => h !== 24 && h !== 23 && h !== 25)).toEqual([]);
    expect(days.find((d) => d.toMs - d.fromMs === 23 * H)?.label).toBe('2026-03-29');
    expect(days.find((d) => d.toMs - d.fromMs === 25 * H)?.label).toBe('2026-10-25');
  });

  it('gives whole periods overlapping the range, not clipped', () => {
    const months = periodsBetween(at('2026-03-15T00:00:00Z'), at('2026-05-02T00:00:00Z'), 'month', 'Europe/Berlin');
    expect(months.map((m) => m.label)).toEqual(['2026-03', '2026-04', '2026-05']);
    expect(periodsBetween(at('2026-03-15T00:00:00Z'), at('2026-03-15T00:00:00Z'), 'month', 'UTC')).toEqual([]);
  });

  it('property: in random zones and ranges, periods are contiguous and each contains its own start', () => {
    const rnd = prng(8);
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago', 'UTC', 'Pacific/Chatham'];
    for (let n = 0; n < 40; n++) {
      const tz = zones[Math.floor(rnd() * zones.length)] as string;
      const kind = PERIOD_KINDS[Math.floor(rnd() * PERIOD_KINDS.length)] as PeriodKind;
      const from = at('2025-01-01T00:00:00Z') + Math.floor(rnd() * 3 * 365 * 24) * H + Math.floor(rnd() * H);
      const to = from + Math.floor(rnd() * 40 * 24 * H) + 1;
      const cal = calendar(tz);
      const ps = cal.periodsBetween(from, to, kind);
      expect(ps.length).toBeGreaterThan(0);
      expect((ps[0] as { fromMs: number }).fromMs).toBeLessThanOrEqual(from);
      expect((ps[ps.length - 1] as { toMs: number }).toMs).toBeGreaterThanOrEqual(to);
      ps.forEach((p, i) => {
        expect(p.toMs).toBeGreaterThan(p.fromMs);
        if (i > 0) expect(p.fromMs).toBe((ps[i - 1] as { toMs: number }).toMs);
        expect(cal.periodContaining(p.fromMs, kind).label).toBe(p.label);
        expect(cal.periodContaining(p.toMs - 1, kind).label).toBe(p.label);
      });
    }
  });
});
