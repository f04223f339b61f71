// `slas:` in the collector YAML: schema, defaults, checks, and the pure policies they turn into (weekly
// maintenance windows in the SLA's time zone, across DST changes).
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../../common/config-file.js';
import { DEFAULT_POLICY, DEFAULT_SERVICE_POLICY } from '../../../collector/sla/index.js';
import { defaultSlaDefinitions, describePolicy, parseSlas, policyFor, SlasFile, weeklyRanges } from '../../../collector/sla/policy-config.js';

const iso = (ms: number) => new Date(ms).toISOString();
const problems = (raw: unknown): string[] => {
  try {
    parseSlas(raw, 'c.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
};

describe('slas: schema and defaults', () => {
  it('a minimal SLA gets the defaults of the maths', () => {
    const [d] = parseSlas([{ name: 'web', objects: [{ kind: 'resource', id: 'web*' }] }]);
    expect(d?.objects).toEqual([{ cluster: '*', kind: 'resource', id: 'web*' }]);
    expect([d?.period, d?.timeZone]).toEqual(['month', 'UTC']);
    expect(d?.policy).toEqual({ ...DEFAULT_POLICY, slo: 0.999 });
    expect(d?.service).toEqual(DEFAULT_SERVICE_POLICY);
  });

  it('every choice maps onto the policy objects', () => {
    const text = [
      'dataDir: /var/lib/hawatch',
      'slas:',
      '  - name: gold',
      '    description: customer-facing',
      '    objects:',
      '      - { cluster: "prod-*", kind: vip, id: "10.0.0.?" }',
      '      - { cluster: prod-a, kind: cluster }',
      '    slo: 99.95',
      '    period: quarter',
      '    timeZone: Europe/Berlin',
      '    countAs: { degraded: down, unknown: down, maintenance: down, splitBrain: degraded, noHolder: unknown }',
      '    debounceSeconds: 30',
      '    maintenance:',
      '      - { weekly: "Sun 02:00-04:00", note: patching }',
      '      - { from: "2026-12-24T00:00:00+01:00", to: "2026-12-27T00:00:00+01:00" }',
      '',
    ].join('\n');
    const [d] = parseSlas(parseConfigText(SlasFile, text, 'c.yaml').slas);
    expect(d?.policy).toEqual({ slo: 0.9995, degraded: 'down', unknown: 'down', excludeMaintenance: false, debounceMs: 30_000, maintenance: [] });
    expect(d?.service).toEqual({ ...DEFAULT_SERVICE_POLICY, split: 'degraded', noHolderWithUnknown: 'unknown' });
    expect([d?.period, d?.timeZone, d?.description]).toEqual(['quarter', 'Europe/Berlin', 'customer-facing']);
    expect(d?.absoluteMaintenance.map((r) => [iso(r.fromMs), iso(r.toMs)])).toEqual([['2026-12-23T23:00:00.000Z', '2026-12-26T23:00:00.000Z']]);
    expect(d?.weeklyMaintenance).toEqual([{ day: 0, startMinute: 120, endMinute: 240, text: 'Sun 02:00-04:00' }]);
    expect(describePolicy(d!)).toMatch(/^SLO 99\.95 % per quarter \(Europe\/Berlin\); counted as down: down, degraded, unknown, maintenance; split brain: degraded/);
  });

  it('names the key of every problem', () => {
    expect(problems([{ name: 'x', objects: [] }])).toEqual(['slas.0.objects: must not have fewer than 1 items']);
    expect(problems([{ name: 'x', objects: [{ kind: 'service' }] }])[0]).toMatch(/^slas\.0\.objects\.0\.kind: /);
    expect(problems([{ name: 'x', objects: [{ kind: 'node' }], slo: 101 }])[0]).toMatch(/^slas\.0\.slo: /);
    expect(problems([{ name: 'x', objects: [{ kind: 'node' }], colour: 'red' }])).toEqual(['slas.0.colour: unknown key']);
    expect(problems([{ name: 'x', objects: [{ kind: 'node' }], timeZone: 'Mars/Olympus' }])).toEqual(['slas.0.timeZone: unknown time zone "Mars/Olympus"']);
    expect(problems([{ name: 'x', objects: [{ kind: 'node' }] }, { name: 'x', objects: [{ kind: 'node' }] }])).toEqual(['slas.1.name: "x" is used twice']);
    expect(problems([{ name: 'x', objects: [{ kind: 'node' }], maintenance: [{ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }] }])).toEqual([
      'slas.0.maintenance.0: "to" must be after "from"',
    ]);
    expect(problems([{ name: 'x', objects: [{ kind: 'node' }], maintenance: [{ weekly: 'Sunday 2-4' }] }]).join('\n')).toMatch(/slas\.0\.maintenance\.0/);
    expect(problems([{ name: 'x', objects: [{ kind: 'node' }], maintenance: [{ from: '2026-01-01', to: '2026-01-02' }] }]).join('\n')).toMatch(/slas\.0\.maintenance\.0\.from/);
  });

  it('default SLAs: services, nodes, clusters', () => {
    expect(defaultSlaDefinitions().map((d) => [d.name, d.objects.map((o) => o.kind)])).toEqual([
      ['services', ['resource', 'vip']],
      ['nodes', ['node']],
      ['clusters', ['cluster']],
    ]);
  });
});

describe('weekly maintenance windows in the time zone', () => {
  const def = (weekly: string[], timeZone = 'Europe/Berlin') => parseSlas([{ name: 'm', objects: [{ kind: 'node' }], timeZone, maintenance: weekly.map((w) => ({ weekly: w })) }])[0]!;
  const range = (from: string, to: string) => ({ fromMs: Date.parse(from), toMs: Date.parse(to) });

  it('Sun 02:00-04:00 across the spring DST change: the hour that does not exist is not counted', () => {
    const r = weeklyRanges(def(['Sun 02:00-04:00']), range('2026-03-21T00:00:00Z', '2026-04-06T00:00:00Z'));
    expect(r.map((x) => [iso(x.fromMs), iso(x.toMs)])).toEqual([
      ['2026-03-22T01:00:00.000Z', '2026-03-22T03:00:00.000Z'], // CET
      ['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z'], // 02:00 jumps to 03:00: one real hour
      ['2026-04-05T00:00:00.000Z', '2026-04-05T02:00:00.000Z'], // CEST
    ]);
  });

  it('a window past midnight, on the autumn change, and only those overlapping the range', () => {
    const r = weeklyRanges(def(['Sat 23:00-01:00', 'Sun 01:00-03:00']), range('2026-10-24T12:00:00Z', '2026-10-26T00:00:00Z'));
    expect(r.map((x) => [iso(x.fromMs), iso(x.toMs)])).toEqual([
      ['2026-10-24T21:00:00.000Z', '2026-10-24T23:00:00.000Z'],
      // 01:00 CEST to 03:00 CET: three real hours (02:00-03:00 happens twice).
      ['2026-10-24T23:00:00.000Z', '2026-10-25T02:00:00.000Z'],
    ]);
    expect(weeklyRanges(def(['Sun 02:00-04:00'], 'UTC'), range('2026-10-26T00:00:00Z', '2026-10-31T00:00:00Z'))).toEqual([]);
  });

  it('policyFor merges absolute and weekly windows into the policy', () => {
    const d = parseSlas([
      { name: 'm', objects: [{ kind: 'node' }], maintenance: [{ weekly: 'Mon 00:00-24:00' }, { from: '2026-11-02T12:00:00Z', to: '2026-11-03T12:00:00Z' }] },
    ])[0]!;
    const p = policyFor(d, range('2026-11-01T00:00:00Z', '2026-11-10T00:00:00Z'));
    expect(p.maintenance.map((x) => [iso(x.fromMs), iso(x.toMs)])).toEqual([
      ['2026-11-02T00:00:00.000Z', '2026-11-03T12:00:00.000Z'],
      ['2026-11-09T00:00:00.000Z', '2026-11-10T00:00:00.000Z'],
    ]);
  });
});
