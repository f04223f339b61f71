// SLA reports from a real collector database: two recorded scenarios replayed through the real pacemaker probe
// and store writer into one data dir (clusters `fail` and `split`), then the report model, its JSON, CSV and HTML,
// the `hawatch report sla` command (data dir and a running collector's API), and the monthly schedule.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultSlaDefinitions, parseSlas } from '../../../collector/sla/policy-config.js';
import { SlaReader, SqliteSlaSource } from '../../../collector/sla/store.js';
import {
  buildReport,
  CSV_COLUMNS,
  formatDuration,
  formatPercent,
  previousMonth,
  renderCsv,
  renderHtml,
  renderReport,
  scheduleMonthlyReport,
  type ObjectRow,
  type SlaReportModel,
} from '../../../collector/report/index.js';
import { CLI, requireBuild } from '../../helpers/processes.js';
import { READ_TOKEN, startTestCollector } from '../../helpers/collector.js';
import { seedScenario, type Seeded } from './seed.js';

const FROM = '2026-11-23T18:50:00Z';
const TO = '2026-11-23T19:00:00Z';
const NOW = '2026-11-23T20:00:00Z';
const window = { fromMs: Date.parse(FROM), toMs: Date.parse(TO) };
const nowMs = Date.parse(NOW);

let dir: string;
let split: Seeded;
const tmp: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hawatch-report-'));
  tmp.push(d);
  return d;
};

beforeAll(async () => {
  dir = tempDir();
  await seedScenario('pcmk3-resource-fail', dir, { cluster: 'fail' });
  split = await seedScenario('pcmk2-split-brain', dir, { cluster: 'split' });
});
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

const withDb = <T>(f: (db: Database.Database) => T): T => {
  const db = new Database(join(dir, 'hawatch.sqlite'), { readonly: true });
  try {
    return f(db);
  } finally {
    db.close();
  }
};

const report = (definitions = defaultSlaDefinitions(), cluster?: string): SlaReportModel =>
  withDb((db) => buildReport({ reader: new SlaReader(new SqliteSlaSource(db)), definitions, window, nowMs, source: 'test', ...(cluster ? { cluster } : {}) }));

const row = (m: SlaReportModel, sla: string, cluster: string, object: string): ObjectRow => {
  const r = m.slas.find((s) => s.name === sla)?.objects.find((o) => o.cluster === cluster && o.object === object);
  if (r === undefined) throw new Error(`no ${sla}/${cluster}/${object}`);
  return r;
};

/** RFC 4180 CSV to rows (quoted fields with "" and commas). */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let field = '';
  let cur: string[] = [];
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') cur.push(field), (field = '');
    else if (ch === '\r') continue;
    else if (ch === '\n') cur.push(field), rows.push(cur), (cur = []), (field = '');
    else field += ch;
  }
  return rows;
};

describe('the report model', () => {
  it('per SLA and object: the failed-and-recovered resource, the split brain, nodes and clusters', () => {
    const m = report();
    expect(m.slas.map((s) => [s.name, s.objects.map((o) => `${o.cluster}/${o.kind}/${o.object}`)])).toEqual([
      ['services', ['fail/resource/dummy', 'split/resource/dummy']],
      ['nodes', ['fail/node/n1', 'fail/node/n2', 'fail/node/n3', 'split/node/n1', 'split/node/n2']],
      ['clusters', ['fail/cluster/cluster', 'split/cluster/cluster']],
    ]);
    const f = row(m, 'services', 'fail', 'dummy');
    // The ~2 s Stopped after the cleanup (README: sampled 15910 → 17910), to a probe period.
    expect(f.incidents).toBe(1);
    expect(Math.abs(f.downtimeMs - 2000)).toBeLessThanOrEqual(1250);
    expect(f.mttrMs).toBe(f.downtimeMs);
    expect(f.mtbfMs).toBe(f.uptimeMs);
    expect(f.met).toBe(false);
    expect(f.achievedPercent).toBeCloseTo((100 * f.uptimeMs) / (f.uptimeMs + f.downtimeMs), 10);
    expect(f.errorBudgetLeftMs).toBeCloseTo(0.001 * (f.uptimeMs + f.downtimeMs) - f.downtimeMs, 6);
    expect(f.incidentList[0]?.cause).toBe('down');
    // Before the first push and after the last one nothing is known: left out, not counted as up.
    expect(f.classMs.unknown).toBe(window.toMs - window.fromMs - f.uptimeMs - f.downtimeMs);
    const s = row(m, 'services', 'split', 'dummy');
    expect(s.incidents).toBe(1);
    expect(Math.abs(s.downtimeMs - 11_000)).toBeLessThanOrEqual(1250);
    expect(s.incidentList[0]?.cause).toBe('split: n1, n2');
    expect(s.incidentList[0]!.from.ms - split.wall(6972)).toBeGreaterThanOrEqual(0);
    for (const sec of m.slas.slice(1)) for (const o of sec.objects) expect([o.cluster, o.object, o.incidents, o.achievedPercent]).toEqual([o.cluster, o.object, 0, 100]);
    expect(m.evaluated.to.ms).toBe(window.toMs);
    expect(JSON.parse(renderReport(m, 'json'))).toEqual(JSON.parse(JSON.stringify(m)));
  });

  it('--cluster narrows; a maintenance window over the split leaves no incident; periods split the figures', () => {
    expect(report(undefined, 'split').slas[0]?.objects.map((o) => o.cluster)).toEqual(['split']);
    const defs = parseSlas([
      {
        name: 'web',
        objects: [{ cluster: 'split', kind: 'resource', id: 'dumm?' }],
        slo: 99.5,
        period: 'day',
        timeZone: 'Europe/Berlin',
        maintenance: [{ from: new Date(split.wall(5000)).toISOString(), to: new Date(split.wall(20_000)).toISOString(), note: 'switch work' }],
      },
    ]);
    const m = report(defs);
    const o = row(m, 'web', 'split', 'dummy');
    expect([o.incidents, o.downtimeMs]).toEqual([0, 0]);
    expect(o.classMs.maintenance).toBe(15_000);
    expect(o.timeline.some((t) => t.availability === 'maintenance')).toBe(true);
    expect(m.slas[0]?.maintenance).toHaveLength(1);
    // 18:50-19:00 UTC is one Berlin day: no breakdown. Across midnight Berlin time there would be two.
    expect(o.periods).toEqual([]);
    const wide = withDb((db) =>
      buildReport({ reader: new SlaReader(new SqliteSlaSource(db)), definitions: defs, window: { fromMs: Date.parse('2026-11-23T12:00:00Z'), toMs: Date.parse('2026-11-24T12:00:00Z') }, nowMs, source: 't' }),
    );
    const w = row(wide, 'web', 'split', 'dummy');
    expect(w.periods.map((p) => p.label)).toEqual(['2026-11-23', '2026-11-24']);
    expect(w.periods[0]?.uptimeMs).toBe(w.uptimeMs);
    expect(wide.evaluated.to.ms).toBe(nowMs);
  });
});

describe('CSV', () => {
  it('one row per SLA and object, the documented columns, seconds and RFC 3339', () => {
    const m = report();
    const rows = parseCsv(renderCsv(m));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + m.slas.reduce((n, s) => n + s.objects.length, 0));
    const rec = rows.slice(1).map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]])));
    const f = rec.find((r) => r['sla'] === 'services' && r['cluster'] === 'fail')!;
    const fo = row(m, 'services', 'fail', 'dummy');
    expect(Number(f['downtime_s'])).toBeCloseTo(fo.downtimeMs / 1000, 6);
    expect([f['kind'], f['object'], f['incidents'], f['met'], f['slo_percent']]).toEqual(['resource', 'dummy', '1', 'false', '99.9']);
    expect(Number(f['mttr_s'])).toBeCloseTo(fo.downtimeMs / 1000, 6);
    expect(f['window_from']).toBe('2026-11-23T18:50:00.000Z');
    expect(Date.parse(f['first_incident'] as string)).toBe(fo.incidentList[0]?.from.ms);
    const n = rec.find((r) => r['kind'] === 'node')!;
    expect([n['incidents'], n['achieved_percent'], n['mtbf_s'], n['mttr_s'], n['first_incident']]).toEqual(['0', '100', '', '', '']);
  });

  it('quotes what needs quoting', () => {
    const m = report(parseSlas([{ name: 'a, "quoted"\nname', objects: [{ kind: 'cluster' }] }]));
    const rows = parseCsv(renderCsv(m));
    expect(rows[1]?.[0]).toBe('a, "quoted"\nname');
  });
});

const svgCount = (html: string) => (html.match(/<svg class="timeline"/g) ?? []).length;

describe('HTML', () => {
  it('one self-contained, well-formed file: a summary table and an SVG timeline per object', () => {
    const m = report();
    const html = renderHtml(m);
    expect(XMLValidator.validate(html)).toBe(true);
    // Nothing fetched from anywhere: no scripts, stylesheets, images or remote links.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import|href="(?!#)/);
    const objects = m.slas.reduce((n, s) => n + s.objects.length, 0);
    expect(svgCount(html)).toBe(objects);
    const doc = new XMLParser({ ignoreAttributes: false, preserveOrder: false }).parse(html) as Record<string, unknown>;
    expect(doc['html']).toBeDefined();
    const f = row(m, 'services', 'fail', 'dummy');
    const s = row(m, 'services', 'split', 'dummy');
    for (const v of [formatPercent(f.achievedPercent), formatPercent(s.achievedPercent), formatDuration(f.downtimeMs), formatDuration(s.downtimeMs), formatDuration(s.mttrMs), 'split: n1, n2', '99.90 %']) {
      expect(html).toContain(v);
    }
    // Incidents marked on the timelines: one outline and one marker per incident.
    expect((html.match(/<g class="incident"><title>incident 1: /g) ?? []).length).toBe(2);
    expect(html).toContain('@media print');
    const out = join(tempDir(), 'r.html');
    writeFileSync(out, html);
    expect(readdirSync(join(out, '..'))).toEqual(['r.html']);
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  it.skipIf(chromium === undefined)('renders and prints in headless Chromium', () => {
    const m = report();
    const d = tempDir();
    const file = join(d, 'report.html');
    writeFileSync(file, renderHtml(m));
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', `--user-data-dir=${join(d, 'profile')}`];
    const dom = spawnSync(chromium as string, [...flags, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.status, dom.stderr).toBe(0);
    expect(svgCount(dom.stdout)).toBe(svgCount(renderHtml(m)));
    expect(dom.stdout).toContain('split: n1, n2');
    const pdf = join(d, 'report.pdf');
    const print = spawnSync(chromium as string, [...flags, `--print-to-pdf=${pdf}`, '--no-pdf-header-footer', `file://${file}`], { encoding: 'utf8', timeout: 60_000 });
    expect(print.status, print.stderr).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    expect(statSync(pdf).size).toBeGreaterThan(10_000);
  });
});

describe('hawatch report sla (the built CLI)', () => {
  beforeAll(() => requireBuild());
  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, 'report', 'sla', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  const base = ['--from', FROM, '--to', TO, '--now', NOW];

  it('--data-dir: JSON, CSV and HTML, to stdout and to --out', () => {
    const json = cli([...base, '--data-dir', dir, '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const m = JSON.parse(json.stdout) as SlaReportModel;
    const expected = JSON.parse(JSON.stringify(report()));
    expect({ ...m, source: '' }).toEqual({ ...expected, source: '' });
    expect(m.source).toBe(`collector data dir ${dir}`);
    const out = tempDir();
    const csv = cli([...base, '--data-dir', dir, '--format', 'csv', '--out', join(out, 'r.csv')]);
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout).toBe('');
    expect(readFileSync(join(out, 'r.csv'), 'utf8')).toBe(renderCsv(report()));
    const html = cli([...base, '--data-dir', dir, '--format', 'html', '--out', join(out, 'r.html'), '--cluster', 'split']);
    expect(html.status, html.stderr).toBe(0);
    const text = readFileSync(join(out, 'r.html'), 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    expect(svgCount(text)).toBe(4);
    expect(readdirSync(out).sort()).toEqual(['r.csv', 'r.html']);
  });

  it('--config with slas:, and date-only bounds in a time zone', () => {
    const cfg = join(tempDir(), 'collector.yaml');
    writeFileSync(
      cfg,
      [
        'dataDir: /somewhere/else', // the collector's own keys are not read by the report
        'http: { listen: 127.0.0.1:9470 }',
        'slas:',
        '  - name: split-service',
        '    objects: [{ cluster: split, kind: resource, id: dummy }]',
        '    slo: 99',
        '    countAs: { splitBrain: up }',
        '',
      ].join('\n'),
    );
    const r = cli(['--from', '2026-11-23', '--to', '2026-11-24', '--time-zone', 'Europe/Berlin', '--now', NOW, '--data-dir', dir, '--config', cfg]);
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as SlaReportModel;
    expect(m.window.from.iso).toBe('2026-11-22T23:00:00.000Z');
    expect(m.slas.map((s) => [s.name, s.objects.map((o) => [o.object, o.incidents])])).toEqual([['split-service', [['dummy', 0]]]]);
  });

  it('says what is wrong, with exit code 2', () => {
    const both = cli([...base, '--data-dir', dir, '--url', 'http://127.0.0.1:1']);
    expect([both.status, both.stderr]).toEqual([2, expect.stringMatching(/exactly one of --data-dir/)]);
    const bad = cli(['--from', 'yesterday', '--to', TO, '--data-dir', dir]);
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringMatching(/--from: expected YYYY-MM-DD/)]);
    const missing = cli([...base, '--data-dir', join(dir, 'nope')]);
    expect(missing.status).toBe(2);
    const cfg = join(tempDir(), 'bad.yaml');
    writeFileSync(cfg, 'slas:\n  - name: x\n    objects: [{ kind: service }]\n    timeZone: Mars/Olympus\n');
    const badCfg = cli([...base, '--data-dir', dir, '--config', cfg]);
    expect([badCfg.status, badCfg.stderr]).toEqual([2, expect.stringMatching(/slas\.0\.objects\.0\.kind/)]);
  });

  it('--url: the same figures from a running collector through its REST API (Events, Nodes)', async () => {
    const c = await startTestCollector({}, dir);
    try {
      const r = await new Promise<ReturnType<typeof cli>>((resolve) => {
        // Asynchronously: the collector in this process has to answer.
        import('node:child_process').then(({ spawn }) => {
          const child = spawn(process.execPath, [CLI, 'report', 'sla', ...base, '--url', c.url, '--format', 'json'], { env: { ...process.env, HAWATCH_TOKEN: READ_TOKEN } });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('exit', (status) => resolve({ status, stdout, stderr } as ReturnType<typeof cli>));
        });
      });
      expect(r.status, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout) as SlaReportModel;
      const expected = JSON.parse(JSON.stringify(report()));
      expect({ ...m, source: '' }).toEqual({ ...expected, source: '' });
      expect(m.source).toBe(`collector API ${c.url}`);
    } finally {
      await c.close();
    }
  });
});

describe('scheduleMonthlyReport', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('previousMonth is the calendar month before, in the time zone', () => {
    const p = previousMonth(Date.parse('2026-12-01T05:00:00Z'), 'Europe/Berlin');
    expect([p.label, new Date(p.fromMs).toISOString(), new Date(p.toMs).toISOString()]).toEqual(['2026-11', '2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z']);
  });

  it('runs at 06:00 on the 1st in its time zone and writes last month into <dataDir>/reports/', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-30T22:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const logged: string[] = [];
    const task = scheduleMonthlyReport({
      dataDir: dir,
      cron: '0 6 1 * *',
      timeZone: 'Europe/Berlin',
      definitions: defaultSlaDefinitions(),
      now: () => Date.now(),
      logger: { info: (_o, msg) => logged.push(msg), error: (_o, msg) => logged.push(`error: ${msg}`) },
    });
    try {
      expect(new Date(task.nextRunMs() as number).toISOString()).toBe('2026-12-01T05:00:00.000Z');
      expect(existsSync(join(dir, 'reports'))).toBe(false);
      await vi.advanceTimersByTimeAsync(7 * 3_600_000 + 2_000);
      expect(logged).toEqual(['SLA report written']);
      const files = readdirSync(join(dir, 'reports')).sort();
      expect(files).toEqual(['sla-2026-11.csv', 'sla-2026-11.html', 'sla-2026-11.json']);
      const m = JSON.parse(readFileSync(join(dir, 'reports', 'sla-2026-11.json'), 'utf8')) as SlaReportModel;
      expect([m.window.from.iso, m.window.to.iso, m.generatedAt.iso]).toEqual(['2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z', '2026-12-01T05:00:00.000Z']);
      // The same figures as a report over the data (the rest of November is unknown: left out).
      expect(row(m, 'services', 'split', 'dummy').downtimeMs).toBe(row(report(), 'services', 'split', 'dummy').downtimeMs);
      expect(new Date(task.nextRunMs() as number).toISOString()).toBe('2027-01-01T05:00:00.000Z');
    } finally {
      await task.stop();
    }
    expect(task.nextRunMs()).toBeNull();
    rmSync(join(dir, 'reports'), { recursive: true, force: true });
  });

  it('refuses a bad cron expression or time zone', () => {
    expect(() => scheduleMonthlyReport({ dataDir: dir, cron: 'every month', definitions: [] })).toThrow(/invalid cron/);
    expect(() => scheduleMonthlyReport({ dataDir: dir, timeZone: 'Mars/Olympus', definitions: [] })).toThrow(/time zone/);
  });
});
