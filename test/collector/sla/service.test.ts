// Service-level truth from per-node reports: one holder, failover gaps, split brain, clones, unknown nodes.
import { describe, expect, it } from 'vitest';
import {
  CLONE_SERVICE_POLICY,
  combineService,
  serviceAvailability,
  servicePolicy,
  serviceStateAt,
  slaPolicy,
  type Availability,
  type ServicePolicy,
} from '../../../collector/sla/index.js';
import { iv, MIN, tr, win } from './helpers.js';

type Row = [number, number, string, string]; // [fromMin, toMin, state, holders joined by ',']
const rows = (list: ReturnType<typeof combineService>): Row[] =>
  list.map((s) => [s.fromMs / MIN, s.toMs / MIN, s.state, s.holders.join(',')]);

describe('serviceStateAt (first match wins)', () => {
  const names = ['n1', 'n2', 'n3'];
  const cases: { states: Availability[]; policy?: Partial<ServicePolicy>; want: string }[] = [
    { states: ['up', 'down', 'down'], want: 'up' },
    { states: ['down', 'down', 'down'], want: 'down' },
    { states: ['up', 'up', 'down'], want: 'split' },
    { states: ['up', 'degraded', 'down'], want: 'split' }, // an impaired second holder is still a second holder
    { states: ['degraded', 'down', 'down'], want: 'degraded' },
    { states: ['unknown', 'unknown', 'unknown'], want: 'unknown' },
    { states: ['unknown', 'up', 'down'], want: 'up' }, // a silent node is no proof of a split
    { states: ['unknown', 'up', 'up'], want: 'split' }, // but two known holders are
    { states: ['unknown', 'down', 'down'], want: 'down' },
    { states: ['unknown', 'down', 'down'], policy: { noHolderWithUnknown: 'unknown' }, want: 'unknown' },
    { states: ['maintenance', 'down', 'down'], want: 'maintenance' },
    { states: ['maintenance', 'up', 'down'], want: 'up' },
    { states: ['up', 'up', 'up'], policy: CLONE_SERVICE_POLICY, want: 'up' },
    { states: ['up', 'down', 'down'], policy: { ...CLONE_SERVICE_POLICY, minHealthy: 2 }, want: 'degraded' },
    { states: ['up', 'up', 'down'], policy: { ...CLONE_SERVICE_POLICY, minHealthy: 2 }, want: 'up' },
    { states: ['up', 'up', 'up'], policy: { minHealthy: 1, maxHolders: 2 }, want: 'split' },
  ];
  for (const c of cases) {
    it(`${c.states.join(' ')}${c.policy ? ` ${JSON.stringify(c.policy)}` : ''} → ${c.want}`, () => {
      expect(serviceStateAt(names, c.states, servicePolicy(c.policy)).state).toBe(c.want);
    });
  }
});

describe('combineService over time', () => {
  it('a clean failover keeps the service up; the holder changes', () => {
    const got = combineService(
      [
        { node: 'n1', intervals: iv([[0, 100, 'up'], [100, 200, 'down']]) },
        { node: 'n2', intervals: iv([[0, 100, 'down'], [100, 200, 'up']]) },
      ],
      win(0, 200),
    );
    expect(rows(got)).toEqual([
      [0, 100, 'up', 'n1'],
      [100, 200, 'up', 'n2'],
    ]);
  });

  it('a failover gap is down; a split counts as down by default, or as the class the policy says', () => {
    const nodes = [
      { node: 'n1', intervals: iv([[0, 100, 'up'], [100, 300, 'down'], [300, 400, 'up']]) },
      { node: 'n2', intervals: iv([[0, 130, 'down'], [130, 350, 'up'], [350, 400, 'down']]) },
    ];
    const got = combineService(nodes, win(0, 400));
    expect(rows(got)).toEqual([
      [0, 100, 'up', 'n1'],
      [100, 130, 'down', ''],
      [130, 300, 'up', 'n2'],
      [300, 350, 'split', 'n1,n2'],
      [350, 400, 'up', 'n1'],
    ]);
    expect(got.map((s) => s.availability)).toEqual(['up', 'down', 'up', 'down', 'up']);
    expect(combineService(nodes, win(0, 400), { split: 'degraded' })[3]?.availability).toBe('degraded');
  });

  it('gaps in a node list are unknown; all unknown is unknown', () => {
    const got = combineService(
      [
        { node: 'n1', intervals: iv([[0, 50, 'up']]) },
        { node: 'n2', intervals: iv([[0, 80, 'down']]) },
      ],
      win(0, 100),
    );
    expect(rows(got)).toEqual([
      [0, 50, 'up', 'n1'],
      [50, 80, 'down', ''],
      [80, 100, 'unknown', ''],
    ]);
  });

  it('rejects bad service policies', () => {
    expect(() => servicePolicy({ minHealthy: 0 })).toThrow(expect.objectContaining({ code: 'sla.bad_policy' }));
    expect(() => servicePolicy({ minHealthy: 2, maxHolders: 1 })).toThrow(expect.objectContaining({ code: 'sla.bad_policy' }));
  });
});

describe('serviceAvailability', () => {
  it('a VIP: 30-minute failover gap and a 20-minute split in a 1000-minute window', () => {
    // n1 holds [0,400), n2 takes over at 430 → down [400,430). n1 grabs it back at 700 while n2 still holds it
    // until 720 → split [700,720) counted as down. Down 50, up 950: 2 incidents, MTTR 25, MTBF 475.
    const nodes = [
      { node: 'n1', transitions: tr([[0, 'up'], [400, 'down'], [700, 'up']]) },
      { node: 'n2', transitions: tr([[0, 'down'], [430, 'up'], [720, 'down']]) },
    ];
    const r = serviceAvailability(nodes, win(0, 1000), 1000 * MIN, slaPolicy());
    expect([r.countedDownMs / MIN, r.countedUpMs / MIN, r.incidents, r.mttrMs! / MIN, r.mtbfMs! / MIN]).toEqual([50, 950, 2, 25, 475]);
    // A 40-minute debounce turns both into blips (they are 30 and 20 minutes long).
    const d = serviceAvailability(nodes, win(0, 1000), 1000 * MIN, slaPolicy({ debounceMs: 40 * MIN }));
    expect([d.countedDownMs, d.incidents]).toEqual([0, 0]);
  });

  it('a single reporter gives the same figures as the object itself', () => {
    const t = tr([[0, 'up'], [100, 'degraded'], [150, 'down'], [180, 'unknown'], [200, 'up'], [300, 'maintenance'], [350, 'up']]);
    // up 100 + 100 + 650 = 850, degraded 50, down 30, unknown 20, maintenance 50.
    const s = serviceAvailability([{ node: 'n1', transitions: t }], win(0, 1000), 1000 * MIN, slaPolicy());
    expect([s.uptimeMs, s.degradedMs, s.downtimeMs, s.unknownMs, s.maintenanceMs].map((x) => x / MIN)).toEqual([850, 50, 30, 20, 50]);
  });
});
