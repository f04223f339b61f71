// The SLA policy: which availability classes count as up, down or not at all, the SLO, debounce and
// maintenance. Modelled on Zabbix's SLA object (SLO %, excluded downtime); the period and time zone live
// in periods.ts, the objects covered in the caller's config.
import { SLA_ERRORS, SlaError, type Availability, type TimeRange } from './types.js';

export interface SlaPolicy {
  /** Target ratio of up time to counted time, 0..1 (0.999 = "three nines"). */
  readonly slo: number;
  /** Degraded (running but impaired, or on its way somewhere) counts as up or as down. */
  readonly degraded: 'up' | 'down';
  /** Unknown (no data, stale reporter) is left out of the denominator, or counted as up or down. */
  readonly unknown: 'excluded' | 'up' | 'down';
  /** Non-up periods shorter than this are blips and take the state before them (intervals.ts). */
  readonly debounceMs: number;
  /** Planned maintenance windows; sorted and merged by slaPolicy(). */
  readonly maintenance: readonly TimeRange[];
  /**
   * true: maintenance windows overlay the history as 'maintenance', and all maintenance time (windows and
   * objects the probes report as maintenance) is left out of the denominator.
   * false: windows are ignored (an outage in one counts) and reported maintenance counts as down: the object
   * was out of service, and whoever turned exclusion off wants planned downtime to count against the SLO.
   */
  readonly excludeMaintenance: boolean;
}

/** What an availability class contributes under a policy. */
export type Counted = 'up' | 'down' | 'excluded';

export const DEFAULT_POLICY: SlaPolicy = Object.freeze({
  slo: 0.999,
  degraded: 'up',
  // Stale data is never proof of health nor of an outage (docs/design.md), so by default it does not count.
  unknown: 'excluded',
  debounceMs: 0,
  maintenance: Object.freeze([]) as readonly TimeRange[],
  excludeMaintenance: true,
} as const);

const bad = (msg: string): SlaError => new SlaError(SLA_ERRORS.badPolicy, msg);

/** Sorted, merged copy of some ranges; empty ranges dropped. */
export const normaliseRanges = (ranges: readonly TimeRange[]): TimeRange[] => {
  for (const r of ranges) {
    if (!Number.isFinite(r.fromMs) || !Number.isFinite(r.toMs) || r.toMs < r.fromMs) {
      throw bad(`maintenance window needs finite fromMs <= toMs, got [${r.fromMs}, ${r.toMs})`);
    }
  }
  const sorted = ranges.filter((r) => r.toMs > r.fromMs).sort((a, b) => a.fromMs - b.fromMs);
  const out: { fromMs: number; toMs: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, r.toMs);
    else out.push({ fromMs: r.fromMs, toMs: r.toMs });
  }
  return out;
};

/** A complete, checked policy from a partial one (defaults from DEFAULT_POLICY). Throws SlaError sla.bad_policy. */
export const slaPolicy = (input: Partial<SlaPolicy> = {}): SlaPolicy => {
  const p = { ...DEFAULT_POLICY, ...input };
  if (!Number.isFinite(p.slo) || p.slo < 0 || p.slo > 1) throw bad(`slo must be within 0..1, got ${p.slo}`);
  if (p.degraded !== 'up' && p.degraded !== 'down') throw bad(`degraded must be up or down, got ${String(p.degraded)}`);
  if (p.unknown !== 'excluded' && p.unknown !== 'up' && p.unknown !== 'down') {
    throw bad(`unknown must be excluded, up or down, got ${String(p.unknown)}`);
  }
  if (!Number.isFinite(p.debounceMs) || p.debounceMs < 0) throw bad(`debounceMs must be >= 0, got ${p.debounceMs}`);
  if (typeof p.excludeMaintenance !== 'boolean') throw bad('excludeMaintenance must be a boolean');
  return Object.freeze({ ...p, maintenance: Object.freeze(normaliseRanges(p.maintenance)) });
};

/** How one availability class counts under a policy. */
export const classify = (a: Availability, p: SlaPolicy): Counted => {
  switch (a) {
    case 'up':
      return 'up';
    case 'down':
      return 'down';
    case 'degraded':
      return p.degraded;
    case 'unknown':
      return p.unknown;
    case 'maintenance':
      return p.excludeMaintenance ? 'excluded' : 'down';
  }
};

/** The classes a policy counts as down (for reports: "what counts as down"). */
export const downClasses = (p: SlaPolicy): Availability[] =>
  (['down', 'degraded', 'unknown', 'maintenance'] as const).filter((a) => classify(a, p) === 'down');
