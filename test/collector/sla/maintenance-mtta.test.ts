// Maintenance windows set through the API (silences table, kind 'maintenance') and MTTA from alert
// acknowledgements (alerts.acked_ms), both read by the store-backed SLA. Real store (all migrations), synthetic rows;
// every expectation is worked out by hand in seconds from the window start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../collector/store/db.js';
import { slaPolicy, type Availability } from '../../../collector/sla/index.js';
import { matcherMatches, matchersMatch, parseMatchers, type Matcher, type VipRouters } from '../../../collector/sla/matchers.js';
import { SLA_SQL, SlaReader, SqliteSlaSource, type SlaKind } from '../../../collector/sla/store.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.parse('2026-06-01T00:00:00Z');
const S = 1000;
const at = (s: number) => T0 + s * S;

const m = (name: string, op: '=' | '!=' | '=~' | '!~', value: string): Matcher => ({ name, value, isRegex: op.endsWith('~'), isEqual: !op.startsWith('!') });

describe('matchers against an SLA object (Alertmanager semantics; a name the object lacks matches only an empty value)', () => {
  const web = { cluster: 'c', resource: 'web' };
  const cases: [string, Matcher, boolean][] = [
    ['cluster="c"', m('cluster', '=', 'c'), true],
    ['cluster!="c"', m('cluster', '!=', 'c'), false],
    ['cluster=~"c|d" (anchored)', m('cluster', '=~', 'c|d'), true],
    ['cluster=~"" does not match "c"', m('cluster', '=~', ''), false],
    ['resource=~"we" is anchored: no match for "web"', m('resource', '=~', 'we'), false],
    ['resource=~"we.*"', m('resource', '=~', 'we.*'), true],
    ['resource!~"db.*"', m('resource', '!~', 'db.*'), true],
    ['node="n1" on an object without node', m('node', '=', 'n1'), false],
    ['node="" on an object without node', m('node', '=', ''), true],
    ['node!="" on an object without node', m('node', '!=', ''), false],
    ['node=~".*": non-empty value, name absent', m('node', '=~', '.*'), false],
    ['alertname="Foo": an SLA object has no alertname', m('alertname', '=', 'Foo'), false],
    ['alertname!="Foo": still no (non-empty value, name absent)', m('alertname', '!=', 'Foo'), false],
    ['an invalid regex matches nothing', m('resource', '=~', '(web'), false],
  ];
  it.each(cases)('%s → %s', (_name, matcher, want) => expect(matcherMatches(matcher, web)).toBe(want));

  it('every matcher must match; no matchers names nothing', () => {
    expect(matchersMatch([m('cluster', '=', 'c'), m('resource', '=~', 'web|db')], web)).toBe(true);
    expect(matchersMatch([m('cluster', '=', 'c'), m('node', '=', 'n1')], web)).toBe(false);
    expect(matchersMatch([], web)).toBe(false);
  });

  it('parses the stored JSON (isEqual defaults to true, isRegex to false); malformed JSON is no window', () => {
    expect(parseMatchers('[{"name":"cluster","value":"c"},{"name":"node","value":"n.*","isRegex":true,"isEqual":false}]')).toEqual([
      m('cluster', '=', 'c'),
      m('node', '!~', 'n.*'),
    ]);
    expect(parseMatchers('{"name":"cluster"}')).toBeNull();
    expect(parseMatchers('[{"name":"cluster"}]')).toBeNull();
    expect(parseMatchers('not json')).toBeNull();
  });
});

// ---- a store with one resource, one node and one VIP -------------------------------------------------------------
// web (resource):   up [0,100), down [100,200), up [200, ...)
// n1 (node):        online [0,300), offline [300,400), online [400, ...)
// 10.0.0.1 (vip):   held [0,100), absent [100,200), held [200, ...)     (n1 is the only reporter)
// The window is [0, 1000) s; now is 600 s unless said otherwise.

type Row = [node: string, kind: string, object: string, state: string, availability: Availability, atS: number];
const HISTORY: Row[] = [
  ['n1', 'pcmk_resource', 'web', 'Started@n1', 'up', 0],
  ['n1', 'pcmk_resource', 'web', 'Stopped', 'down', 100],
  ['n1', 'pcmk_resource', 'web', 'Started@n1', 'up', 200],
  ['n1', 'pcmk_node', 'n1', 'online', 'up', 0],
  ['n1', 'pcmk_node', 'n1', 'offline', 'down', 300],
  ['n1', 'pcmk_node', 'n1', 'online', 'up', 400],
  ['n1', 'vrrp_vip', '10.0.0.1', 'present', 'up', 0],
  ['n1', 'vrrp_vip', '10.0.0.1', 'absent', 'down', 100],
  ['n1', 'vrrp_vip', '10.0.0.1', 'present', 'up', 200],
];

interface Silence {
  kind: 'silence' | 'maintenance';
  matchers: Matcher[];
  fromS: number;
  toS: number;
}
interface AlertRow {
  cluster?: string;
  labels: Record<string, string>;
  firingS: number;
  endsS: number | null;
  ackedS: number | null;
}

const store = (silences: Silence[], alerts: AlertRow[] = []): Db => {
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-sla-maint-'));
  dirs.push(dir);
  const db = openDb(dir);
  const ins = db.prepare('INSERT INTO transitions (cluster, node, probe, kind, object, from_state, to_state, availability, at_ms) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)');
  for (const [node, kind, object, state, availability, atS] of HISTORY) ins.run('c', node, kind.startsWith('vrrp') ? 'vrrp' : 'pacemaker', kind, object, state, availability, at(atS));
  db.prepare("INSERT INTO agents VALUES ('agent-n1', 'c', 'n1', 'test', 10000, 1, ?, ?)").run(T0 - 86_400_000, at(5000));
  for (const p of ['pacemaker', 'vrrp']) db.prepare("INSERT INTO probe_latest VALUES ('c', 'n1', ?, 0, 'ok', 1, NULL, NULL)").run(p);
  const sil = db.prepare('INSERT INTO silences (id, kind, matchers, starts_ms, ends_ms, comment, created_by, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  silences.forEach((x, i) => sil.run(`s${i}`, x.kind, JSON.stringify(x.matchers), at(x.fromS), at(x.toS), 'test window', 'ops', T0));
  const al = db.prepare(
    "INSERT INTO alerts (fingerprint, rule, cluster, severity, labels, summary, description, runbook, status, starts_ms, firing_ms, ends_ms, evidence, updated_ms, acked_ms, acked_by) VALUES (?, 'R', ?, 'critical', ?, '', '', '', ?, ?, ?, ?, '[]', ?, ?, ?)",
  );
  alerts.forEach((a, i) =>
    al.run(`f${i}`, a.cluster ?? 'c', JSON.stringify(a.labels), a.endsS === null ? 'firing' : 'resolved', at(a.firingS) - 5000, at(a.firingS), a.endsS === null ? null : at(a.endsS), at(a.firingS), a.ackedS === null ? null : at(a.ackedS), a.ackedS === null ? null : 'ops'),
  );
  return db;
};

const WINDOW = { fromMs: at(0), toMs: at(1000) };

const figures = (db: Db, kind: SlaKind, object: string, opts: { nowS?: number; vip?: VipRouters } = {}) => {
  const reader = new SlaReader(new SqliteSlaSource(db), opts.vip === undefined ? {} : { vipRouters: () => opts.vip });
  const r = reader.objectSla({ cluster: 'c', kind, object }, WINDOW, at(opts.nowS ?? 600), slaPolicy());
  if (r === null) throw new Error(`no ${kind} ${object}`);
  return r;
};

describe('maintenance windows from the API exclude time from the objects their matchers match', () => {
  interface Case {
    name: string;
    silences: Silence[];
    kind?: SlaKind;
    object?: string;
    /** counted up, counted down, maintenance (seconds), incidents, windows applied. */
    want: [up: number, down: number, maintenance: number, incidents: number, applied: number];
  }
  const webWin = (matchers: Matcher[], kind: Silence['kind'] = 'maintenance'): Silence[] => [{ kind, matchers, fromS: 150, toS: 250 }];
  const cases: Case[] = [
    // web: up 100 + 400, down 100, one incident.
    { name: 'no window', silences: [], want: [500, 100, 0, 1, 0] },
    // [150,250) is maintenance: down [100,150) 50 s; up [0,100) + [250,600) = 450 s.
    { name: 'resource="web" over [150, 250)', silences: webWin([m('cluster', '=', 'c'), m('resource', '=', 'web')]), want: [450, 50, 100, 1, 1] },
    { name: "kind 'silence' mutes alerts only: no effect on the SLA", silences: webWin([m('resource', '=', 'web')], 'silence'), want: [500, 100, 0, 1, 0] },
    { name: 'another resource', silences: webWin([m('resource', '=', 'db')]), want: [500, 100, 0, 1, 0] },
    { name: 'the whole cluster (cluster="c" alone)', silences: webWin([m('cluster', '=', 'c')]), want: [450, 50, 100, 1, 1] },
    { name: 'another cluster', silences: webWin([m('cluster', '=', 'd')]), want: [500, 100, 0, 1, 0] },
    { name: 'aimed at one alert (alertname="ResourceFailed"): not an SLA window', silences: webWin([m('cluster', '=', 'c'), m('alertname', '=', 'ResourceFailed')]), want: [500, 100, 0, 1, 0] },
    { name: 'node="" matches an object without a node', silences: webWin([m('cluster', '=', 'c'), m('node', '=', '')]), want: [450, 50, 100, 1, 1] },
    { name: 'resource=~"w.b"', silences: webWin([m('resource', '=~', 'w.b')]), want: [450, 50, 100, 1, 1] },
    // The whole outage inside the window: no down time, no incident.
    { name: 'covering the whole outage [90, 210)', silences: [{ kind: 'maintenance', matchers: [m('resource', '=', 'web')], fromS: 90, toS: 210 }], want: [480, 0, 120, 0, 1] },
    // Two windows, overlapping each other: merged to [120, 260) → down [100,120) 20 s, up 100 + 340.
    {
      name: 'two overlapping windows are merged',
      silences: [
        { kind: 'maintenance', matchers: [m('resource', '=', 'web')], fromS: 120, toS: 200 },
        { kind: 'maintenance', matchers: [m('cluster', '=', 'c')], fromS: 180, toS: 260 },
      ],
      want: [440, 20, 140, 1, 2],
    },
    // A window entirely after now: nothing changes in the figures so far (the budget test below covers it).
    { name: 'a future window [700, 800)', silences: [{ kind: 'maintenance', matchers: [m('resource', '=', 'web')], fromS: 700, toS: 800 }], want: [500, 100, 0, 1, 1] },
    // n1: up 300 + 200, down [300,400) 100 s; a node window [300, 350) leaves 50 s down.
    { name: 'node="n1" on the node', kind: 'node', object: 'n1', silences: [{ kind: 'maintenance', matchers: [m('node', '=', 'n1')], fromS: 300, toS: 350 }], want: [500, 50, 50, 1, 1] },
    { name: 'node="n1" does not touch the resource web', silences: [{ kind: 'maintenance', matchers: [m('node', '=', 'n1')], fromS: 150, toS: 250 }], want: [500, 100, 0, 1, 0] },
    { name: 'address="10.0.0.1" on the VIP', kind: 'vip', object: '10.0.0.1', silences: [{ kind: 'maintenance', matchers: [m('address', '=', '10.0.0.1')], fromS: 100, toS: 150 }], want: [500, 50, 50, 1, 1] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const db = store(c.silences);
      const r = figures(db, c.kind ?? 'resource', c.object ?? 'web');
      const rep = r.report;
      expect([rep.countedUpMs / S, rep.countedDownMs / S, rep.maintenanceMs / S, rep.incidents, r.maintenance.length]).toEqual(c.want);
      db.close();
    });
  }

  it('a planned window later in the period lowers the error budget: 0.001 × (600 counted + 400 future − 100 planned) s', () => {
    const db = store([{ kind: 'maintenance', matchers: [m('resource', '=', 'web')], fromS: 700, toS: 800 }]);
    expect(figures(db, 'resource', 'web').report.errorBudgetMs).toBeCloseTo(0.001 * 900 * S, 6);
    db.close();
  });

  it('the window query is served by silences_by_end', () => {
    const db = store([]);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${SLA_SQL.maintenanceWindows}`).all(0, 1) as { detail: string }[]).map((p) => p.detail).join(' | ');
    expect(plan).toMatch(/SEARCH silences USING INDEX silences_by_end \(ends_ms>\?\)/);
    db.close();
  });
});

describe('MTTA from acknowledged alerts about the object (web incident [100, 200), n1 incident [300, 400))', () => {
  interface Case {
    name: string;
    alerts: AlertRow[];
    kind?: SlaKind;
    object?: string;
    vip?: VipRouters;
    /** MTTA in seconds (null: none), acknowledged incidents. */
    want: [number | null, number];
  }
  const cases: Case[] = [
    { name: 'an alert on the resource, acked 30 s after the outage began', alerts: [{ labels: { resource: 'web' }, firingS: 110, endsS: 210, ackedS: 130 }], want: [30, 1] },
    { name: 'a resource alert on a node (resource + node labels) is about the resource', alerts: [{ labels: { resource: 'web', node: 'n1' }, firingS: 105, endsS: 200, ackedS: 125 }], want: [25, 1] },
    { name: 'the first of two acknowledgements: min(130, 120) − 100', alerts: [{ labels: { resource: 'web' }, firingS: 110, endsS: 210, ackedS: 130 }, { labels: { resource: 'web', node: 'n1' }, firingS: 102, endsS: 190, ackedS: 120 }], want: [20, 1] },
    { name: 'not acknowledged', alerts: [{ labels: { resource: 'web' }, firingS: 110, endsS: 210, ackedS: null }], want: [null, 0] },
    { name: 'an alert about the node is not about the resource', alerts: [{ labels: { node: 'n1' }, firingS: 110, endsS: 210, ackedS: 130 }], want: [null, 0] },
    { name: 'the same labels in another cluster', alerts: [{ cluster: 'd', labels: { resource: 'web' }, firingS: 110, endsS: 210, ackedS: 130 }], want: [null, 0] },
    { name: 'an alert that resolved before the outage', alerts: [{ labels: { resource: 'web' }, firingS: 20, endsS: 100, ackedS: 30 }], want: [null, 0] },
    { name: 'node: an alert with node="n1" only, acked at 310', kind: 'node', object: 'n1', alerts: [{ labels: { node: 'n1' }, firingS: 305, endsS: 400, ackedS: 310 }], want: [10, 1] },
    { name: 'node: a VRRP instance alert on n1 is about the router, not the node', kind: 'node', object: 'n1', alerts: [{ labels: { node: 'n1', vrid: '51', instance: 'VI_1' }, firingS: 305, endsS: 400, ackedS: 310 }], want: [null, 0] },
    { name: 'VIP: an alert naming the address', kind: 'vip', object: '10.0.0.1', alerts: [{ labels: { address: '10.0.0.1', vrid: '51' }, firingS: 100, endsS: 200, ackedS: 140 }], want: [40, 1] },
    { name: 'VIP: an alert naming another address of the router', kind: 'vip', object: '10.0.0.1', vip: { vrids: ['51'], instances: ['VI_1'] }, alerts: [{ labels: { address: '10.0.0.2', vrid: '51' }, firingS: 100, endsS: 200, ackedS: 140 }], want: [null, 0] },
    { name: "VIP: a router-wide alert (vrid only) counts when the address is the router's", kind: 'vip', object: '10.0.0.1', vip: { vrids: ['51'], instances: ['VI_1'] }, alerts: [{ labels: { vrid: '51', instance: 'VI_1' }, firingS: 101, endsS: 199, ackedS: 150 }], want: [50, 1] },
    { name: 'VIP: the same alert without knowing the routers', kind: 'vip', object: '10.0.0.1', alerts: [{ labels: { vrid: '51', instance: 'VI_1' }, firingS: 101, endsS: 199, ackedS: 150 }], want: [null, 0] },
    { name: 'VIP: an instance-only alert (no VRID) by instance name', kind: 'vip', object: '10.0.0.1', vip: { vrids: [], instances: ['VI_1'] }, alerts: [{ labels: { instance: 'VI_1' }, firingS: 101, endsS: null, ackedS: 111 }], want: [11, 1] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const db = store([], c.alerts);
      const r = figures(db, c.kind ?? 'resource', c.object ?? 'web', c.vip === undefined ? {} : { vip: c.vip });
      expect([r.report.mttaMs === null ? null : r.report.mttaMs / S, r.report.acknowledged]).toEqual(c.want);
      db.close();
    });
  }

  it('the alert query is served by alerts_by_cluster_firing', () => {
    const db = store([]);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${SLA_SQL.ackedAlerts}`).all('c', 1, 0) as { detail: string }[]).map((p) => p.detail).join(' | ');
    expect(plan).toMatch(/SEARCH alerts USING INDEX alerts_by_cluster_firing \(cluster=\? AND firing_ms<\?\)/);
    db.close();
  });

  it('a store from before migration 4 (no acked_ms, no silences) has neither, and still gives figures', () => {
    const db = store([]);
    db.exec('DROP TABLE silences; ALTER TABLE alerts DROP COLUMN acked_by; DROP INDEX alerts_by_cluster_firing; ALTER TABLE alerts DROP COLUMN acked_ms;');
    const r = figures(db, 'resource', 'web');
    expect([r.report.countedDownMs / S, r.report.mttaMs, r.maintenance.length]).toEqual([100, null, 0]);
    db.close();
  });
});
