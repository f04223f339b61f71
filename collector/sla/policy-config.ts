// SLA policies in the collector's YAML (`slas:`), and the pure policy objects the maths takes.
//
//   slas:
//     - name: web
//       objects:
//         - { cluster: hwlab, kind: resource, id: "web*" }   # kind: resource | vip | node | cluster; globs * ?
//       slo: 99.9                     # percent
//       period: month                 # day | week | month | quarter | year, calendar-aligned in timeZone
//       timeZone: Europe/Berlin
//       countAs: { degraded: up, unknown: excluded, maintenance: excluded, splitBrain: down, noHolder: down }
//       debounceSeconds: 30
//       maintenance:
//         - { weekly: "Sun 02:00-04:00" }                   # local time in timeZone; may end after midnight
//         - { from: "2026-12-24T00:00:00+01:00", to: "2026-12-27T00:00:00+01:00" }
import Type, { type Static } from 'typebox';
import { ConfigError, loadConfigFile, validateConfig } from '../../common/config-file.js';
import { calendar, PERIOD_KINDS, type PeriodKind } from './periods.js';
import { slaPolicy, type SlaPolicy } from './policy.js';
import { servicePolicy, type ServicePolicy } from './service.js';
import type { Availability, TimeRange } from './types.js';
import type { ObjectSelector, SlaKind } from './store.js';

const lit = <T extends string>(...values: T[]) => values.map((v) => Type.Literal(v));

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
/** `Sun 02:00-04:00`; the end may be 24:00 or earlier than the start (then it is on the next day). */
export const WEEKLY_WINDOW = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

export const SlaObjectConfig = Type.Object(
  {
    cluster: Type.String({ minLength: 1, default: '*', description: 'cluster name or glob (* and ?)' }),
    kind: Type.Union(lit<SlaKind>('resource', 'vip', 'node', 'cluster'), { description: 'a resource or a VIP is a service; a node; a cluster (a quorate partition exists)' }),
    id: Type.String({ minLength: 1, default: '*', description: 'resource id, VIP address or node name, or a glob; not used for kind cluster' }),
  },
  { additionalProperties: false },
);

export const MaintenanceWindowConfig = Type.Union([
  Type.Object(
    {
      from: Type.String({ pattern: RFC3339, description: 'RFC 3339 with a zone' }),
      to: Type.String({ pattern: RFC3339 }),
      note: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      weekly: Type.String({ pattern: WEEKLY_WINDOW.source, description: 'e.g. "Sun 02:00-04:00", local time in the SLA time zone' }),
      note: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
]);

export const CountAsConfig = Type.Object(
  {
    degraded: Type.Union(lit('up', 'down'), { default: 'up', description: 'running but impaired (or on its way somewhere)' }),
    unknown: Type.Union(lit('excluded', 'up', 'down'), { default: 'excluded', description: 'no data or silent agents: left out by default' }),
    maintenance: Type.Union(lit('excluded', 'down'), { default: 'excluded', description: 'maintenance windows and objects in maintenance' }),
    splitBrain: Type.Union(lit<Availability>('down', 'degraded', 'up', 'unknown'), { default: 'down', description: 'a service held by more than one node' }),
    noHolder: Type.Union(lit('down', 'unknown'), { default: 'down', description: 'no node known to hold a service while some node reports nothing' }),
  },
  { additionalProperties: false, default: {} },
);

export const SlaConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    description: Type.Optional(Type.String()),
    objects: Type.Array(SlaObjectConfig, { minItems: 1 }),
    slo: Type.Number({ minimum: 0, maximum: 100, default: 99.9, description: 'target availability in percent' }),
    period: Type.Union(lit<PeriodKind>(...PERIOD_KINDS), { default: 'month' }),
    timeZone: Type.String({ minLength: 1, default: 'UTC', description: 'IANA time zone of the periods and weekly windows' }),
    countAs: CountAsConfig,
    debounceSeconds: Type.Number({ minimum: 0, default: 0, description: 'outages shorter than this are blips' }),
    maintenance: Type.Array(MaintenanceWindowConfig, { default: [] }),
  },
  { additionalProperties: false },
);
export type SlaConfig = Static<typeof SlaConfig>;

/** The collector config's `slas:` block. */
export const SlasConfig = Type.Array(SlaConfig, { default: [] });
export type SlasConfig = Static<typeof SlasConfig>;

/** A YAML file of which only `slas:` and agents.staleAfterIntervals are read (the collector's own config, by `hawatch report`). */
export const SlasFile = Type.Object(
  {
    slas: SlasConfig,
    agents: Type.Optional(Type.Object({ staleAfterIntervals: Type.Optional(Type.Number({ minimum: 1 })) }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

export interface WeeklyWindow {
  /** 0 = Sunday. */
  readonly day: number;
  readonly startMinute: number;
  /** Minutes after the start day's midnight; may pass 1440. */
  readonly endMinute: number;
  readonly text: string;
}

/** One SLA, checked and ready for the maths; `policyFor` gives its SlaPolicy over a range. */
export interface SlaDefinition {
  readonly name: string;
  readonly description: string;
  readonly objects: readonly ObjectSelector[];
  readonly period: PeriodKind;
  readonly timeZone: string;
  /** The policy without maintenance windows (those depend on the range: see policyFor). */
  readonly policy: SlaPolicy;
  readonly service: ServicePolicy;
  readonly absoluteMaintenance: readonly TimeRange[];
  readonly weeklyMaintenance: readonly WeeklyWindow[];
}

const parseWeekly = (text: string): WeeklyWindow => {
  const m = WEEKLY_WINDOW.exec(text) as RegExpExecArray;
  const start = Number(m[2]) * 60 + Number(m[3]);
  let end = Number(m[4]) * 60 + Number(m[5]);
  if (end <= start) end += 1440;
  return { day: DAYS.indexOf(m[1] as (typeof DAYS)[number]), startMinute: start, endMinute: end, text };
};

/** Checked definitions from a validated `slas:` block. Throws ConfigError naming `slas[i].key`. */
export const slaDefinitions = (slas: SlasConfig, file = '(config)'): SlaDefinition[] => {
  const problems: string[] = [];
  const names = new Set<string>();
  const out: SlaDefinition[] = [];
  slas.forEach((s, i) => {
    const at = `slas.${i}`;
    if (names.has(s.name)) problems.push(`${at}.name: "${s.name}" is used twice`);
    names.add(s.name);
    try {
      calendar(s.timeZone);
    } catch {
      problems.push(`${at}.timeZone: unknown time zone "${s.timeZone}"`);
      return;
    }
    const absolute: TimeRange[] = [];
    const weekly: WeeklyWindow[] = [];
    s.maintenance.forEach((w, k) => {
      if ('weekly' in w) weekly.push(parseWeekly(w.weekly));
      else {
        const r = { fromMs: Date.parse(w.from), toMs: Date.parse(w.to) };
        if (!(r.toMs > r.fromMs)) problems.push(`${at}.maintenance.${k}: "to" must be after "from"`);
        else absolute.push(r);
      }
    });
    out.push(
      Object.freeze({
        name: s.name,
        description: s.description ?? '',
        objects: s.objects.map((o) => ({ cluster: o.cluster, kind: o.kind, id: o.id })),
        period: s.period,
        timeZone: s.timeZone,
        policy: slaPolicy({
          slo: Number((s.slo / 100).toPrecision(12)),
          degraded: s.countAs.degraded,
          unknown: s.countAs.unknown,
          excludeMaintenance: s.countAs.maintenance === 'excluded',
          debounceMs: s.debounceSeconds * 1000,
        }),
        service: servicePolicy({ split: s.countAs.splitBrain, noHolderWithUnknown: s.countAs.noHolder }),
        absoluteMaintenance: absolute,
        weeklyMaintenance: weekly,
      }),
    );
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return out;
};

/** Validate a raw `slas:` value (YAML already parsed), apply defaults, and check it. */
export const parseSlas = (raw: unknown, file = '(config)'): SlaDefinition[] =>
  // Wrapped so that problems are named as in the file: slas.0.objects, not 0.objects.
  slaDefinitions(validateConfig(SlasFile, { slas: raw ?? [] }, file).slas, file);

/** The `slas:` of a YAML file (the collector's config; its other keys are not read here) and its staleness setting. */
export const loadSlasFile = (file: string): { definitions: SlaDefinition[]; staleAfterIntervals: number | undefined } => {
  const c = loadConfigFile(SlasFile, file);
  return { definitions: slaDefinitions(c.slas, file), staleAfterIntervals: c.agents?.staleAfterIntervals };
};

/** Without configured SLAs: one per kind of object, every object, the defaults (99.9 %, month, UTC). */
export const defaultSlaDefinitions = (): SlaDefinition[] =>
  parseSlas(
    [
      { name: 'services', objects: [{ kind: 'resource' }, { kind: 'vip' }] },
      { name: 'nodes', objects: [{ kind: 'node' }] },
      { name: 'clusters', objects: [{ kind: 'cluster' }] },
    ],
    '(default SLAs)',
  );

/** An IANA zone's UTC offset (ms) at an instant, from Intl only. */
const offsetFinder = (timeZone: string): ((t: number) => number) => {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  return (t) => {
    const p: Record<string, number> = {};
    for (const x of fmt.formatToParts(t)) if (x.type !== 'literal') p[x.type] = Number(x.value);
    const wall = new Date(0);
    wall.setUTCFullYear(p['year'] ?? 1970, (p['month'] ?? 1) - 1, p['day'] ?? 1);
    wall.setUTCHours(p['hour'] ?? 0, p['minute'] ?? 0, p['second'] ?? 0, 0);
    return wall.getTime() - Math.floor(t / 1000) * 1000;
  };
};

/** The weekly windows of a definition as absolute ranges overlapping `range`, in its time zone (DST-aware). */
export const weeklyRanges = (def: Pick<SlaDefinition, 'timeZone' | 'weeklyMaintenance'>, range: TimeRange): TimeRange[] => {
  if (def.weeklyMaintenance.length === 0 || !(range.toMs > range.fromMs)) return [];
  const offset = offsetFinder(def.timeZone);
  // Wall-clock time read as UTC → the instant; in a DST gap it lands after the jump.
  const instant = (wall: number): number => {
    const t = wall - offset(wall);
    return wall - offset(t);
  };
  const out: TimeRange[] = [];
  // Windows may start up to a day before the range and last past midnight.
  for (const day of calendar(def.timeZone).periodsBetween(range.fromMs - 2 * 86_400_000, range.toMs, 'day')) {
    const [y, m, d] = day.label.split('-').map(Number) as [number, number, number];
    const midnight = Date.UTC(y, m - 1, d);
    const weekday = new Date(midnight).getUTCDay();
    for (const w of def.weeklyMaintenance) {
      if (w.day !== weekday) continue;
      const r = { fromMs: instant(midnight + w.startMinute * 60_000), toMs: instant(midnight + w.endMinute * 60_000) };
      if (r.toMs > range.fromMs && r.fromMs < range.toMs && r.toMs > r.fromMs) out.push(r);
    }
  }
  return out;
};

/** The definition's policy with its maintenance windows (absolute and weekly) over `range`. */
export const policyFor = (def: SlaDefinition, range: TimeRange): SlaPolicy =>
  slaPolicy({ ...def.policy, maintenance: [...def.absoluteMaintenance, ...weeklyRanges(def, range)] });

/** The policy in one line, for reports: what counts, debounce, maintenance. */
export const describePolicy = (def: SlaDefinition): string => {
  const p = def.policy;
  const down = ['down', ...(p.degraded === 'down' ? ['degraded'] : []), ...(p.unknown === 'down' ? ['unknown'] : []), ...(p.excludeMaintenance ? [] : ['maintenance'])];
  const parts = [
    `SLO ${+(p.slo * 100).toFixed(6)} % per ${def.period} (${def.timeZone})`,
    `counted as down: ${down.join(', ')}; split brain: ${def.service.split}; no holder with silent nodes: ${def.service.noHolderWithUnknown}`,
    `unknown: ${p.unknown}`,
    `debounce ${p.debounceMs / 1000} s`,
  ];
  const mw = [...def.weeklyMaintenance.map((w) => `weekly ${w.text}`), ...def.absoluteMaintenance.map((r) => `${new Date(r.fromMs).toISOString()} to ${new Date(r.toMs).toISOString()}`)];
  if (mw.length > 0) parts.push(`maintenance (${p.excludeMaintenance ? 'excluded' : 'counted'}): ${mw.join('; ')}`);
  return parts.join('; ');
};
