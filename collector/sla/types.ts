// Shapes shared by the SLA maths. Times are epoch milliseconds; every range is half-open [fromMs, toMs).
// Pure: no I/O, no clock (callers pass `nowMs`), no module state.
import type { ObjectState } from '../../agent/protocol/index.js';

/** Availability class: the same five the agents push (ObjectState.availability), so history feeds in as is. */
export type Availability = ObjectState['availability'];

export const AVAILABILITIES: readonly Availability[] = Object.freeze(['up', 'down', 'degraded', 'unknown', 'maintenance']);

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** One row of history for one object: from `atMs` on, the object is in `availability`. */
export interface Transition {
  readonly atMs: number;
  readonly availability: Availability;
}

/** The object was in `availability` during [fromMs, toMs). */
export interface Interval extends TimeRange {
  readonly availability: Availability;
}

/** Stable error codes of the SLA maths. */
export const SLA_ERRORS = {
  unsorted: 'sla.unsorted',
  overlap: 'sla.overlap',
  badWindow: 'sla.bad_window',
  badPolicy: 'sla.bad_policy',
  badTimeZone: 'sla.bad_time_zone',
  badInput: 'sla.bad_input',
} as const;
export type SlaErrorCode = (typeof SLA_ERRORS)[keyof typeof SLA_ERRORS];

export class SlaError extends Error {
  override readonly name = 'SlaError';
  constructor(
    readonly code: SlaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const checkRange = (r: TimeRange, what: string): void => {
  if (!Number.isFinite(r.fromMs) || !Number.isFinite(r.toMs) || r.toMs < r.fromMs) {
    throw new SlaError(SLA_ERRORS.badWindow, `${what}: need finite fromMs <= toMs, got [${r.fromMs}, ${r.toMs})`);
  }
};

export const checkNow = (nowMs: number): void => {
  if (!Number.isFinite(nowMs)) throw new SlaError(SLA_ERRORS.badWindow, `nowMs must be finite, got ${nowMs}`);
};

/** Length of the overlap of two ranges (0 when disjoint). */
export const overlapMs = (a: TimeRange, b: TimeRange): number =>
  Math.max(0, Math.min(a.toMs, b.toMs) - Math.max(a.fromMs, b.fromMs));
