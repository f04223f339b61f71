// MTTA and API maintenance windows in the SLA report (JSON model, CSV, HTML): a recorded split brain replayed into a
// real store, one alert about the resource acknowledged 90 s after the incident began, and one maintenance window
// for node n1 as the API stores it. Expectations are the values placed in the store.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../../collector/store/db.js';
import { slaPolicy } from '../../../collector/sla/index.js';
import { defaultSlaDefinitions } from '../../../collector/sla/policy-config.js';
import { SlaReader, SqliteSlaSource } from '../../../collector/sla/store.js';
import { buildReport, CSV_COLUMNS, formatDuration, renderCsv, renderHtml, type SlaReportModel } from '../../../collector/report/index.js';
import { seedScenario } from './seed.js';

const window = { fromMs: Date.parse('2026-11-23T18:50:00Z'), toMs: Date.parse('2026-11-23T19:00:00Z') };
const nowMs = Date.parse('2026-11-23T20:00:00Z');
const ACK_AFTER_MS = 90_000;
const MW = { fromMs: window.fromMs + 60_000, toMs: window.fromMs + 120_000 };

let dir: string;
let incidentFrom = 0;
let m: SlaReportModel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hawatch-report-mtta-'));
  await seedScenario('pcmk2-split-brain', dir, { cluster: 'split' });
  const ro = new Database(join(dir, 'hawatch.sqlite'), { readonly: true });
  const r = new SlaReader(new SqliteSlaSource(ro)).objectSla({ cluster: 'split', kind: 'resource', object: 'dummy' }, window, nowMs, slaPolicy());
  ro.close();
  incidentFrom = r?.report.incidentList[0]?.fromMs ?? NaN;
  const db = openDb(dir);
  db.prepare(
    "INSERT INTO alerts (fingerprint, rule, cluster, severity, labels, summary, description, runbook, status, starts_ms, firing_ms, ends_ms, evidence, updated_ms, acked_ms, acked_by) VALUES ('fp', 'PacemakerResourceMultiActive', 'split', 'critical', ?, '', '', '', 'resolved', ?, ?, ?, '[]', ?, ?, 'ops')",
  ).run(JSON.stringify({ resource: 'dummy' }), incidentFrom, incidentFrom + 1_000, incidentFrom + 20_000, incidentFrom + 20_000, incidentFrom + ACK_AFTER_MS);
  db.prepare("INSERT INTO silences VALUES ('mw', 'maintenance', ?, ?, ?, 'kernel update', 'ops', ?)").run(
    JSON.stringify([{ name: 'cluster', value: 'split', isRegex: false, isEqual: true }, { name: 'node', value: 'n1', isRegex: false, isEqual: true }]),
    MW.fromMs,
    MW.toMs,
    MW.fromMs,
  );
  db.close();
  const ro2 = new Database(join(dir, 'hawatch.sqlite'), { readonly: true });
  m = buildReport({ reader: new SlaReader(new SqliteSlaSource(ro2)), definitions: defaultSlaDefinitions(), window, nowMs, source: 'test' });
  ro2.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (sla: string, object: string) => m.slas.find((s) => s.name === sla)?.objects.find((o) => o.object === object);

describe('MTTA in the report', () => {
  it('the model: the incident acknowledged 90 s after it began; nothing acknowledged elsewhere', () => {
    expect(Number.isFinite(incidentFrom)).toBe(true);
    const d = row('services', 'dummy');
    expect([d?.mttaMs, d?.acknowledgedIncidents]).toEqual([ACK_AFTER_MS, 1]);
    expect(d?.incidentList[0]?.acknowledged?.ms).toBe(incidentFrom + ACK_AFTER_MS);
    expect([row('nodes', 'n2')?.mttaMs, row('clusters', 'cluster')?.mttaMs]).toEqual([null, null]);
  });

  it('CSV: mtta_s and acknowledged_incidents', () => {
    const lines = renderCsv(m).trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual([...CSV_COLUMNS]);
    const at = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const dummy = lines.find((l) => l[at('object')] === 'dummy') as string[];
    expect([dummy[at('mtta_s')], dummy[at('acknowledged_incidents')]]).toEqual(['90', '1']);
    const n2 = lines.find((l) => l[at('object')] === 'n2') as string[];
    expect([n2[at('mtta_s')], n2[at('acknowledged_incidents')]]).toEqual(['', '0']);
  });

  it('HTML: an MTTA column and when each incident was acknowledged; still well-formed', () => {
    const html = renderHtml(m);
    expect(XMLValidator.validate(html)).toBe(true);
    expect(html).toContain('<th>MTTA</th>');
    expect(html).toContain('<th>Acknowledged</th>');
    expect(formatDuration(ACK_AFTER_MS)).toBe('1 min 30 s');
    expect(html).toContain(`<td class="num">${formatDuration(ACK_AFTER_MS)}</td></tr>`);
    expect(html).toContain('(after 1 min 30 s)');
  });
});

describe('maintenance windows set through the API in the report', () => {
  it('n1 has 60 s of maintenance from its window, listed with its comment; n2 has none', () => {
    const n1 = row('nodes', 'n1');
    expect(n1?.classMs.maintenance).toBe(MW.toMs - MW.fromMs);
    expect(n1?.maintenance).toEqual([{ from: { ms: MW.fromMs, iso: new Date(MW.fromMs).toISOString() }, to: { ms: MW.toMs, iso: new Date(MW.toMs).toISOString() }, comment: 'kernel update' }]);
    expect([row('nodes', 'n2')?.classMs.maintenance, row('nodes', 'n2')?.maintenance]).toEqual([0, []]);
    expect(renderHtml(m)).toContain('Maintenance windows set through the API: ');
    expect(renderHtml(m)).toContain('(kernel update)');
  });
});
