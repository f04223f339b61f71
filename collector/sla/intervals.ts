// From one object's transitions to the state intervals the SLA maths reads.
//
// Pipeline (objectIntervals does all of it):
//   buildTimeline   transitions → intervals over a context range (the window widened by the debounce on both
//                   sides, never past now), so that a blip's true length is known at the window's edges;
//   debounce        non-up periods shorter than debounceMs take the state before them;
//   clip            to the evaluated range [window.from, min(window.to, now));
//   maintenance     policy windows overlaid as 'maintenance' (only when the policy excludes maintenance);
//   merge           touching intervals of one class joined.
// Callers fetching from the store should pass the last transition at or before `from - debounceMs` and every
// one up to `to + debounceMs`; earlier or later rows do no harm.
import { normaliseRanges, type SlaPolicy } from './policy.js';
import { checkNow, checkRange, SLA_ERRORS, SlaError, type Availability, type Interval, type TimeRange, type Transition } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Append, joining with the last interval when it touches and has the same class; empty intervals dropped. */
const push = (out: Mutable<Interval>[], fromMs: number, toMs: number, availability: Availability): void => {
  if (toMs <= fromMs) return;
  const last = out[out.length - 1];
  if (last !== undefined && last.toMs === fromMs && last.availability === availability) last.toMs = toMs;
  else out.push({ fromMs, toMs, availability });
};

/** Index of the first transition with atMs > t (transitions sorted by atMs). */
const firstAfter = (ts: readonly Transition[], t: number): number => {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] as Transition).atMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

const unsorted = (i: number, at: number): SlaError =>
  new SlaError(SLA_ERRORS.unsorted, `transitions must be sorted by finite atMs; #${i} has atMs ${at}`);

/**
 * Intervals covering `range` exactly, from transitions sorted by atMs (ties: the later row wins). The state
 * at range.fromMs is that of the last transition at or before it, else `initial` (default 'unknown': no
 * history is no evidence). Transitions at or after range.toMs are ignored; the order is checked where read.
 */
export const buildTimeline = (
  transitions: readonly Transition[],
  range: TimeRange,
  initial: Availability = 'unknown',
): Interval[] => {
  checkRange(range, 'timeline range');
  const out: Mutable<Interval>[] = [];
  if (range.toMs === range.fromMs) return out;
  const start = firstAfter(transitions, range.fromMs);
  let state = start > 0 ? (transitions[start - 1] as Transition).availability : initial;
  let cur = range.fromMs;
  let prevAt = start > 0 ? (transitions[start - 1] as Transition).atMs : -Infinity;
  for (let i = start; i < transitions.length; i++) {
    const t = transitions[i] as Transition;
    if (!(t.atMs >= prevAt) || !Number.isFinite(t.atMs)) throw unsorted(i, t.atMs);
    prevAt = t.atMs;
    if (t.atMs >= range.toMs) break;
    if (t.availability !== state) {
      push(out, cur, t.atMs, state);
      cur = t.atMs;
      state = t.availability;
    }
  }
  push(out, cur, range.toMs, state);
  return out;
};

const checkIntervals = (intervals: readonly Interval[]): void => {
  let prevTo = -Infinity;
  for (let i = 0; i < intervals.length; i++) {
    const iv = intervals[i] as Interval;
    if (!Number.isFinite(iv.fromMs) || !Number.isFinite(iv.toMs) || iv.toMs < iv.fromMs) {
      throw new SlaError(SLA_ERRORS.badInput, `interval #${i} needs finite fromMs <= toMs, got [${iv.fromMs}, ${iv.toMs})`);
    }
    if (iv.fromMs < prevTo) throw new SlaError(SLA_ERRORS.overlap, `interval #${i} starts at ${iv.fromMs}, before the previous one ends (${prevTo})`);
    prevTo = iv.toMs;
  }
};

/** Touching intervals of one class joined, empty ones dropped. Input sorted and non-overlapping. */
export const mergeAdjacent = (intervals: readonly Interval[]): Interval[] => {
  checkIntervals(intervals);
  const out: Mutable<Interval>[] = [];
  for (const iv of intervals) push(out, iv.fromMs, iv.toMs, iv.availability);
  return out;
};

/**
 * Blips dropped: a non-up interval shorter than minMs takes the class of the interval just before it (after
 * that one's own debouncing), as if the change had never been confirmed. So a still-open non-up period
 * counts only once it has lasted minMs. The first interval is kept as is: its true start is not known.
 * Up intervals are never changed (an up blip inside an outage still ends the incident). An interval after
 * a gap has no state before it and is kept.
 */
export const debounceIntervals = (intervals: readonly Interval[], minMs: number): Interval[] => {
  const merged = mergeAdjacent(intervals);
  if (!(minMs > 0)) return merged;
  const out: Mutable<Interval>[] = [];
  for (const iv of merged) {
    const prev = out[out.length - 1];
    const blip = prev !== undefined && prev.toMs === iv.fromMs && iv.availability !== 'up' && iv.toMs - iv.fromMs < minMs;
    push(out, iv.fromMs, iv.toMs, blip ? prev.availability : iv.availability);
  }
  return out;
};

/** The parts of intervals inside `range`. */
export const clipIntervals = (intervals: readonly Interval[], range: TimeRange): Interval[] => {
  checkRange(range, 'clip range');
  const out: Mutable<Interval>[] = [];
  for (const iv of intervals) {
    if (iv.toMs <= range.fromMs) continue;
    if (iv.fromMs >= range.toMs) break;
    push(out, Math.max(iv.fromMs, range.fromMs), Math.min(iv.toMs, range.toMs), iv.availability);
  }
  return out;
};

/** Intervals with every part inside a maintenance window turned into 'maintenance'. Windows sorted, merged. */
export const overlayMaintenance = (intervals: readonly Interval[], windows: readonly TimeRange[]): Interval[] => {
  const out: Mutable<Interval>[] = [];
  let w = 0;
  for (const iv of intervals) {
    let cur = iv.fromMs;
    while (w < windows.length && (windows[w] as TimeRange).toMs <= cur) w++;
    for (let k = w; k < windows.length && cur < iv.toMs; k++) {
      const win = windows[k] as TimeRange;
      if (win.fromMs >= iv.toMs) break;
      push(out, cur, Math.max(cur, win.fromMs), iv.availability);
      cur = Math.max(cur, win.fromMs);
      const end = Math.min(win.toMs, iv.toMs);
      push(out, cur, end, 'maintenance');
      cur = end;
    }
    push(out, cur, iv.toMs, iv.availability);
  }
  return out;
};

/** The part of a window that has happened: [from, min(to, now)), empty when the window lies in the future. */
export const evaluatedRange = (window: TimeRange, nowMs: number): TimeRange => {
  checkRange(window, 'window');
  checkNow(nowMs);
  return { fromMs: window.fromMs, toMs: Math.max(window.fromMs, Math.min(window.toMs, nowMs)) };
};

/** The range to build a timeline over before debouncing: the window widened by debounceMs, never past now. */
export const contextRange = (window: TimeRange, nowMs: number, debounceMs: number): TimeRange => {
  const e = evaluatedRange(window, nowMs);
  const fromMs = e.fromMs - debounceMs;
  return { fromMs, toMs: Math.max(fromMs, Math.min(window.toMs + debounceMs, nowMs)) };
};

type IntervalPolicy = Pick<SlaPolicy, 'debounceMs' | 'maintenance' | 'excludeMaintenance'>;

/** Debounce, clip to the evaluated range, overlay maintenance (when excluded by policy), merge. */
export const finishIntervals = (
  timeline: readonly Interval[],
  window: TimeRange,
  nowMs: number,
  policy: IntervalPolicy,
): Interval[] => {
  const clipped = clipIntervals(debounceIntervals(timeline, policy.debounceMs), evaluatedRange(window, nowMs));
  if (!policy.excludeMaintenance || policy.maintenance.length === 0) return clipped;
  // Normalised again because a policy need not come from slaPolicy(); cheap for a handful of windows.
  return overlayMaintenance(clipped, normaliseRanges(policy.maintenance));
};

/** The intervals of one object in a window, ready for computeAvailability. */
export const objectIntervals = (
  transitions: readonly Transition[],
  window: TimeRange,
  nowMs: number,
  policy: IntervalPolicy,
  initial: Availability = 'unknown',
): Interval[] =>
  finishIntervals(buildTimeline(transitions, contextRange(window, nowMs, policy.debounceMs), initial), window, nowMs, policy);
