// What every probe's observe.ts shares: the metric list's type and the small pure helpers that turn a report into
// Prometheus-style samples and per-object states. Enums are one-hot gauges with a label (never a state string as a
// value); output is sorted, so the same report always gives the same arrays.
import type { ObjectState, Sample } from '../protocol/index.js';

export type Availability = ObjectState['availability'];

/** One metric a probe can emit. Each probe's README table is held against its list by a test. */
export interface MetricDef {
  name: string;
  labels: readonly string[];
  help: string;
}

export type Labels = Record<string, string>;

/** Adds one sample: the metric name without the probe's prefix; a null value is left out. */
export type AddSample = (metric: string, value: number | null, labels?: Labels) => void;

/** A flag as a 0/1 gauge value. */
export const bool01 = (v: boolean): number => (v ? 1 : 0);

export const cmpStr = (a: string, c: string): number => (a < c ? -1 : a > c ? 1 : 0);

/** A label set as one string that does not depend on the order of its keys. */
export const labelKey = (l: Labels): string =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join('\u0000');

/** Sorts in place by metric, then labels; returns the array. */
export const sortSamples = (s: Sample[]): Sample[] => {
  // Each label key is built once, not twice per comparison: that was most of the agent's garbage per run.
  const keys = new Map<Sample, string>();
  for (const x of s) keys.set(x, labelKey(x.labels));
  return s.sort((x, y) => cmpStr(x.metric, y.metric) || cmpStr(keys.get(x) as string, keys.get(y) as string));
};

/** Sorts in place by kind, then id; returns the array. */
export const sortStates = (s: ObjectState[]): ObjectState[] => s.sort((x, y) => cmpStr(x.kind, y.kind) || cmpStr(x.id, y.id));

/**
 * One-hot samples of an enum: one series per known value plus the value itself when it is not a known one, 1 for
 * the value and 0 for the others, told apart by the label `label` added to `labels`.
 */
export const oneHot = (add: AddSample, metric: string, known: readonly string[], value: string, labels: Labels = {}, label = 'state'): void => {
  for (const s of new Set<string>([...known, value])) add(metric, bool01(s === value), { ...labels, [label]: s });
};

export interface SampleSet {
  /** Adds `PREFIX + metric` unless that series is there already (a repeated series keeps its first value); null is left out. */
  add: AddSample;
  /** Puts `PREFIX + metric`, replacing a value already there. */
  put: (metric: string, value: number, labels?: Labels) => void;
  /** The samples so far, sorted by metric, then labels; no duplicate series. */
  samples: () => Sample[];
}

/** Collects the samples of one report; every metric name gets `prefix` (`hawatch_<probe>_`). */
export const sampleSet = (prefix: string): SampleSet => {
  // Each sample with its label key, so that sorting (as sortSamples does) need not build the keys again.
  const out = new Map<string, { sample: Sample; lk: string }>();
  return {
    add: (m, value, labels = {}) => {
      if (value === null) return;
      const metric = `${prefix}${m}`;
      const lk = labelKey(labels);
      const key = `${metric}\u0001${lk}`;
      if (!out.has(key)) out.set(key, { sample: { metric, labels, value }, lk });
    },
    put: (m, value, labels = {}) => {
      const metric = `${prefix}${m}`;
      const lk = labelKey(labels);
      out.set(`${metric}\u0001${lk}`, { sample: { metric, labels, value }, lk });
    },
    samples: () =>
      [...out.values()]
        .sort((x, y) => cmpStr(x.sample.metric, y.sample.metric) || cmpStr(x.lk, y.lk))
        .map((e) => e.sample),
  };
};

export interface StateSet {
  /** Adds a state unless one of the same kind and id is there already (the first wins). */
  put: (s: ObjectState) => void;
  /** The states so far, sorted by kind, then id. */
  states: () => ObjectState[];
}

export const stateSet = (): StateSet => {
  const out = new Map<string, ObjectState>();
  return {
    put: (s) => {
      const key = `${s.kind}\u0000${s.id}`;
      if (!out.has(key)) out.set(key, s);
    },
    states: () => sortStates([...out.values()]),
  };
};
