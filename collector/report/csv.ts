// The report as CSV (RFC 4180): one row per SLA and object over the whole window; durations in seconds,
// times in RFC 3339 UTC, so that a spreadsheet or a script reads it without guessing.
import type { ObjectRow, SlaReportModel, SlaSection } from './model.js';

export const CSV_COLUMNS = [
  'sla',
  'cluster',
  'kind',
  'object',
  'window_from',
  'window_to',
  'evaluated_to',
  'slo_percent',
  'achieved_percent',
  'met',
  'uptime_s',
  'downtime_s',
  'excluded_s',
  'incidents',
  'mtbf_s',
  'mttr_s',
  'mtta_s',
  'acknowledged_incidents',
  'error_budget_s',
  'error_budget_left_s',
  'error_budget_left_percent',
  'burn_rate',
  'first_incident',
  'last_incident_end',
] as const;

const cell = (v: string | number | boolean | null): string => {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(+v.toFixed(6)) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const sec = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

const rowOf = (m: SlaReportModel, s: SlaSection, o: ObjectRow): (string | number | boolean | null)[] => [
  s.name,
  o.cluster,
  o.kind,
  o.object,
  m.window.from.iso,
  m.window.to.iso,
  m.evaluated.to.iso,
  s.sloPercent,
  o.achievedPercent,
  o.met,
  sec(o.uptimeMs),
  sec(o.downtimeMs),
  sec(o.excludedMs),
  o.incidents,
  sec(o.mtbfMs),
  sec(o.mttrMs),
  sec(o.mttaMs),
  o.acknowledgedIncidents,
  sec(o.errorBudgetMs),
  sec(o.errorBudgetLeftMs),
  o.errorBudgetLeftPercent,
  o.burnRate,
  o.incidentList[0]?.from.iso ?? null,
  o.incidentList[o.incidentList.length - 1]?.to.iso ?? null,
];

export const renderCsv = (m: SlaReportModel): string => {
  const lines = [CSV_COLUMNS.join(',')];
  for (const s of m.slas) for (const o of s.objects) lines.push(rowOf(m, s, o).map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
};
