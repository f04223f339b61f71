// The README's metric table, HEARTBEAT_METRICS and what observe.ts really emits must agree.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HEARTBEAT_METRICS, heartbeatSamples } from '../../../../agent/probes/heartbeat/observe.js';
import type { HeartbeatReport } from '../../../../agent/protocol/heartbeat.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable, REPO_ROOT } from '../../../helpers/readme-metrics.js';

const GOLDEN = join(REPO_ROOT, 'test', 'fixtures', 'probes', 'heartbeat');

/** The golden reports (they emit every metric: healthy, a dead link, a dead node, heartbeat stopped). */
const reports = (): HeartbeatReport[] =>
  readdirSync(GOLDEN)
    .filter((d) => d !== 'capture' && statSync(join(GOLDEN, d)).isDirectory())
    .map((c) => (JSON.parse(readFileSync(join(GOLDEN, c, 'expected.json'), 'utf8')) as { report: HeartbeatReport }).report);

describe('heartbeat README metric table', () => {
  const table = probeReadmeTable('heartbeat');

  it('lists exactly the metrics of HEARTBEAT_METRICS, with the same labels and meaning', () => {
    expectTableListsMetrics(table, HEARTBEAT_METRICS, 'in-readme');
  });

  it('every listed metric is emitted for some real output, and nothing unlisted is', () => {
    expectEmittedAsListed(table, reports().flatMap(heartbeatSamples));
  });

  it('uses Prometheus naming: hawatch_heartbeat_ prefix, snake_case, no counter suffixes on gauges', () => {
    for (const m of HEARTBEAT_METRICS) {
      expect(m.name).toMatch(/^hawatch_heartbeat_[a-z][a-z0-9_]*$/);
      expect(m.name).not.toMatch(/_(total|sum|bucket|count)$/);
    }
  });
});
