// The hand-written exposition: both formats, escaping, one-hot vocabularies, counters in OpenMetrics, and the
// registry collector/http.ts serves (one model snapshot per scrape; `_total` kept after an OpenMetrics scrape).
import { describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { escapeLabelValue, Exposition, formatValue, type FamilySpec } from '../../../collector/prometheus/exposition.js';
import { createMetrics } from '../../../collector/prometheus/metrics.js';
import { ClusterModel } from '../../../collector/model/model.js';
import { makeBatch } from '../../helpers/collector.js';

const gauge: FamilySpec = { name: 'hawatch_test_state', type: 'gauge', help: 'A "test" \\ family\nwith two lines.', labels: ['cluster', 'state'] };
const counter: FamilySpec = { name: 'hawatch_test_events_total', type: 'counter', help: 'Events.', labels: ['result'] };

describe('Exposition', () => {
  it('escapes label values and HELP as each format wants', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeLabelValue('plain')).toBe('plain');
    for (const om of [false, true]) {
      const x = new Exposition(om);
      x.family(gauge).set(['we"ird\\name', 'ok'], 1);
      const text = x.text();
      expect(text).toContain('hawatch_test_state{cluster="we\\"ird\\\\name",state="ok"} 1\n');
      // Text 0.0.4 escapes only backslash and newline in HELP; OpenMetrics also the double quote.
      expect(text).toContain(om ? '# HELP hawatch_test_state A \\"test\\" \\\\ family\\nwith two lines.' : '# HELP hawatch_test_state A "test" \\\\ family\\nwith two lines.');
    }
  });

  it('writes numbers as Prometheus reads them', () => {
    expect([0, 1, -3, 0.25, 1795469333.224, NaN, Infinity, -Infinity].map(formatValue)).toEqual(['0', '1', '-3', '0.25', '1795469333.224', 'NaN', '+Inf', '-Inf']);
  });

  it('one-hot: every state of the vocabulary, and a value outside it as a series of its own', () => {
    const x = new Exposition(false);
    const f = x.family(gauge);
    f.oneHot(['c1'], ['up', 'down'], 'down');
    f.oneHot(['c2'], ['up', 'down'], 'sideways');
    expect(x.text().split('\n').filter((l) => !l.startsWith('#') && l)).toEqual([
      'hawatch_test_state{cluster="c1",state="up"} 0',
      'hawatch_test_state{cluster="c1",state="down"} 1',
      'hawatch_test_state{cluster="c2",state="up"} 0',
      'hawatch_test_state{cluster="c2",state="down"} 0',
      'hawatch_test_state{cluster="c2",state="sideways"} 1',
    ]);
    expect(x.samples).toBe(5);
  });

  it('names counters per format, has no blank line in OpenMetrics and ends it with # EOF', () => {
    const text = new Exposition(false);
    text.family(gauge).set(['c', 's'], 1);
    text.family(counter).setRaw(counter.name, { result: 'stored' }, 3);
    expect(text.text()).toBe(
      ['# HELP hawatch_test_state A "test" \\\\ family\\nwith two lines.', '# TYPE hawatch_test_state gauge', 'hawatch_test_state{cluster="c",state="s"} 1',
        '# HELP hawatch_test_events_total Events.', '# TYPE hawatch_test_events_total counter', 'hawatch_test_events_total{result="stored"} 3', ''].join('\n'),
    );
    const om = new Exposition(true);
    om.family(counter).setRaw(counter.name, { result: 'stored' }, 3);
    om.family(gauge);
    expect(om.text()).toBe(
      ['# HELP hawatch_test_events Events.', '# TYPE hawatch_test_events counter', 'hawatch_test_events_total{result="stored"} 3',
        '# HELP hawatch_test_state A \\"test\\" \\\\ family\\nwith two lines.', '# TYPE hawatch_test_state gauge', '# EOF', ''].join('\n'),
    );
  });
});

describe('createMetrics', () => {
  const setup = () => {
    const model = new ClusterModel({ staleAfterIntervals: 3, now: () => 1_700_000_100_000 });
    model.applyBatch(makeBatch(1), 1_700_000_099_000);
    const snapshot = vi.spyOn(model, 'snapshot');
    return { model, snapshot, metrics: createMetrics(model, () => 2) };
  };

  it('takes one model snapshot per scrape, however many families read it', async () => {
    const { snapshot, metrics } = setup();
    await metrics.registry.metrics();
    expect(snapshot).toHaveBeenCalledTimes(1);
    await metrics.registry.metrics();
    expect(snapshot).toHaveBeenCalledTimes(2);
  });

  it('renders the model and the ingest instruments; keeps `_total` in text after an OpenMetrics scrape', async () => {
    const { metrics } = setup();
    metrics.ingestBatches.inc({ result: 'stored' });
    metrics.ingestSamples.inc(5);
    metrics.commitSeconds.observe(0.002);
    const reg = metrics.registry;
    reg.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const om = await reg.metrics();
    expect(om).toContain('# TYPE hawatch_ingest_batches counter\nhawatch_ingest_batches_total{result="stored"} 1\n');
    expect(om).toMatch(/\n# EOF\n$/);
    expect(om).not.toMatch(/\n\n/);
    reg.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
    const text = await reg.metrics();
    // prom-client 15.1.3's own renderer renames counters in place for OpenMetrics; ours does not.
    expect(text).toContain('# TYPE hawatch_ingest_batches_total counter\nhawatch_ingest_batches_total{result="stored"} 1\n');
    expect(text).toContain('hawatch_ingest_samples_total 5\n');
    expect(text).toContain('hawatch_store_commit_duration_seconds_bucket{le="0.0025"} 1\n');
    expect(text).toContain('hawatch_ingest_queue_depth 2\n');
    expect(text).toContain('hawatch_agent_up{cluster="c1",node="n1"} 1\n');
    expect(text).toContain('hawatch_probe_status{cluster="c1",node="n1",probe="pacemaker",state="ok"} 1\n');
    expect(reg.contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
  });
});
