// The README's metric table, VRRP_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VRRP_METRICS, vrrpSamples } from '../../../../agent/probes/vrrp/observe.js';
import { vrrpReportFrom } from '../../../../agent/probes/vrrp/report.js';
import type { VrrpReport } from '../../../../agent/protocol/vrrp.js';
import { recordingsOf } from './helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const README = readFileSync(join(ROOT, 'agent', 'probes', 'vrrp', 'README.md'), 'utf8');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'probes', 'vrrp');

/** Rows of the table under "## Metrics": | `metric` | `label`, `label` or — | meaning |. */
const readmeMetrics = (): Map<string, { labels: string[]; meaning: string }> => {
  const section = README.split(/^## /m).find((s) => s.startsWith('Metrics'));
  if (!section) throw new Error('README has no "## Metrics" section');
  const rows = new Map<string, { labels: string[]; meaning: string }>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_:]+)` \| ([^|]*) \| ([^|]+) \|$/.exec(line.trim());
    if (!m) continue;
    expect(rows.has(m[1]!), `${m[1]} listed twice`).toBe(false);
    rows.set(m[1]!, { labels: [...m[2]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!), meaning: m[3]!.trim() });
  }
  return rows;
};

/** Golden inputs, plus a report with the watcher's status (no recording has one). */
const reports = (): VrrpReport[] => {
  const out = readdirSync(GOLDEN)
    .filter((d) => statSync(join(GOLDEN, d)).isDirectory() && d !== 'lab' && d !== 'lab-capture')
    .map((d) => vrrpReportFrom(recordingsOf(join(GOLDEN, d))));
  const base = out[0]!;
  out.push({ ...base, fifo: { path: '/run/keepalived/notify.fifo', open: true, lines: 3, badLines: 0 }, jsonDumpAt: 1_795_466_507_000 });
  return out;
};

describe('vrrp README metric table', () => {
  const table = readmeMetrics();

  it('lists exactly the metrics of VRRP_METRICS, with the same labels and meaning', () => {
    expect([...table.keys()].sort()).toEqual(VRRP_METRICS.map((m) => m.name).sort());
    for (const m of VRRP_METRICS) expect(table.get(m.name), m.name).toEqual({ labels: [...m.labels], meaning: m.help });
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    const emitted = new Map<string, Set<string>>();
    for (const r of reports()) {
      for (const s of vrrpSamples(r)) {
        const keys = emitted.get(s.metric) ?? new Set<string>();
        keys.add(Object.keys(s.labels).sort().join(','));
        emitted.set(s.metric, keys);
      }
    }
    expect([...emitted.keys()].sort()).toEqual([...table.keys()].sort());
    for (const [metric, labelSets] of emitted) expect([...labelSets], metric).toEqual([[...(table.get(metric)?.labels ?? [])].sort().join(',')]);
  });

  it('uses Prometheus naming: hawatch_vrrp_ prefix, snake_case, base units; never the reserved instance/job labels', () => {
    for (const m of VRRP_METRICS) {
      expect(m.name).toMatch(/^hawatch_vrrp_[a-z][a-z0-9_]*$/);
      expect(m.labels).not.toContain('instance');
      expect(m.labels).not.toContain('job');
      expect(m.name).not.toMatch(/_(milliseconds|ms|sum|bucket)$/);
    }
  });
});
