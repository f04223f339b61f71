// collector/prometheus/README.md's metric table is the list of families the code renders: same names, types and
// labels, in the same order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_FAMILIES } from '../../../collector/prometheus/families.js';
import { ROOT } from './queries.js';

describe('collector/prometheus/README.md', () => {
  it('lists exactly the families of families.ts, with their types and labels', () => {
    const readme = readFileSync(join(ROOT, 'collector', 'prometheus', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `(hawatch_[a-z_]+)` \| (gauge|counter|histogram) \| ([^|]*) \| (.+) \|$/gm)].map((m) => ({
      name: m[1],
      type: m[2],
      labels: (m[3] as string).trim() === '—' ? [] : [...(m[3] as string).matchAll(/`([a-z_]+)`/g)].map((x) => x[1]),
    }));
    expect(rows).toEqual(ALL_FAMILIES.map((f) => ({ name: f.name, type: f.type, labels: [...f.labels] })));
  });

  it('names are Prometheus-valid, in base units, `_total` only on counters', () => {
    for (const f of ALL_FAMILIES) {
      expect(f.name).toMatch(/^hawatch_[a-z][a-z0-9_]*[a-z0-9]$/);
      expect(f.name.endsWith('_total'), f.name).toBe(f.type === 'counter');
      expect(f.name, f.name).not.toMatch(/_(ms|milliseconds|kb|kilobytes|percent|count)$/);
      for (const l of f.labels) expect(l, f.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(new Set(f.labels).size, f.name).toBe(f.labels.length);
      // No state in the labels of counters: every transition would make a new series.
      if (f.type === 'counter') expect(f.labels, f.name).not.toContain('state');
    }
    expect(new Set(ALL_FAMILIES.map((f) => f.name)).size).toBe(ALL_FAMILIES.length);
  });
});
