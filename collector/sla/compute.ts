// Time-weighted availability, incidents, MTBF/MTTR/MTTA, error budget and burn rate over one window.
//
// Definitions (all over the evaluated range [window.from, min(window.to, now))):
//   counted up / down   time whose class counts as up / down under the policy (policy.ts: classify);
//                       excluded time (maintenance, unknown by default) is in neither;
//   availabilityRatio   counted up / (counted up + counted down); null when nothing was counted;
//   incident            a maximal run of counted-down time; excluded time inside a run does not end it (the
//                       object was down before and after, nothing shows it recovered); an incident cut by
//                       the window edge counts once in this window, a still-open one counts and runs to now;
//   MTBF                counted up / incidents (ITIL's mean uptime between failures); null without incidents;
//   MTTR                counted down / incidents; null without incidents;
//   MTTA                mean over acknowledged incidents of (first acknowledgement - incident start); an
//                       incident is acknowledged when some alert about the object that was firing during it
//                       (overlapping it) has an acknowledgement time; an ack made before the incident began
//                       counts as 0 (people already knew); incidents cut at the window's start are left out
//                       (their start lies in an earlier window);
//   error budget        (1 - slo) x counted time of the whole window, the part not yet elapsed assumed
//                       counted (minus future maintenance windows when excluded); for a past window this is
//                       (1 - slo) x counted time;
//   burn rate           budget consumed / elapsed fraction of the window = counted down / ((1 - slo) x counted
//                       time so far): 1 spends the budget exactly by the window's end, > 1 sooner.
import { evaluatedRange, objectIntervals } from './intervals.js';
import { classify, normaliseRanges, type Counted, type SlaPolicy } from './policy.js';
import { overlapMs, SLA_ERRORS, SlaError, type Availability, type Interval, type TimeRange, type Transition } from './types.js';

/** A firing alert about the object (alerts table: firing_ms, ends_ms, acked_ms), for MTTA. */
export interface AlertAck {
  readonly firingMs: number;
  /** When it stopped firing; null: still firing. */
  readonly endsMs: number | null;
  /** When a person acknowledged it; null: not acknowledged (it then acknowledges nothing). */
  readonly ackedMs: number | null;
}

export interface ComputeOptions {
  /** Alerts about the object, in any order; only acknowledged ones overlapping an incident matter. */
  readonly alerts?: readonly AlertAck[];
}

export interface Incident extends TimeRange {
  /** Counted-down time inside the incident (excluded time in it not included). */
  readonly downMs: number;
  /** Reaches the window start: it may have begun earlier. */
  readonly cutAtStart: boolean;
  /** Reaches the end of a window that has ended: it may go on. */
  readonly cutAtEnd: boolean;
  /** Still down at now (inside the window). */
  readonly open: boolean;
  /** First acknowledgement of an alert that fired during the incident; null: none. */
  readonly acknowledgedMs: number | null;
}

export interface AvailabilityReport {
  readonly window: TimeRange;
  /** The part of the window that has happened: [window.from, min(window.to, now)). */
  readonly evaluated: TimeRange;
  /** Time per raw class; these five add up to the evaluated length (gaps in the input count as unknown). */
  readonly uptimeMs: number;
  readonly downtimeMs: number;
  readonly degradedMs: number;
  readonly unknownMs: number;
  readonly maintenanceMs: number;
  /** Time per policy bucket; these three add up to the evaluated length. */
  readonly countedUpMs: number;
  readonly countedDownMs: number;
  readonly excludedMs: number;
  readonly availabilityRatio: number | null;
  readonly incidents: number;
  readonly incidentList: readonly Incident[];
  readonly mtbfMs: number | null;
  readonly mttrMs: number | null;
  readonly mttaMs: number | null;
  /** Incidents that count for MTTA: acknowledged and not cut at the window's start. */
  readonly acknowledged: number;
  readonly sloRatio: number;
  readonly errorBudgetMs: number;
  /** Negative once the budget is overspent. */
  readonly errorBudgetRemainingMs: number;
  readonly errorBudgetRemainingRatio: number | null;
  readonly burnRate: number | null;
}

const ratioOrNull = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/**
 * Each incident's first acknowledgement (over the acknowledged alerts that were firing at some moment of it), and
 * MTTA over the incidents whose start lies in the window. Alerts are few per object: a scan per incident is fine.
 */
export const acknowledge = (
  incidents: readonly Incident[],
  alerts: readonly AlertAck[],
): { list: Incident[]; acknowledged: number; mttaMs: number | null } => {
  const acked = alerts.filter((a) => a.ackedMs !== null && Number.isFinite(a.ackedMs) && Number.isFinite(a.firingMs));
  let sum = 0;
  let n = 0;
  const list = incidents.map((i): Incident => {
    let first: number | null = null;
    for (const a of acked) {
      const overlaps = a.firingMs < i.toMs && (a.endsMs ?? Infinity) > i.fromMs;
      if (overlaps && (first === null || (a.ackedMs as number) < first)) first = a.ackedMs;
    }
    if (first !== null && !i.cutAtStart) {
      sum += Math.max(0, first - i.fromMs);
      n++;
    }
    return first === null ? i : { ...i, acknowledgedMs: first };
  });
  return { list, acknowledged: n, mttaMs: n > 0 ? sum / n : null };
};

/**
 * Figures for one object (or service) in one window from its intervals (objectIntervals / finishIntervals).
 * Intervals must be sorted and non-overlapping; parts outside the evaluated range are ignored and gaps count
 * as unknown. Throws SlaError sla.overlap / sla.bad_window / sla.bad_input.
 */
export const computeAvailability = (
  intervals: readonly Interval[],
  policy: SlaPolicy,
  window: TimeRange,
  nowMs: number,
  options: ComputeOptions = {},
): AvailabilityReport => {
  const evaluated = evaluatedRange(window, nowMs);
  const raw: Record<Availability, number> = { up: 0, down: 0, degraded: 0, unknown: 0, maintenance: 0 };
  const counted: Record<Counted, number> = { up: 0, down: 0, excluded: 0 };
  const incidentList: Incident[] = [];
  // The run of counted-down time being built into an incident. Plain locals: an object spread here made a
  // year of history 8x slower (V8 clone of a closure-captured object).
  let hasRun = false;
  let runFrom = 0;
  let runTo = 0;
  let runDown = 0;

  const closeRun = (): void => {
    if (!hasRun) return;
    incidentList.push({
      fromMs: runFrom,
      toMs: runTo,
      downMs: runDown,
      cutAtStart: runFrom === window.fromMs,
      cutAtEnd: runTo === window.toMs && nowMs >= window.toMs,
      open: runTo === evaluated.toMs && nowMs < window.toMs,
      acknowledgedMs: null,
    });
    hasRun = false;
  };
  const add = (fromMs: number, toMs: number, a: Availability): void => {
    const len = toMs - fromMs;
    if (len <= 0) return;
    raw[a] += len;
    const c = classify(a, policy);
    counted[c] += len;
    if (c === 'down') {
      if (!hasRun) {
        hasRun = true;
        runFrom = fromMs;
        runDown = 0;
      }
      runTo = toMs;
      runDown += len;
    } else if (c === 'up') closeRun();
  };

  let cursor = evaluated.fromMs;
  let prevTo = -Infinity;
  for (let i = 0; i < intervals.length; i++) {
    const iv = intervals[i] as Interval;
    if (!Number.isFinite(iv.fromMs) || !Number.isFinite(iv.toMs) || iv.toMs < iv.fromMs) {
      throw new SlaError(SLA_ERRORS.badInput, `interval #${i} needs finite fromMs <= toMs, got [${iv.fromMs}, ${iv.toMs})`);
    }
    if (iv.fromMs < prevTo) throw new SlaError(SLA_ERRORS.overlap, `interval #${i} starts at ${iv.fromMs}, before the previous one ends (${prevTo})`);
    prevTo = iv.toMs;
    const from = Math.max(iv.fromMs, evaluated.fromMs);
    const to = Math.min(iv.toMs, evaluated.toMs);
    if (to <= from) continue;
    add(cursor, from, 'unknown');
    add(from, to, iv.availability);
    cursor = to;
  }
  add(cursor, evaluated.toMs, 'unknown');
  closeRun();

  const incidents = incidentList.length;
  const countedMs = counted.up + counted.down;
  // The rest of the window is assumed counted, except maintenance already planned in it.
  const rest = { fromMs: Math.max(window.fromMs, Math.min(nowMs, window.toMs)), toMs: window.toMs };
  const planned = policy.excludeMaintenance ? normaliseRanges(policy.maintenance).reduce((s, m) => s + overlapMs(m, rest), 0) : 0;
  const futureMs = Math.max(0, rest.toMs - rest.fromMs - planned);
  const allowedFraction = 1 - policy.slo;
  const errorBudgetMs = allowedFraction * (countedMs + futureMs);
  const errorBudgetRemainingMs = errorBudgetMs - counted.down;

  const { list: ackedList, acknowledged, mttaMs } = acknowledge(incidentList, options.alerts ?? []);

  return {
    window: { fromMs: window.fromMs, toMs: window.toMs },
    evaluated,
    uptimeMs: raw.up,
    downtimeMs: raw.down,
    degradedMs: raw.degraded,
    unknownMs: raw.unknown,
    maintenanceMs: raw.maintenance,
    countedUpMs: counted.up,
    countedDownMs: counted.down,
    excludedMs: counted.excluded,
    availabilityRatio: ratioOrNull(counted.up, countedMs),
    incidents,
    incidentList: ackedList,
    mtbfMs: ratioOrNull(counted.up, incidents),
    mttrMs: ratioOrNull(counted.down, incidents),
    mttaMs,
    acknowledged,
    sloRatio: policy.slo,
    errorBudgetMs,
    errorBudgetRemainingMs,
    errorBudgetRemainingRatio: ratioOrNull(errorBudgetRemainingMs, errorBudgetMs),
    burnRate: ratioOrNull(counted.down, allowedFraction * countedMs),
  };
};

/** objectIntervals + computeAvailability for one object's transitions. */
export const availabilityFromTransitions = (
  transitions: readonly Transition[],
  policy: SlaPolicy,
  window: TimeRange,
  nowMs: number,
  options: ComputeOptions & { readonly initial?: Availability } = {},
): AvailabilityReport =>
  computeAvailability(objectIntervals(transitions, window, nowMs, policy, options.initial), policy, window, nowMs, options);
