// Every PromQL expression the shipped dashboards and rules contain, with Grafana's variables filled in, so tests
// can lint them and run them against a real Prometheus.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const DASHBOARD_DIR = join(ROOT, 'collector', 'grafana', 'dashboards');
export const RULES_DIR = join(ROOT, 'collector', 'prometheus', 'rules');
export const RULES_FILE = join(RULES_DIR, 'hawatch.rules.yml');
export const RULES_TEST_FILE = join(RULES_DIR, 'hawatch.rules.test.yml');

export interface Query {
  /** Where it comes from, for failure messages: `dashboard.json › panel › A` or `rules › AlertName`. */
  where: string;
  /** As written (with Grafana variables). */
  raw: string;
  /** Ready for /api/v1/query. */
  expr: string;
  /** A Grafana label_values() template query: run as a series match, not as PromQL. */
  seriesMatch?: string;
}

export interface Panel {
  id?: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  panels?: Panel[];
  gridPos?: { h: number; w: number; x: number; y: number };
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string; datasource?: { uid: string } }[] };
}

/** The values a test gives Grafana's variables: "All" clusters and nodes, a 5-minute range. */
export const GRAFANA_VARS: Readonly<Record<string, string>> = {
  cluster: '.+',
  node: '.+',
  __range_s: '300',
  __range: '5m',
  __rate_interval: '15s',
  __interval: '1s',
  slo: '99.9',
};

export const fillVars = (s: string): string =>
  s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => GRAFANA_VARS[name] ?? m);

export const loadDashboards = (): { file: string; dashboard: Dashboard }[] =>
  readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard }));

export const allPanels = (panels: readonly Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

export const dashboardQueries = (): Query[] => {
  const out: Query[] = [];
  for (const { file, dashboard } of loadDashboards()) {
    for (const v of dashboard.templating.list) {
      if (v.type !== 'query' || typeof v.definition !== 'string') continue;
      const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(v.definition);
      if (!m) throw new Error(`${file}: variable ${v.name}: expected label_values(selector, label), got ${v.definition}`);
      out.push({ where: `${file} › variable ${v.name}`, raw: v.definition, expr: fillVars(m[1] as string), seriesMatch: fillVars(m[1] as string) });
    }
    for (const p of allPanels(dashboard.panels)) {
      for (const t of p.targets ?? []) out.push({ where: `${file} › ${p.title} › ${t.refId}`, raw: t.expr, expr: fillVars(t.expr) });
    }
  }
  return out;
};

export interface RuleDef {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const loadRules = (): { name: string; rules: RuleDef[] }[] =>
  (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { name: string; rules: RuleDef[] }[] }).groups;

export const ruleQueries = (): Query[] =>
  loadRules().flatMap((g) => g.rules.map((r) => ({ where: `rules › ${g.name} › ${r.alert ?? r.record}`, raw: r.expr, expr: r.expr })));
