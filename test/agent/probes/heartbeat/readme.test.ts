// The README's metric table, HEARTBEAT_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEARTBEAT_METRICS, heartbeatSamples } from '../../../../agent/probes/heartbeat/observe.js';
import type { HeartbeatReport } from '../../../../agent/protocol/heartbeat.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const README = readFileSync(join(ROOT, 'agent', 'probes', 'heartbeat', 'README.md'), 'utf8');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'probes', 'heartbeat');

/** Rows of the table under "## Metrics": | `metric` | `label`, `label` or — | meaning |. */
const readmeMetrics = (): Map<string, string[]> => {
  const section = README.split(/^## /m).find((s) => s.startsWith('Metrics'));
  if (!section) throw new Error('README has no "## Metrics" section');
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_:]+)` \| ([^|]*) \| ([^|]+) \|$/.exec(line.trim());
    if (!m) continue;
    const labels = [...m[2]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!);
    expect(rows.has(m[1]!), `${m[1]} listed twice`).toBe(false);
    expect(m[3]!.trim().length).toBeGreaterThan(3);
    rows.set(m[1]!, labels);
  }
  return rows;
};

/** The golden reports (they emit every metric: healthy, a dead link, a dead node, heartbeat stopped). */
const reports = (): HeartbeatReport[] =>
  readdirSync(GOLDEN)
    .filter((d) => d !== 'capture' && statSync(join(GOLDEN, d)).isDirectory())
    .map((c) => (JSON.parse(readFileSync(join(GOLDEN, c, 'expected.json'), 'utf8')) as { report: HeartbeatReport }).report);

describe('heartbeat README metric table', () => {
  const table = readmeMetrics();

  it('lists exactly the metrics of HEARTBEAT_METRICS, with the same labels and meaning', () => {
    expect([...table.keys()].sort()).toEqual(HEARTBEAT_METRICS.map((m) => m.name).sort());
    for (const m of HEARTBEAT_METRICS) expect(table.get(m.name), m.name).toEqual([...m.labels]);
    for (const m of HEARTBEAT_METRICS) expect(README, m.name).toContain(`| ${m.help} |`);
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    const emitted = new Map<string, Set<string>>();
    for (const r of reports()) {
      for (const s of heartbeatSamples(r)) {
        const keys = emitted.get(s.metric) ?? new Set<string>();
        keys.add(Object.keys(s.labels).sort().join(','));
        emitted.set(s.metric, keys);
      }
    }
    expect([...emitted.keys()].sort()).toEqual([...table.keys()].sort());
    for (const [metric, labelSets] of emitted) expect([...labelSets], metric).toEqual([[...(table.get(metric) ?? [])].sort().join(',')]);
  });

  it('uses Prometheus naming: hawatch_heartbeat_ prefix, snake_case, no counter suffixes on gauges', () => {
    for (const m of HEARTBEAT_METRICS) {
      expect(m.name).toMatch(/^hawatch_heartbeat_[a-z][a-z0-9_]*$/);
      expect(m.name).not.toMatch(/_(total|sum|bucket|count)$/);
    }
  });
});
