// The shipped Prometheus rules: promtool accepts them and their unit tests pass; each alert is complete (severity,
// summary, description, runbook), unit-tested, and reads only metrics /metrics has, with labels those metrics carry.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_FAMILIES } from '../../../collector/prometheus/families.js';
import { loadRules, RULES_DIR, RULES_FILE, RULES_TEST_FILE } from './queries.js';

const PROMTOOL = '/usr/bin/promtool';
const hasPromtool = existsSync(PROMTOOL);
const skipNote = hasPromtool ? '' : ' (skipped: /usr/bin/promtool not installed; apt-get install prometheus)';

const rules = loadRules().flatMap((g) => g.rules);
const familyOf = (metric: string) => ALL_FAMILIES.find((f) => f.name === metric || (f.type === 'histogram' && metric.startsWith(`${f.name}_`)));
const metricsIn = (expr: string): string[] => [...new Set([...expr.matchAll(/\bhawatch_[a-z_]+/g)].map((m) => m[0]))];

describe('hawatch.rules.yml', () => {
  it.skipIf(!hasPromtool)(`promtool check rules accepts it${skipNote}`, () => {
    const r = spawnSync(PROMTOOL, ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasPromtool)(`promtool test rules passes hawatch.rules.test.yml${skipNote}`, () => {
    const r = spawnSync(PROMTOOL, ['test', 'rules', 'hawatch.rules.test.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('every alert is named Hawatch*, has a severity, a summary, a description and a runbook', () => {
    expect(rules.length).toBeGreaterThan(10);
    for (const r of rules) {
      expect(r.alert, r.expr).toMatch(/^Hawatch[A-Z][A-Za-z]+$/);
      expect(['critical', 'warning'], r.alert).toContain(r.labels?.['severity']);
      for (const a of ['summary', 'description', 'runbook']) expect(r.annotations?.[a]?.length ?? 0, `${r.alert} ${a}`).toBeGreaterThan(10);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('every alert has a unit test that expects it to fire', () => {
    const tests = readFileSync(RULES_TEST_FILE, 'utf8');
    for (const r of rules) expect(tests, r.alert).toMatch(new RegExp(`alertname: ${r.alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
  });

  it('reads only metrics /metrics exposes, and annotations use only labels the result carries', () => {
    for (const r of rules) {
      const metrics = metricsIn(r.expr);
      expect(metrics.length, r.alert).toBeGreaterThan(0);
      for (const m of metrics) expect(familyOf(m), `${r.alert}: ${m}`).toBeDefined();
      // count by (...) keeps only its labels; otherwise the first metric's labels survive the filter.
      const by = /^\s*count by \(([^)]*)\)/.exec(r.expr);
      const carried = new Set(['job', 'instance', ...(by ? (by[1] as string).split(',').map((s) => s.trim()) : metrics.flatMap((m) => familyOf(m)?.labels ?? []))]);
      for (const text of Object.values(r.annotations ?? {})) {
        for (const used of text.matchAll(/\$labels\.([a-z_]+)/g)) expect(carried, `${r.alert} uses $labels.${used[1]}`).toContain(used[1]);
      }
    }
  });
});
