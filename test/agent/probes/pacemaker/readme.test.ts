// The README's metric table, PACEMAKER_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PACEMAKER_METRICS, pacemakerSamples } from '../../../../agent/probes/pacemaker/observe.js';
import { parseCrmMonXml } from '../../../../agent/probes/pacemaker/parse.js';
import type { PacemakerReport } from '../../../../agent/protocol/pacemaker.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable, REPO_ROOT } from '../../../helpers/readme-metrics.js';

const GOLDEN = join(REPO_ROOT, 'test', 'fixtures', 'probes', 'pacemaker');

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
  const table = probeReadmeTable('pacemaker');

  it('lists exactly the metrics of PACEMAKER_METRICS, with the same labels', () => {
    expectTableListsMetrics(table, PACEMAKER_METRICS);
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    expectEmittedAsListed(table, reports().flatMap(pacemakerSamples));
  });

  it('uses Prometheus naming: hawatch_pacemaker_ prefix, snake_case, no counter/histogram suffixes on gauges', () => {
    for (const m of PACEMAKER_METRICS) {
      expect(m.name).toMatch(/^hawatch_pacemaker_[a-z][a-z0-9_]*$/);
      // `fail_count` is Pacemaker's own term (and ha_cluster_exporter's name), so `_count` is allowed.
      expect(m.name).not.toMatch(/_(total|sum|bucket)$/);
    }
  });
});
