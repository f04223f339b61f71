// The README's metric table, VRRP_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VRRP_METRICS, vrrpSamples } from '../../../../agent/probes/vrrp/observe.js';
import { vrrpReportFrom } from '../../../../agent/probes/vrrp/report.js';
import type { VrrpReport } from '../../../../agent/protocol/vrrp.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable, REPO_ROOT } from '../../../helpers/readme-metrics.js';
import { recordingsOf } from './helpers.js';

const GOLDEN = join(REPO_ROOT, 'test', 'fixtures', 'probes', 'vrrp');

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
  const table = probeReadmeTable('vrrp');

  it('lists exactly the metrics of VRRP_METRICS, with the same labels and meaning', () => {
    expectTableListsMetrics(table, VRRP_METRICS, 'row-meaning');
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    expectEmittedAsListed(table, reports().flatMap(vrrpSamples));
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
