// The README's metric table, PACEMAKER_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACEMAKER_METRICS, pacemakerSamples } from '../../../../agent/probes/pacemaker/observe.js';
import { parseCrmMonXml } from '../../../../agent/probes/pacemaker/parse.js';
import type { PacemakerReport } from '../../../../agent/protocol/pacemaker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const README = readFileSync(join(ROOT, 'agent', 'probes', 'pacemaker', 'README.md'), 'utf8');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'probes', 'pacemaker');

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

/** Golden inputs plus a report with tickets (no stored fixture has any). */
const reports = (): PacemakerReport[] => {
  const out: PacemakerReport[] = [];
  for (const c of readdirSync(GOLDEN).filter((d) => statSync(join(GOLDEN, d)).isDirectory())) {
    const r = parseCrmMonXml(readFileSync(join(GOLDEN, c, 'input.xml'), 'utf8'));
    if (r.ok) out.push(r.value);
  }
  const base = out.find((r) => r.running);
  if (base?.running) out.push({ ...base, tickets: [{ id: 'ticketA', granted: true, standby: false, lastGranted: null }] });
  return out;
};

describe('pacemaker README metric table', () => {
  const table = readmeMetrics();

  it('lists exactly the metrics of PACEMAKER_METRICS, with the same labels', () => {
    expect([...table.keys()].sort()).toEqual(PACEMAKER_METRICS.map((m) => m.name).sort());
    for (const m of PACEMAKER_METRICS) expect(table.get(m.name), m.name).toEqual([...m.labels]);
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    const emitted = new Map<string, Set<string>>();
    for (const r of reports()) {
      for (const s of pacemakerSamples(r)) {
        const keys = emitted.get(s.metric) ?? new Set<string>();
        keys.add(Object.keys(s.labels).sort().join(','));
        emitted.set(s.metric, keys);
      }
    }
    expect([...emitted.keys()].sort()).toEqual([...table.keys()].sort());
    for (const [metric, labelSets] of emitted) expect([...labelSets], metric).toEqual([[...(table.get(metric) ?? [])].sort().join(',')]);
  });

  it('uses Prometheus naming: hawatch_pacemaker_ prefix, snake_case, no counter/histogram suffixes on gauges', () => {
    for (const m of PACEMAKER_METRICS) {
      expect(m.name).toMatch(/^hawatch_pacemaker_[a-z][a-z0-9_]*$/);
      // `fail_count` is Pacemaker's own term (and ha_cluster_exporter's name), so `_count` is allowed.
      expect(m.name).not.toMatch(/_(total|sum|bucket)$/);
    }
  });
});
