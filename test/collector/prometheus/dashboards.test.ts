// The Grafana dashboards without Grafana: structure (data source and cluster variables, panel ids and layout),
// PromQL that promtool parses, metrics that /metrics has, provisioning files and the README. That every query
// returns data is live.test.ts's job (a real Prometheus).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ALL_FAMILIES } from '../../../collector/prometheus/families.js';
import { allPanels, dashboardQueries, fillVars, GRAFANA_VARS, loadDashboards, ROOT } from './queries.js';

const GRAFANA = join(ROOT, 'collector', 'grafana');
const dashboards = loadDashboards();
const names = new Set(ALL_FAMILIES.flatMap((f) => (f.type === 'histogram' ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name])));
const DS = '${datasource}';

describe('Grafana dashboards', () => {
  it('are the four of the README, with unique uids and a current schema', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['hawatch-alert-history.json', 'hawatch-availability.json', 'hawatch-cluster-overview.json', 'hawatch-node-detail.json']);
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(4);
    const readme = readFileSync(join(GRAFANA, 'README.md'), 'utf8');
    for (const { file, dashboard } of dashboards) {
      expect(dashboard.schemaVersion, file).toBeGreaterThanOrEqual(36);
      expect(readme, file).toContain(`dashboards/${file}`);
    }
  });

  it('take the data source from a variable and are templated by cluster (and node where a node is the subject)', () => {
    for (const { file, dashboard } of dashboards) {
      const vars = dashboard.templating.list;
      expect(vars[0], file).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      expect(vars.find((v) => v.name === 'cluster'), file).toMatchObject({ type: 'query', datasource: { uid: DS } });
      if (/overview|node-detail/.test(file)) expect(vars.find((v) => v.name === 'node'), file).toMatchObject({ type: 'query', datasource: { uid: DS } });
      for (const p of allPanels(dashboard.panels)) {
        if (p.type === 'row' || p.type === 'text') continue;
        expect(p.datasource?.uid, `${file} › ${p.title}`).toBe(DS);
        expect(p.targets?.length, `${file} › ${p.title}`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect(t.datasource?.uid, `${file} › ${p.title} › ${t.refId}`).toBe(DS);
        expect(new Set(p.targets?.map((t) => t.refId)).size).toBe(p.targets?.length);
      }
    }
  });

  it('have unique panel ids and panels that fit the 24-column grid without overlapping', () => {
    for (const { file, dashboard } of dashboards) {
      const panels = allPanels(dashboard.panels);
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      const boxes = panels.map((p) => ({ t: p.title, ...(p.gridPos as { h: number; w: number; x: number; y: number }) }));
      for (const b of boxes) expect(b.x + b.w, `${file} › ${b.t}`).toBeLessThanOrEqual(24);
      for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${file}: ${a.t} overlaps ${b.t}`).toBe(false);
        }
      }
    }
  });

  it('query only metrics /metrics has (or Prometheus\'s ALERTS), filter model metrics by $cluster, and use only known variables', () => {
    for (const q of dashboardQueries()) {
      const used = [...q.raw.matchAll(/\b(hawatch_[a-z_]+|ALERTS(?:_FOR_STATE)?)\b/g)].map((m) => m[1] as string);
      expect(used.length, q.where).toBeGreaterThan(0);
      for (const m of used) if (m.startsWith('hawatch_')) expect(names.has(m), `${q.where}: ${m}`).toBe(true);
      const internal = used.every((m) => /^hawatch_(ingest|store)_/.test(m));
      // The cluster variable lists the clusters; everything else narrows to the chosen ones.
      if (!internal && !q.where.endsWith('variable cluster')) expect(q.raw, q.where).toContain('cluster=~"$cluster"');
      for (const v of q.raw.matchAll(/\$\{?([A-Za-z_]+)/g)) expect(Object.keys(GRAFANA_VARS), `${q.where}: $${v[1]}`).toContain(v[1]);
      expect(fillVars(q.raw), q.where).not.toContain('$');
    }
  });

  const hasPromtool = existsSync('/usr/bin/promtool');
  it.skipIf(!hasPromtool)(`every query is PromQL that promtool parses${hasPromtool ? '' : ' (skipped: /usr/bin/promtool not installed)'}`, () => {
    // promtool parses expressions only inside rule files: each query becomes a recording rule.
    const dir = mkdtempSync(join(tmpdir(), 'hawatch-dash-'));
    try {
      const queries = dashboardQueries().filter((q) => q.seriesMatch === undefined);
      const file = join(dir, 'queries.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules: queries.map((q, i) => ({ record: `dashboard_query_${i}`, expr: q.expr })) }] }));
      const r = spawnSync('/usr/bin/promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('come with provisioning files Grafana can read', () => {
    const dash = parse(readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'hawatch.yaml'), 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(dash.apiVersion).toBe(1);
    expect(dash.providers[0]).toMatchObject({ type: 'file', options: { path: expect.stringMatching(/^\//) } });
    const ds = parse(readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yaml'), 'utf8')) as { datasources: { type: string }[] };
    expect(ds.datasources[0]?.type).toBe('prometheus');
  });
});
