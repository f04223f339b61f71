// Times, durations and numbers as people read them in a report. Intl only; a formatter per time zone.

export type InstantFormatter = (ms: number) => string;

/** `2026-11-23 18:00:04 CET` (with .mmm when the instant is not on a whole second). */
export const instantFormatter = (timeZone: string): InstantFormatter => {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
  return (ms) => {
    const p: Record<string, string> = {};
    for (const x of fmt.formatToParts(ms)) p[x.type] = x.value;
    const frac = ((ms % 1000) + 1000) % 1000;
    const sec = frac === 0 ? p['second'] : `${p['second']}.${String(frac).padStart(3, '0')}`;
    return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}:${sec} ${p['timeZoneName']}`;
  };
};

/** `2.0 s`, `12 min 05 s`, `3 h 05 min`, `2 d 04 h`; `-` for null. */
export const formatDuration = (ms: number | null): string => {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  const two = (n: number) => String(Math.floor(n)).padStart(2, '0');
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) return `${sign}${Math.floor(a / 60_000)} min ${two((a % 60_000) / 1000)} s`;
  if (a < 86_400_000) return `${sign}${Math.floor(a / 3_600_000)} h ${two((a % 3_600_000) / 60_000)} min`;
  return `${sign}${Math.floor(a / 86_400_000)} d ${two((a % 86_400_000) / 3_600_000)} h`;
};

/** A percentage with enough digits to tell the nines apart: 99.95 %, 99.9993 %; `-` for null. */
export const formatPercent = (p: number | null): string => {
  if (p === null || !Number.isFinite(p)) return '-';
  if (p === 100 || p === 0) return `${p} %`;
  // Digits until the shortfall from 100 shows two significant figures.
  // Rounded first: 100 - 99.9 is 0.0999999… in binary and would ask for a digit too many.
  const short = Number(Math.abs(100 - p).toPrecision(10));
  const digits = short >= 1 ? 2 : Math.min(8, Math.max(2, -Math.floor(Math.log10(short)) + 1));
  return `${p.toFixed(digits)} %`;
};
