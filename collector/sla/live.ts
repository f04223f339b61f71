// The collector's live SLA figures: per SLA and period (current or previous calendar period in the SLA's time
// zone), every object's figures from the store, computed at most once per `maxAgeMs` and shared by the REST
// Availability resources, /metrics and the SNMP availability table, so the three faces show the same numbers and
// an NMS polling every few seconds costs a map lookup. The clock is injected; nothing here runs on a timer.
import type { Db } from '../store/db.js';
import type { ModelSnapshot } from '../model/model.js';
import { calendar, type Period } from './periods.js';
import { policyFor, type SlaDefinition } from './policy-config.js';
import type { SlaPolicy } from './policy.js';
import type { AvailabilityReport } from './compute.js';
import type { VipRouters } from './matchers.js';
import { SlaReader, SqliteSlaSource, type SlaSource, type SlaTarget, type StoredWindow } from './store.js';

export type PeriodSelector = 'current' | 'previous';
export const PERIOD_SELECTORS: readonly PeriodSelector[] = Object.freeze(['current', 'previous']);

export interface LiveObjectFigures {
  readonly target: SlaTarget;
  readonly reporters: readonly string[];
  readonly report: AvailabilityReport;
  /** API maintenance windows applied to this object. */
  readonly maintenance: readonly StoredWindow[];
}

export interface LiveSlaFigures {
  readonly definition: SlaDefinition;
  readonly selector: PeriodSelector;
  readonly period: Period;
  /** The SLA's policy over the period (YAML maintenance windows included; per-object API windows are not). */
  readonly policy: SlaPolicy;
  readonly computedAtMs: number;
  /** Sorted by cluster, kind, object (SlaReader.targets). */
  readonly objects: readonly LiveObjectFigures[];
}

export const DEFAULT_AVAILABILITY_MAX_AGE_MS = 10_000;

export interface AvailabilityServiceOptions {
  /** A fresh source per computation (SqliteSlaSource caches reporter sets per instance). */
  readonly source: () => SlaSource;
  readonly definitions: readonly SlaDefinition[];
  readonly now: () => number;
  readonly staleAfterIntervals?: number;
  /** Figures are reused while younger than this (default 10 s). */
  readonly maxAgeMs?: number;
  /** Called once per computation: which routers each virtual address belongs to (from the live model), for VIP MTTA. */
  readonly vipRouters?: () => (cluster: string, address: string) => VipRouters | undefined;
}

/** What the REST, Prometheus and SNMP faces read. */
export interface AvailabilityProvider {
  definitions(): readonly SlaDefinition[];
  /** null when no SLA has that name. */
  figures(sla: string, selector?: PeriodSelector): LiveSlaFigures | null;
  /** Every SLA's figures for one period, in configuration order. */
  all(selector?: PeriodSelector): LiveSlaFigures[];
}

/** The current or previous calendar period of an SLA at `nowMs`. */
export const slaPeriod = (def: Pick<SlaDefinition, 'timeZone' | 'period'>, nowMs: number, selector: PeriodSelector): Period => {
  const cal = calendar(def.timeZone);
  const current = cal.periodContaining(nowMs, def.period);
  return selector === 'current' ? current : cal.periodContaining(current.fromMs - 1, def.period);
};

export class AvailabilityService implements AvailabilityProvider {
  private readonly cache = new Map<string, { figures: LiveSlaFigures; validUntilMs: number }>();
  private readonly byName: ReadonlyMap<string, SlaDefinition>;
  private readonly maxAgeMs: number;
  /** Computations done (a test and the bench read it). */
  computations = 0;

  constructor(private readonly o: AvailabilityServiceOptions) {
    this.byName = new Map(o.definitions.map((d) => [d.name, d]));
    this.maxAgeMs = o.maxAgeMs ?? DEFAULT_AVAILABILITY_MAX_AGE_MS;
  }

  definitions(): readonly SlaDefinition[] {
    return this.o.definitions;
  }

  figures(sla: string, selector: PeriodSelector = 'current'): LiveSlaFigures | null {
    const def = this.byName.get(sla);
    if (def === undefined) return null;
    const now = this.o.now();
    const key = `${sla}\u0000${selector}`;
    const hit = this.cache.get(key);
    // Reused while young, and never past the end of the period it was computed in (a new month starts from zero).
    if (hit !== undefined && now >= hit.figures.computedAtMs && now - hit.figures.computedAtMs < this.maxAgeMs && now < hit.validUntilMs) return hit.figures;
    const figures = this.compute(def, selector, now);
    this.cache.set(key, { figures, validUntilMs: slaPeriod(def, now, 'current').toMs });
    return figures;
  }

  all(selector: PeriodSelector = 'current'): LiveSlaFigures[] {
    return this.o.definitions.map((d) => this.figures(d.name, selector) as LiveSlaFigures);
  }

  private compute(def: SlaDefinition, selector: PeriodSelector, now: number): LiveSlaFigures {
    this.computations++;
    const period = slaPeriod(def, now, selector);
    const debounce = def.policy.debounceMs;
    const policy = policyFor(def, { fromMs: period.fromMs - debounce, toMs: period.toMs + debounce });
    const routers = this.o.vipRouters;
    // Built on the first VIP only: an SLA without VIPs never pays for a model snapshot.
    let index: ReturnType<NonNullable<typeof routers>> | undefined;
    const reader = new SlaReader(this.o.source(), {
      ...(this.o.staleAfterIntervals === undefined ? {} : { staleAfterIntervals: this.o.staleAfterIntervals }),
      ...(routers === undefined ? {} : { vipRouters: (c: string, a: string) => (index ??= routers())(c, a) }),
    });
    const objects: LiveObjectFigures[] = [];
    for (const target of reader.targets(def.objects)) {
      const r = reader.objectSla(target, period, now, policy, def.service);
      if (r !== null) objects.push({ target, reporters: r.reporters, report: r.report, maintenance: r.maintenance });
    }
    return { definition: def, selector, period, policy, computedAtMs: now, objects };
  }
}

/** The service over the collector's own database. */
export const sqliteAvailability = (db: Db, o: Omit<AvailabilityServiceOptions, 'source'>): AvailabilityService =>
  new AvailabilityService({ ...o, source: () => new SqliteSlaSource(db) });

interface VrrpLike {
  instances?: { name?: unknown; vrid?: unknown; vips?: { address?: unknown }[] }[];
}

/**
 * Address → the VRIDs and instance names that carry it, from every node's last vrrp report in one snapshot (a
 * router-wide alert such as VrrpSplitBrain names the VRID, not the addresses). Read defensively: a report the
 * model could not check simply contributes nothing.
 */
export const vipRoutersOf = (snapshot: ModelSnapshot): ((cluster: string, address: string) => VipRouters | undefined) => {
  const index = new Map<string, { vrids: Set<string>; instances: Set<string> }>();
  for (const c of snapshot.clusters) {
    for (const n of c.nodes) {
      const r = n.probes['vrrp']?.report as VrrpLike | null | undefined;
      for (const i of Array.isArray(r?.instances) ? (r?.instances ?? []) : []) {
        for (const v of Array.isArray(i.vips) ? i.vips : []) {
          if (typeof v.address !== 'string') continue;
          const key = `${c.name}\u0000${v.address}`;
          let e = index.get(key);
          if (e === undefined) index.set(key, (e = { vrids: new Set(), instances: new Set() }));
          if (typeof i.vrid === 'number') e.vrids.add(String(i.vrid));
          if (typeof i.name === 'string') e.instances.add(i.name);
        }
      }
    }
  }
  return (cluster, address) => {
    const e = index.get(`${cluster}\u0000${address}`);
    return e === undefined ? undefined : { vrids: [...e.vrids], instances: [...e.instances] };
  };
};
