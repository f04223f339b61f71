// The SLA report as data: per SLA and object, the figures over a window (and per calendar period when the window
// spans several), incidents with times and what the cluster showed, and the timeline the HTML draws.
// Renderers (JSON, CSV, HTML) only format this; nothing here does I/O or reads a clock.
import { calendar, computeAvailability, downClasses, type Availability, type AvailabilityReport, type Interval, type TimeRange } from '../sla/index.js';
import { describePolicy, policyFor, type SlaDefinition } from '../sla/policy-config.js';
import type { EvidenceInterval, SlaKind, SlaReader } from '../sla/store.js';

export const REPORT_FORMAT = 'hawatch-sla-report/1';

export interface Instant {
  readonly ms: number;
  readonly iso: string;
}
const at = (ms: number): Instant => ({ ms, iso: new Date(ms).toISOString() });

export interface ReportIncident {
  readonly from: Instant;
  readonly to: Instant;
  readonly durationMs: number;
  /** Counted-down time inside it (excluded time within it left out). */
  readonly downMs: number;
  readonly open: boolean;
  readonly cutAtStart: boolean;
  readonly cutAtEnd: boolean;
  /** What the cluster showed during it, e.g. "split: n1, n2", "down", "offline". */
  readonly cause: string;
  /** First acknowledgement of an alert about the object that fired during it; null: none. */
  readonly acknowledged: Instant | null;
}

export interface ReportSegment {
  readonly fromMs: number;
  readonly toMs: number;
  readonly availability: Availability;
}

export interface Figures {
  readonly achievedPercent: number | null;
  readonly met: boolean | null;
  readonly uptimeMs: number;
  readonly downtimeMs: number;
  readonly excludedMs: number;
  readonly incidents: number;
  readonly mtbfMs: number | null;
  readonly mttrMs: number | null;
  /** Mean time from an incident's start to its first acknowledgement (alerts acknowledged in the API). */
  readonly mttaMs: number | null;
  readonly acknowledgedIncidents: number;
  readonly errorBudgetMs: number;
  readonly errorBudgetLeftMs: number;
  readonly errorBudgetLeftPercent: number | null;
  readonly burnRate: number | null;
}

export interface PeriodRow extends Figures {
  readonly label: string;
  readonly from: Instant;
  readonly to: Instant;
}

export interface ObjectRow extends Figures {
  readonly cluster: string;
  readonly kind: SlaKind;
  readonly object: string;
  readonly reporters: readonly string[];
  /** Raw time per class over the evaluated range (before the policy decides what counts). */
  readonly classMs: Readonly<Record<Availability, number>>;
  readonly incidentList: readonly ReportIncident[];
  readonly timeline: readonly ReportSegment[];
  /** Only when the window spans more than one of the SLA's periods. */
  readonly periods: readonly PeriodRow[];
  /** Maintenance windows set through the API that apply to this object (the SLA's own are in the section). */
  readonly maintenance: readonly { readonly from: Instant; readonly to: Instant; readonly comment: string }[];
}

export interface SlaSection {
  readonly name: string;
  readonly description: string;
  readonly sloPercent: number;
  readonly period: string;
  readonly timeZone: string;
  readonly policy: string;
  readonly countedAsDown: readonly Availability[];
  readonly debounceSeconds: number;
  readonly maintenance: readonly { readonly from: Instant; readonly to: Instant }[];
  readonly objects: readonly ObjectRow[];
}

export interface SlaReportModel {
  readonly format: typeof REPORT_FORMAT;
  readonly generatedAt: Instant;
  readonly source: string;
  readonly cluster: string | null;
  readonly window: { readonly from: Instant; readonly to: Instant };
  /** The part of the window that had happened when the report was made. */
  readonly evaluated: { readonly from: Instant; readonly to: Instant };
  /** Time zone the report is shown in (the first SLA's unless asked). */
  readonly timeZone: string;
  readonly slas: readonly SlaSection[];
}

export interface ReportRequest {
  readonly reader: SlaReader;
  readonly definitions: readonly SlaDefinition[];
  readonly window: TimeRange;
  readonly nowMs: number;
  /** Only this cluster. */
  readonly cluster?: string;
  /** Where the history came from, for the reader of the report. */
  readonly source: string;
  readonly timeZone?: string;
}

const pct = (ratio: number | null): number | null => (ratio === null ? null : ratio * 100);

const figures = (r: AvailabilityReport): Figures => ({
  achievedPercent: pct(r.availabilityRatio),
  met: r.availabilityRatio === null ? null : r.availabilityRatio >= r.sloRatio,
  uptimeMs: r.countedUpMs,
  downtimeMs: r.countedDownMs,
  excludedMs: r.excludedMs,
  incidents: r.incidents,
  mtbfMs: r.mtbfMs,
  mttrMs: r.mttrMs,
  mttaMs: r.mttaMs,
  acknowledgedIncidents: r.acknowledged,
  errorBudgetMs: r.errorBudgetMs,
  errorBudgetLeftMs: r.errorBudgetRemainingMs,
  errorBudgetLeftPercent: pct(r.errorBudgetRemainingRatio),
  burnRate: r.burnRate,
});

/** The distinct things the cluster showed while an incident lasted, in order. Both lists sorted: one pass. */
const incidentsOf = (r: AvailabilityReport, evidence: readonly EvidenceInterval[]): ReportIncident[] => {
  let k = 0;
  return r.incidentList.map((i) => {
    while (k < evidence.length && (evidence[k] as EvidenceInterval).toMs <= i.fromMs) k++;
    const seen: string[] = [];
    for (let j = k; j < evidence.length; j++) {
      const e = evidence[j] as EvidenceInterval;
      if (e.fromMs >= i.toMs) break;
      if (e.availability === 'up') continue;
      const s = e.holders.length > 0 && e.state !== 'up' ? `${e.state}: ${e.holders.join(', ')}` : e.state;
      if (!seen.includes(s)) seen.push(s);
    }
    return {
      from: at(i.fromMs),
      to: at(i.toMs),
      durationMs: i.toMs - i.fromMs,
      downMs: i.downMs,
      open: i.open,
      cutAtStart: i.cutAtStart,
      cutAtEnd: i.cutAtEnd,
      cause: seen.join('; '),
      acknowledged: i.acknowledgedMs === null ? null : at(i.acknowledgedMs),
    };
  });
};

const segmentsOf = (intervals: readonly Interval[]): ReportSegment[] => intervals.map((i) => ({ fromMs: i.fromMs, toMs: i.toMs, availability: i.availability }));

/** Build the report: every SLA, every object it names that existed in the window. */
export const buildReport = (req: ReportRequest): SlaReportModel => {
  const { window, nowMs } = req;
  const evalTo = Math.max(window.fromMs, Math.min(window.toMs, nowMs));
  const slas = req.definitions.map((def): SlaSection => {
    const debounce = def.policy.debounceMs;
    const policy = policyFor(def, { fromMs: window.fromMs - debounce, toMs: window.toMs + debounce });
    const periods = calendar(def.timeZone).periodsBetween(window.fromMs, window.toMs, def.period);
    const objects: ObjectRow[] = [];
    for (const target of req.reader.targets(def.objects, req.cluster)) {
      const res = req.reader.objectSla(target, window, nowMs, policy, def.service);
      if (res === null) continue;
      const r = res.report;
      const perPeriod =
        periods.length > 1
          ? periods.map((p): PeriodRow => {
              const w = { fromMs: Math.max(p.fromMs, window.fromMs), toMs: Math.min(p.toMs, window.toMs) };
              const alerts = req.reader.alertsAbout(target, w);
              return { label: p.label, from: at(w.fromMs), to: at(w.toMs), ...figures(computeAvailability(res.intervals, res.policy, w, nowMs, { alerts })) };
            })
          : [];
      objects.push({
        cluster: target.cluster,
        kind: target.kind,
        object: target.object,
        reporters: res.reporters,
        ...figures(r),
        classMs: { up: r.uptimeMs, down: r.downtimeMs, degraded: r.degradedMs, unknown: r.unknownMs, maintenance: r.maintenanceMs },
        incidentList: incidentsOf(r, res.evidence),
        timeline: segmentsOf(res.intervals),
        periods: perPeriod,
        maintenance: res.maintenance
          .filter((m) => m.toMs > window.fromMs && m.fromMs < window.toMs)
          .map((m) => ({ from: at(m.fromMs), to: at(m.toMs), comment: m.comment })),
      });
    }
    return {
      name: def.name,
      description: def.description,
      sloPercent: def.policy.slo * 100,
      period: def.period,
      timeZone: def.timeZone,
      policy: describePolicy(def),
      countedAsDown: downClasses(policy),
      debounceSeconds: debounce / 1000,
      maintenance: policy.maintenance.filter((m) => m.toMs > window.fromMs && m.fromMs < window.toMs).map((m) => ({ from: at(m.fromMs), to: at(m.toMs) })),
      objects,
    };
  });
  return {
    format: REPORT_FORMAT,
    generatedAt: at(nowMs),
    source: req.source,
    cluster: req.cluster ?? null,
    window: { from: at(window.fromMs), to: at(window.toMs) },
    evaluated: { from: at(window.fromMs), to: at(evalTo) },
    timeZone: req.timeZone ?? req.definitions[0]?.timeZone ?? 'UTC',
    slas,
  };
};
