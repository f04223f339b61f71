// A probe's README documents its metrics in a table under "## Metrics"; its observe.ts lists them (`<PROBE>_METRICS`)
// and emits them. These helpers read the table and hold it against the list and against what is really emitted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { MetricDef } from '../../agent/probes/metrics.js';
import type { Sample } from '../../agent/protocol/index.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** One row of the metric table: its labels in the order listed, and its meaning. */
export interface ReadmeMetric {
  labels: string[];
  meaning: string;
}

/** Rows of the table under "## Metrics": | `metric` | `label`, `label` or — | meaning |. No metric listed twice. */
export const readmeMetrics = (readme: string): Map<string, ReadmeMetric> => {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Metrics'));
  if (!section) throw new Error('README has no "## Metrics" section');
  const rows = new Map<string, ReadmeMetric>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_:]+)` \| ([^|]*) \| ([^|]+) \|$/.exec(line.trim());
    if (!m) continue;
    expect(rows.has(m[1]!), `${m[1]} listed twice`).toBe(false);
    expect(m[3]!.trim().length).toBeGreaterThan(3);
    rows.set(m[1]!, { labels: [...m[2]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!), meaning: m[3]!.trim() });
  }
  return rows;
};

/** A probe's README and its metric table. */
export interface ReadmeTable {
  readme: string;
  rows: Map<string, ReadmeMetric>;
}

/** Reads agent/probes/<probe>/README.md and its metric table. */
export const probeReadmeTable = (probe: string): ReadmeTable => {
  const readme = readFileSync(join(REPO_ROOT, 'agent', 'probes', probe, 'README.md'), 'utf8');
  return { readme, rows: readmeMetrics(readme) };
};

/**
 * How a metric's `help` is held against the README: not at all, somewhere in the README as a table cell
 * (`| help |`), or as the meaning of the metric's own row.
 */
export type HelpCheck = 'none' | 'in-readme' | 'row-meaning';

/** The table lists exactly the metrics of `metrics`, each with the same labels in the same order. */
export const expectTableListsMetrics = ({ readme, rows }: ReadmeTable, metrics: readonly MetricDef[], help: HelpCheck = 'none'): void => {
  expect([...rows.keys()].sort()).toEqual(metrics.map((m) => m.name).sort());
  for (const m of metrics) {
    if (help === 'row-meaning') expect(rows.get(m.name), m.name).toEqual({ labels: [...m.labels], meaning: m.help });
    else expect(rows.get(m.name)?.labels, m.name).toEqual([...m.labels]);
  }
  if (help === 'in-readme') for (const m of metrics) expect(readme, m.name).toContain(`| ${m.help} |`);
};

/** Per metric, the label-name sets (sorted, comma-joined) the samples carry. */
export const emittedLabelSets = (samples: Iterable<Sample>): Map<string, Set<string>> => {
  const emitted = new Map<string, Set<string>>();
  for (const s of samples) emitted.set(s.metric, (emitted.get(s.metric) ?? new Set<string>()).add(Object.keys(s.labels).sort().join(',')));
  return emitted;
};

/** The samples hold every metric of the table and nothing else, each always with exactly the listed labels. */
export const expectEmittedAsListed = ({ rows }: ReadmeTable, samples: Iterable<Sample>): void => {
  const emitted = emittedLabelSets(samples);
  expect([...emitted.keys()].sort()).toEqual([...rows.keys()].sort());
  for (const [metric, sets] of emitted) expect([...sets], metric).toEqual([[...(rows.get(metric)?.labels ?? [])].sort().join(',')]);
};
