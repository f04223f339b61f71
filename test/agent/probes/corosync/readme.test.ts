// The README's metric table, COROSYNC_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COROSYNC_METRICS, corosyncSamples } from '../../../../agent/probes/corosync/observe.js';
import type { CorosyncReport } from '../../../../agent/protocol/corosync.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const README = readFileSync(join(ROOT, 'agent', 'probes', 'corosync', 'README.md'), 'utf8');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'probes', 'corosync');

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

/** The golden reports, plus one with a 2.x ring (no golden case holds one: the 2.x sample is collected, not copied). */
const reports = (): CorosyncReport[] => {
  const out: CorosyncReport[] = [];
  for (const c of readdirSync(GOLDEN).filter((d) => d !== 'capture' && statSync(join(GOLDEN, d)).isDirectory())) {
    const e = JSON.parse(readFileSync(join(GOLDEN, c, 'expected.json'), 'utf8')) as { report: CorosyncReport | null };
    if (e.report) out.push(e.report);
  }
  const base = out.find((r) => r.running);
  if (base?.running) {
    out.push({ ...base, links: [{ linkId: 0, transport: null, address: '10.0.0.1', peers: [], status: 'Marking ringid 0 interface 10.0.0.1 FAULTY', faulty: true }] });
  }
  return out;
};

describe('corosync README metric table', () => {
  const table = readmeMetrics();

  it('lists exactly the metrics of COROSYNC_METRICS, with the same labels and meaning', () => {
    expect([...table.keys()].sort()).toEqual(COROSYNC_METRICS.map((m) => m.name).sort());
    for (const m of COROSYNC_METRICS) expect(table.get(m.name), m.name).toEqual([...m.labels]);
    for (const m of COROSYNC_METRICS) expect(README, m.name).toContain(`| ${m.help} |`);
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    const emitted = new Map<string, Set<string>>();
    for (const r of reports()) {
      for (const s of corosyncSamples(r)) {
        const keys = emitted.get(s.metric) ?? new Set<string>();
        keys.add(Object.keys(s.labels).sort().join(','));
        emitted.set(s.metric, keys);
      }
    }
    expect([...emitted.keys()].sort()).toEqual([...table.keys()].sort());
    for (const [metric, labelSets] of emitted) expect([...labelSets], metric).toEqual([[...(table.get(metric) ?? [])].sort().join(',')]);
  });

  it('uses Prometheus naming: hawatch_corosync_ prefix, snake_case, no counter suffixes on gauges', () => {
    for (const m of COROSYNC_METRICS) {
      expect(m.name).toMatch(/^hawatch_corosync_[a-z][a-z0-9_]*$/);
      expect(m.name).not.toMatch(/_(total|sum|bucket|count)$/);
    }
  });
});
