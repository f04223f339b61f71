// Service-level truth from the cluster as a whole: a service (a resource, a virtual IP) is up when it runs
// somewhere healthy, not when one node says so. Input: per node, intervals saying what that node reports
// about its own instance of the service:
//   up           running / held here, and healthy
//   degraded     running / held here, but impaired (counts as a holder, not as a healthy one)
//   down         not running / not held here
//   unknown      no data or stale reporter (gaps in a node's list count as unknown too)
//   maintenance  here under maintenance (e.g. unmanaged): neither holder nor proof of absence
// At each instant, first match wins:
//   every reporter unknown                    → unknown
//   holders > maxHolders                      → split   (two MASTERs for one VIP, a primitive on two nodes)
//   healthy holders >= minHealthy             → up
//   some holder                               → degraded
//   some reporter in maintenance              → maintenance
//   some reporter unknown, no known holder    → noHolderWithUnknown (default down: a silent node is not
//                                               counted as serving; 'unknown' if it might be)
//   otherwise                                 → down
// A known split is reported even if other reporters are unknown: the known holders are already proof.
import { computeAvailability, type AvailabilityReport, type ComputeOptions } from './compute.js';
import { buildTimeline, contextRange, evaluatedRange, finishIntervals } from './intervals.js';
import type { SlaPolicy } from './policy.js';
import { checkRange, SLA_ERRORS, SlaError, type Availability, type Interval, type TimeRange, type Transition } from './types.js';

export type ServiceState = 'up' | 'degraded' | 'down' | 'split' | 'unknown' | 'maintenance';

export interface ServicePolicy {
  /** Healthy holders needed for up: 1 for a primitive or a VIP; more for a clone that needs N copies. */
  readonly minHealthy: number;
  /** More holders than this is a split: 1 for a primitive or a VIP; Infinity (or the node count) for a clone. */
  readonly maxHolders: number;
  /** The availability class a split counts as. */
  readonly split: Availability;
  /** What "no known holder while some reporter is unknown" is. */
  readonly noHolderWithUnknown: 'down' | 'unknown';
}

export const DEFAULT_SERVICE_POLICY: ServicePolicy = Object.freeze({
  minHealthy: 1,
  maxHolders: 1,
  split: 'down',
  noHolderWithUnknown: 'down',
} as const);

/** Clones: up with one healthy copy, any number of copies allowed. */
export const CLONE_SERVICE_POLICY: ServicePolicy = Object.freeze({ ...DEFAULT_SERVICE_POLICY, maxHolders: Infinity });

export interface NodeTimeline {
  readonly node: string;
  /** Sorted, non-overlapping. */
  readonly intervals: readonly Interval[];
}

export interface ServiceInterval extends Interval {
  readonly state: ServiceState;
  /** Nodes holding the service (up or degraded) during the interval: the evidence for split and up. */
  readonly holders: readonly string[];
}

const bad = (msg: string): SlaError => new SlaError(SLA_ERRORS.badPolicy, msg);

export const servicePolicy = (input: Partial<ServicePolicy> = {}): ServicePolicy => {
  const p = { ...DEFAULT_SERVICE_POLICY, ...input };
  if (!Number.isInteger(p.minHealthy) || p.minHealthy < 1) throw bad(`minHealthy must be an integer >= 1, got ${p.minHealthy}`);
  if (!(p.maxHolders === Infinity || Number.isInteger(p.maxHolders)) || p.maxHolders < p.minHealthy) {
    throw bad(`maxHolders must be an integer >= minHealthy (${p.minHealthy}) or Infinity, got ${p.maxHolders}`);
  }
  if (p.noHolderWithUnknown !== 'down' && p.noHolderWithUnknown !== 'unknown') {
    throw bad(`noHolderWithUnknown must be down or unknown, got ${String(p.noHolderWithUnknown)}`);
  }
  return Object.freeze(p);
};

const AVAILABILITY_OF: Readonly<Record<Exclude<ServiceState, 'split'>, Availability>> = Object.freeze({
  up: 'up',
  degraded: 'degraded',
  down: 'down',
  unknown: 'unknown',
  maintenance: 'maintenance',
});

/** Service state from the nodes' states at one instant (names and states in the same order). */
export const serviceStateAt = (
  names: readonly string[],
  states: readonly Availability[],
  policy: ServicePolicy,
): { state: ServiceState; holders: string[] } => {
  const holders: string[] = [];
  let healthy = 0;
  let unknown = 0;
  let maintenance = 0;
  states.forEach((s, i) => {
    if (s === 'up' || s === 'degraded') holders.push(names[i] as string);
    if (s === 'up') healthy++;
    else if (s === 'unknown') unknown++;
    else if (s === 'maintenance') maintenance++;
  });
  let state: ServiceState;
  if (unknown === states.length) state = 'unknown';
  else if (holders.length > policy.maxHolders) state = 'split';
  else if (healthy >= policy.minHealthy) state = 'up';
  else if (holders.length > 0) state = 'degraded';
  else if (maintenance > 0) state = 'maintenance';
  else if (unknown > 0) state = policy.noHolderWithUnknown;
  else state = 'down';
  return { state, holders };
};

/**
 * The service's intervals over `range` from each node's intervals. Each result carries the service state, the
 * holders (evidence) and the availability class for the SLA maths (a split counts as policy.split); adjacent
 * intervals with the same state and holders are joined. Feed them to finishIntervals (debounce, clip,
 * maintenance) and computeAvailability like one object's intervals; build the node timelines over
 * contextRange() so debouncing sees whole blips.
 */
export const combineService = (
  nodes: readonly NodeTimeline[],
  range: TimeRange,
  policyInput: Partial<ServicePolicy> = {},
): ServiceInterval[] => {
  checkRange(range, 'service range');
  const policy = servicePolicy(policyInput);
  const cuts = new Set<number>([range.fromMs, range.toMs]);
  for (const n of nodes) {
    let prevTo = -Infinity;
    for (const iv of n.intervals) {
      if (!(iv.fromMs <= iv.toMs) || !Number.isFinite(iv.fromMs) || !Number.isFinite(iv.toMs)) {
        throw new SlaError(SLA_ERRORS.badInput, `node ${n.node}: interval needs finite fromMs <= toMs, got [${iv.fromMs}, ${iv.toMs})`);
      }
      if (iv.fromMs < prevTo) throw new SlaError(SLA_ERRORS.overlap, `node ${n.node}: intervals overlap at ${iv.fromMs}`);
      prevTo = iv.toMs;
      if (iv.fromMs > range.fromMs && iv.fromMs < range.toMs) cuts.add(iv.fromMs);
      if (iv.toMs > range.fromMs && iv.toMs < range.toMs) cuts.add(iv.toMs);
    }
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  const names = nodes.map((n) => n.node);
  const pos = nodes.map(() => 0);
  const states: Availability[] = nodes.map(() => 'unknown');
  const out: { fromMs: number; toMs: number; availability: Availability; state: ServiceState; holders: string[] }[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const from = bounds[b] as number;
    const to = bounds[b + 1] as number;
    nodes.forEach((n, i) => {
      let k = pos[i] as number;
      while (k < n.intervals.length && (n.intervals[k] as Interval).toMs <= from) k++;
      pos[i] = k;
      const iv = n.intervals[k];
      states[i] = iv !== undefined && iv.fromMs <= from ? iv.availability : 'unknown';
    });
    const { state, holders } = serviceStateAt(names, states, policy);
    const last = out[out.length - 1];
    if (last !== undefined && last.toMs === from && last.state === state && last.holders.join('\u0000') === holders.join('\u0000')) {
      last.toMs = to;
    } else {
      out.push({ fromMs: from, toMs: to, state, holders, availability: state === 'split' ? policy.split : AVAILABILITY_OF[state] });
    }
  }
  return out;
};

export interface NodeTransitions {
  readonly node: string;
  /** Sorted by atMs: the node's own report of its instance of the service. */
  readonly transitions: readonly Transition[];
}

/** Service intervals in a window, ready for computeAvailability, plus the undebounced evidence (clipped to the window). */
export const serviceIntervals = (
  nodes: readonly NodeTransitions[],
  window: TimeRange,
  nowMs: number,
  policy: SlaPolicy,
  service: Partial<ServicePolicy> = {},
): { intervals: Interval[]; evidence: ServiceInterval[] } => {
  const range = contextRange(window, nowMs, policy.debounceMs);
  const evidence = combineService(
    nodes.map((n) => ({ node: n.node, intervals: buildTimeline(n.transitions, range) })),
    range,
    service,
  );
  const e = evaluatedRange(window, nowMs);
  const clipped = evidence
    .filter((iv) => iv.toMs > e.fromMs && iv.fromMs < e.toMs)
    .map((iv) => ({ ...iv, fromMs: Math.max(iv.fromMs, e.fromMs), toMs: Math.min(iv.toMs, e.toMs) }));
  return { intervals: finishIntervals(evidence, window, nowMs, policy), evidence: clipped };
};

/** Figures for one service from its nodes' transitions. */
export const serviceAvailability = (
  nodes: readonly NodeTransitions[],
  window: TimeRange,
  nowMs: number,
  policy: SlaPolicy,
  service: Partial<ServicePolicy> = {},
  options: ComputeOptions = {},
): AvailabilityReport =>
  computeAvailability(serviceIntervals(nodes, window, nowMs, policy, service).intervals, policy, window, nowMs, options);
