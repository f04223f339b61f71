// The report as one self-contained HTML file a manager can open or print: inline CSS, inline SVG, no scripts,
// no external assets. Written as well-formed XML (every element closed, every attribute quoted, numeric
// character references only) so it can be checked with an XML parser and shown by anything.
import type { Availability } from '../sla/index.js';
import { formatDuration, formatPercent, instantFormatter, type InstantFormatter } from './format.js';
import type { ObjectRow, ReportIncident, SlaReportModel, SlaSection } from './model.js';

export const COLOURS: Readonly<Record<Availability, string>> = Object.freeze({
  up: '#2e7d32',
  down: '#c62828',
  degraded: '#f9a825',
  unknown: '#9e9e9e',
  maintenance: '#1565c0',
});
const LABEL: Readonly<Record<Availability, string>> = Object.freeze({
  up: 'up',
  down: 'down',
  degraded: 'degraded',
  unknown: 'unknown (no data)',
  maintenance: 'maintenance',
});

export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 24px auto; max-width: 1100px; padding: 0 16px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 4px; border-bottom: 2px solid #333; padding-bottom: 2px; }
h3 { font-size: 15px; margin: 18px 0 4px; }
.meta, .policy, .note { color: #444; margin: 2px 0; }
.kind { color: #666; font-weight: normal; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.met { color: #1b5e20; font-weight: 600; }
.missed { color: #b71c1c; font-weight: 600; }
.none { color: #666; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; border: 1px solid #0003; }
svg.timeline { width: 100%; height: auto; display: block; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
.object { break-inside: avoid; page-break-inside: avoid; margin-bottom: 12px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

const W = 1000;
// More incidents than this per object are for the JSON report; a printed page would not hold them.
const MAX_INCIDENT_ROWS = 100;
const BAR_Y = 18;
const BAR_H = 24;

/** Axis ticks at round local times: a handful, labelled by what changes over the span. */
const ticks = (from: number, to: number, fmt: InstantFormatter): { x: number; label: string }[] => {
  const span = to - from;
  if (!(span > 0)) return [];
  const M = 60e3;
  const H = 60 * M;
  const D = 24 * H;
  const steps = [1e3, 2e3, 5e3, 10e3, 15e3, 30e3, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 30 * D, 91 * D];
  const step = steps.find((s) => span / s <= 8) ?? span / 6;
  const out: { x: number; label: string }[] = [];
  const first = Math.ceil(from / step) * step;
  for (let t = first; t < to && out.length < 12; t += step) {
    const full = fmt(t);
    // Within a day the time is enough; beyond, the date is.
    const label = span <= 2 * 86_400_000 ? (full.split(' ')[1] ?? full) : (full.split(' ')[0] ?? full);
    out.push({ x: ((t - from) / span) * W, label });
  }
  return out;
};

// Drawing order for periods shorter than a unit of the bar: the worst class in a unit column shows.
const SHOWS_OVER: Readonly<Record<Availability, number>> = { down: 5, degraded: 4, unknown: 3, maintenance: 2, up: 1 };

const timelineSvg = (o: ObjectRow, from: number, to: number, fmt: InstantFormatter): string => {
  const span = to - from;
  const x = (t: number) => (span > 0 ? ((Math.min(Math.max(t, from), to) - from) / span) * W : 0);
  const parts: string[] = [];
  parts.push(`<rect x="0" y="${BAR_Y}" width="${W}" height="${BAR_H}" fill="${COLOURS.unknown}"><title>no data</title></rect>`);
  // Periods at least a unit wide are drawn as they are, with their times; shorter ones (a month of blips) go
  // into unit columns drawn with the worst class in them, so a busy object stays a few hundred shapes.
  const columns: (Availability | undefined)[] = [];
  for (const s of o.timeline) {
    const x0 = x(s.fromMs);
    const x1 = x(s.toMs);
    if (x1 - x0 >= 1) {
      parts.push(
        `<rect x="${x0.toFixed(2)}" y="${BAR_Y}" width="${(x1 - x0).toFixed(2)}" height="${BAR_H}" fill="${COLOURS[s.availability]}">` +
          `<title>${esc(`${LABEL[s.availability]}: ${fmt(s.fromMs)} to ${fmt(s.toMs)} (${formatDuration(s.toMs - s.fromMs)})`)}</title></rect>`,
      );
      continue;
    }
    for (let c = Math.floor(x0); c <= Math.min(W - 1, Math.floor(x1)); c++) {
      const cur = columns[c];
      if (cur === undefined || SHOWS_OVER[s.availability] > SHOWS_OVER[cur]) columns[c] = s.availability;
    }
  }
  for (let c = 0; c < W; ) {
    const a = columns[c];
    let e = c + 1;
    while (e < W && columns[e] === a) e++;
    if (a !== undefined) {
      const t0 = from + (c / W) * span;
      const t1 = from + (e / W) * span;
      parts.push(`<rect x="${c}" y="${BAR_Y}" width="${e - c}" height="${BAR_H}" fill="${COLOURS[a]}"><title>${esc(`short periods, worst ${LABEL[a]}: about ${fmt(t0)} to ${fmt(t1)}`)}</title></rect>`);
    }
    c = e;
  }
  o.incidentList.forEach((i, k) => {
    const x0 = x(i.from.ms);
    const w = Math.max(0.5, x(i.to.ms) - x0);
    const title = esc(`incident ${k + 1}: ${fmt(i.from.ms)} to ${fmt(i.to.ms)}, ${formatDuration(i.durationMs)}${i.cause ? ` (${i.cause})` : ''}`);
    // Numbered like the rows of the incident table (which stops at MAX_INCIDENT_ROWS).
    const label = k < MAX_INCIDENT_ROWS ? `<text x="${(x0 + 6).toFixed(1)}" y="13">${k + 1}</text>` : '';
    parts.push(
      `<g class="incident"><title>${title}</title><rect x="${x0.toFixed(2)}" y="${BAR_Y - 1}" width="${w.toFixed(2)}" height="${BAR_H + 2}" fill="none" stroke="#000" stroke-width="1"/>` +
        `<path d="M${(x0 - 5).toFixed(1)} 4H${(x0 + 5).toFixed(1)}L${x0.toFixed(1)} ${BAR_Y - 3}Z" fill="${COLOURS.down}" stroke="#000" stroke-width="0.5"/>${label}</g>`,
    );
  });
  for (const t of ticks(from, to, fmt)) {
    parts.push(`<line x1="${t.x.toFixed(2)}" y1="${BAR_Y + BAR_H}" x2="${t.x.toFixed(2)}" y2="${BAR_Y + BAR_H + 4}" stroke="#555" stroke-width="1"/>`);
    // Labels at the ends are anchored inward so they are not cut off.
    const anchor = t.x < 40 ? 'start' : t.x > W - 40 ? 'end' : 'middle';
    parts.push(`<text x="${t.x.toFixed(2)}" y="${BAR_Y + BAR_H + 16}" text-anchor="${anchor}">${esc(t.label)}</text>`);
  }
  return (
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="-8 0 ${W + 16} 64" role="img" aria-label="${esc(`timeline of ${o.object}`)}">` +
    parts.join('') +
    '</svg>'
  );
};

const legend = (): string =>
  `<p class="legend">${(Object.keys(COLOURS) as Availability[])
    .map((a) => `<span><i style="background:${COLOURS[a]}"></i>${esc(LABEL[a])}</span>`)
    .join('')}<span>▼ incident (outlined on the bar)</span></p>`;

const metCell = (met: boolean | null): string =>
  met === null ? '<td class="none">no data</td>' : met ? '<td class="met">met</td>' : '<td class="missed">missed</td>';

const incidentTable = (list: readonly ReportIncident[], fmt: InstantFormatter): string => {
  if (list.length === 0) return '<p class="note">No incidents.</p>';
  const rows = list.slice(0, MAX_INCIDENT_ROWS).map((i, k) => {
    const notes = [i.open ? 'still open' : '', i.cutAtStart ? 'began before the window' : '', i.cutAtEnd ? 'went on after the window' : ''].filter(Boolean).join(', ');
    return (
      `<tr><td class="num">${k + 1}</td><td>${esc(fmt(i.from.ms))}</td><td>${esc(fmt(i.to.ms))}</td>` +
      `<td class="num">${esc(formatDuration(i.durationMs))}</td><td class="num">${esc(formatDuration(i.downMs))}</td><td>${esc(i.cause)}</td>` +
      `<td>${i.acknowledged === null ? '-' : esc(`${fmt(i.acknowledged.ms)} (after ${formatDuration(i.acknowledged.ms - i.from.ms)})`)}</td><td>${esc(notes)}</td></tr>`
    );
  });
  const more = list.length > MAX_INCIDENT_ROWS ? `<p class="note">${list.length - MAX_INCIDENT_ROWS} more incidents are listed in the JSON report.</p>` : '';
  return `<table class="incidents"><thead><tr><th>#</th><th>From</th><th>To</th><th>Duration</th><th>Counted down</th><th>What the cluster showed</th><th>Acknowledged</th><th>Notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
};

const periodTable = (o: ObjectRow, slo: number): string => {
  if (o.periods.length === 0) return '';
  const rows = o.periods.map(
    (p) =>
      `<tr><td>${esc(p.label)}</td><td class="num">${esc(formatPercent(slo))}</td><td class="num">${esc(formatPercent(p.achievedPercent))}</td>${metCell(p.met)}` +
      `<td class="num">${esc(formatDuration(p.errorBudgetLeftMs))}</td><td class="num">${esc(formatDuration(p.downtimeMs))}</td><td class="num">${p.incidents}</td></tr>`,
  );
  return `<table class="periods"><thead><tr><th>Period</th><th>SLO</th><th>Achieved</th><th>SLO met</th><th>Budget left</th><th>Downtime</th><th>Incidents</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
};

const section = (m: SlaReportModel, s: SlaSection, si: number): string => {
  const fmt = instantFormatter(s.timeZone);
  const from = m.evaluated.from.ms;
  const to = m.evaluated.to.ms;
  const id = (oi: number) => `o-${si}-${oi}`;
  const summary = s.objects.map(
    (o, oi) =>
      `<tr><td><a href="#${id(oi)}">${esc(o.object)}</a></td><td>${esc(o.kind)}</td><td>${esc(o.cluster)}</td>` +
      `<td class="num">${esc(formatPercent(s.sloPercent))}</td><td class="num">${esc(formatPercent(o.achievedPercent))}</td>${metCell(o.met)}` +
      `<td class="num">${esc(formatDuration(o.errorBudgetLeftMs))}${o.errorBudgetLeftPercent === null ? '' : ` (${esc(formatPercent(o.errorBudgetLeftPercent))})`}</td>` +
      `<td class="num">${esc(formatDuration(o.downtimeMs))}</td><td class="num">${o.incidents}</td>` +
      `<td class="num">${esc(formatDuration(o.mtbfMs))}</td><td class="num">${esc(formatDuration(o.mttrMs))}</td><td class="num">${esc(formatDuration(o.mttaMs))}</td></tr>`,
  );
  const objects = s.objects.map(
    (o, oi) =>
      `<div class="object" id="${id(oi)}"><h3>${esc(o.object)} <span class="kind">${esc(`${o.kind} in ${o.cluster}; reported by ${o.reporters.join(', ') || 'nobody'}`)}</span></h3>` +
      timelineSvg(o, from, to, fmt) +
      incidentTable(o.incidentList, fmt) +
      (o.maintenance.length === 0 ? '' : `<p class="note">Maintenance windows set through the API: ${esc(o.maintenance.map((w) => `${fmt(w.from.ms)} to ${fmt(w.to.ms)}${w.comment ? ` (${w.comment})` : ''}`).join('; '))}.</p>`) +
      periodTable(o, s.sloPercent) +
      '</div>',
  );
  const maint = s.maintenance.length === 0 ? '' : `<p class="policy">Maintenance windows in the report: ${s.maintenance.length} (${esc(s.maintenance.map((w) => `${fmt(w.from.ms)} to ${fmt(w.to.ms)}`).slice(0, 6).join('; '))}${s.maintenance.length > 6 ? '; …' : ''}).</p>`;
  return (
    `<section class="sla"><h2>${esc(s.name)}</h2>` +
    (s.description ? `<p class="policy">${esc(s.description)}</p>` : '') +
    `<p class="policy">${esc(s.policy)}.</p>${maint}` +
    (s.objects.length === 0
      ? '<p class="note">No object of this SLA existed in the window.</p>'
      : `<table class="summary"><thead><tr><th>Object</th><th>Kind</th><th>Cluster</th><th>SLO</th><th>Achieved</th><th>SLO met</th><th>Error budget left</th><th>Downtime</th><th>Incidents</th><th>MTBF</th><th>MTTR</th><th>MTTA</th></tr></thead><tbody>${summary.join('')}</tbody></table>` +
        objects.join('')) +
    '</section>'
  );
};

export const renderHtml = (m: SlaReportModel): string => {
  const fmt = instantFormatter(m.timeZone);
  const title = `Availability report ${m.window.from.iso.slice(0, 10)} to ${m.window.to.iso.slice(0, 10)}`;
  const evaluatedNote = m.evaluated.to.ms < m.window.to.ms ? ` Evaluated up to ${esc(fmt(m.evaluated.to.ms))}: the rest of the window had not happened yet.` : '';
  return (
    '<!DOCTYPE html>\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>' +
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>` +
    `<header><h1>Availability report</h1>` +
    `<p class="meta">Window: ${esc(fmt(m.window.from.ms))} to ${esc(fmt(m.window.to.ms))}.${evaluatedNote}</p>` +
    `<p class="meta">${m.cluster === null ? 'All clusters' : `Cluster ${esc(m.cluster)}`}; history from ${esc(m.source)}; generated ${esc(fmt(m.generatedAt.ms))} by hawatch.</p>` +
    '<p class="meta">Availability = time up / (time up + time down); time the policy leaves out (maintenance, and unknown by default) counts neither way. ' +
    'MTBF = time up / incidents; MTTR = time down / incidents; MTTA = mean time from an incident\'s start to the first acknowledgement of an alert about the object that fired during it. A service (resource or virtual IP) counts as up only when exactly one node runs it.</p>' +
    legend() +
    '</header>' +
    m.slas.map((s, i) => section(m, s, i)).join('') +
    '</body></html>\n'
  );
};
