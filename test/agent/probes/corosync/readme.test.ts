// The README's metric table, COROSYNC_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COROSYNC_METRICS, corosyncSamples } from '../../../../agent/probes/corosync/observe.js';
import type { CorosyncReport } from '../../../../agent/protocol/corosync.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable, REPO_ROOT } from '../../../helpers/readme-metrics.js';

const GOLDEN = join(REPO_ROOT, 'test', 'fixtures', 'probes', 'corosync');

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
  const table = probeReadmeTable('corosync');

  it('lists exactly the metrics of COROSYNC_METRICS, with the same labels and meaning', () => {
    expectTableListsMetrics(table, COROSYNC_METRICS, 'in-readme');
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    expectEmittedAsListed(table, reports().flatMap(corosyncSamples));
  });

  it('uses Prometheus naming: hawatch_corosync_ prefix, snake_case, no counter suffixes on gauges', () => {
    for (const m of COROSYNC_METRICS) {
      expect(m.name).toMatch(/^hawatch_corosync_[a-z][a-z0-9_]*$/);
      expect(m.name).not.toMatch(/_(total|sum|bucket|count)$/);
    }
  });
});
