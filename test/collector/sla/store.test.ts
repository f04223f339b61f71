// The SLA store: indexed reads of the transitions table, and service-level truth from the whole cluster.
// Real recordings go through the real probes and the real store writer into a data dir (test/collector/report/
// seed.ts); the figures are held to the scenario READMEs' sampled and measured times. Synthetic rows cover what
// the recordings do not: a node whose agent goes silent, an uninstrumented host, long histories, gone objects.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../collector/store/db.js';
import { slaPolicy, type Availability, type SlaPolicy } from '../../../collector/sla/index.js';
import {
  AgentLivenessRecorder,
  MemorySlaSource,
  SLA_SQL,
  SlaReader,
  SqliteSlaSource,
  resourceHosts,
  type MemoryRow,
  type ObjectSla,
  type SlaKind,
  type SlaTarget,
} from '../../../collector/sla/store.js';
import { seedScenario, type Seeded } from '../report/seed.js';
import { measured, sampled } from '../report/readme.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hawatch-sla-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Replayed {
  seeded: Seeded;
  db: Database.Database;
  sla: (kind: SlaKind, object: string, policy?: SlaPolicy, service?: { split?: Availability }) => ObjectSla;
}

const replay = async (scenario: string, cluster: string, opts: { probeEveryMs?: number; stepMs?: number } = {}): Promise<Replayed> => {
  const dir = tempDir();
  const seeded = await seedScenario(scenario, dir, { cluster, ...opts });
  const db = new Database(join(dir, 'hawatch.sqlite'), { readonly: true });
  const window = { fromMs: seeded.firstMs, toMs: seeded.lastMs };
  return {
    seeded,
    db,
    sla: (kind, object, policy = slaPolicy(), service = {}) => {
      const r = new SlaReader(new SqliteSlaSource(db)).objectSla({ cluster, kind, object }, window, seeded.lastMs, policy, service);
      if (r === null) throw new Error(`${scenario}: no ${kind} ${object}`);
      return r;
    },
  };
};

/** Scenario time of an instant. */
const tOf = (s: Seeded, ms: number) => ms - s.origin;

describe('SLA reads use the transitions indexes (no scan)', () => {
  let db: Db;
  beforeAll(() => {
    db = openDb(tempDir());
  });
  afterAll(() => db.close());

  const args: Record<string, unknown[]> = {
    firstCluster: [],
    nextCluster: ['c'],
    firstObject: ['c', 'pcmk_resource'],
    nextObject: ['c', 'pcmk_resource', 'a'],
    window: ['c', 'pcmk_resource', 'dummy', 0, 1],
    before: ['c', 'pcmk_resource', 'dummy', 0],
    probeOfKind: ['c', 'pcmk_resource'],
    probeNodes: ['c', 'pacemaker'],
    agents: ['c'],
    lastLiveness: ['c', 'n1'],
  };

  it.each(Object.keys(args))('%s', (name) => {
    const sql = SLA_SQL[name as keyof typeof SLA_SQL];
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(args[name] as unknown[])) as { detail: string }[]).map((p) => p.detail);
    const text = plan.join(' | ');
    expect(text, text).toMatch(/USING (COVERING )?INDEX|USING PRIMARY KEY/);
    expect(text, text).not.toMatch(/SCAN (transitions|agents|probe_latest)(?! USING)/);
    expect(text, text).not.toMatch(/TEMP B-TREE/);
    if (/FROM transitions/.test(sql) && /object = \?/.test(sql)) expect(text).toMatch(/transitions_by_object \(cluster=\? AND kind=\? AND object=\?/);
  });

  it('the distinct-object walk seeks (min over the index) instead of reading every row', () => {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${SLA_SQL.nextObject}`).all('c', 'k', 'a') as { detail: string }[]).map((p) => p.detail).join(' | ');
    expect(plan).toMatch(/SEARCH transitions USING COVERING INDEX transitions_by_object \(cluster=\? AND kind=\? AND object>\?\)/);
  });
});

describe('pcmk3-resource-fail: the resource failed and recovered', () => {
  const SC = 'pcmk3-resource-fail';
  let r: Replayed;
  beforeAll(async () => {
    r = await replay(SC, 'hwlab');
  });
  afterAll(() => r.db.close());

  it('the real failure is invisible to samples; the one incident is the ~2 s Stopped after the cleanup', () => {
    const s = r.sla('resource', 'dummy');
    const period = r.seeded.probeEveryMs + 250;
    // Sampled: n1's crm_mon shows Stopped from 15910, Started again from 17910.
    const stoppedAt = sampled(SC, 'n1', 'crm_mon', /dummy Stopped/);
    const back = sampled(SC, 'n1', 'crm_mon', /dummy Started on n1$/, stoppedAt);
    expect([stoppedAt, back]).toEqual([15910, 17910]);
    expect(s.report.incidents).toBe(1);
    const inc = s.report.incidentList[0]!;
    expect(tOf(r.seeded, inc.fromMs) - stoppedAt).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.fromMs) - stoppedAt).toBeLessThanOrEqual(period);
    expect(tOf(r.seeded, inc.toMs) - back).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.toMs) - back).toBeLessThanOrEqual(period);
    // Measured: Stopped as crm_mon reports it from the cleanup (15000) to the re-probe (17115).
    const reprobe = measured(SC, 'n1', /Result of probe operation for dummy on n1: ok/);
    expect(Math.abs(s.report.countedDownMs - (reprobe - 15000))).toBeLessThanOrEqual(period);
    // The state file was really gone from 42 to 4862 ms: between two samples, so no figure can show it.
    const gone = measured(SC, 'n1', /disappears/);
    expect(s.report.incidentList.every((i) => tOf(r.seeded, i.fromMs) > measured(SC, 'n1', /appears \(resource running here\)/) && tOf(r.seeded, i.fromMs) > gone)).toBe(true);
    expect(s.report.mttrMs).toBe(s.report.countedDownMs);
    expect(s.report.mtbfMs).toBe(s.report.countedUpMs);
    expect(s.report.unknownMs).toBe(0);
    expect(s.reporters).toEqual(['n1', 'n2', 'n3']);
    expect(s.evidence.find((e) => e.availability === 'down')?.state).toBe('down');
  });

  it('a debounce longer than the gap removes it; nodes and the cluster stayed up', () => {
    expect(r.sla('resource', 'dummy', slaPolicy({ debounceMs: 3000 })).report.incidents).toBe(0);
    for (const n of ['n1', 'n2', 'n3']) expect(r.sla('node', n).report.availabilityRatio).toBe(1);
    expect(r.sla('cluster', 'cluster').report.availabilityRatio).toBe(1);
  });
});

describe('pcmk2-split-brain: the service ran twice', () => {
  const SC = 'pcmk2-split-brain';
  let r: Replayed;
  beforeAll(async () => {
    r = await replay(SC, 'hwlab');
  });
  afterAll(() => r.db.close());

  it("'split' counts as down by default: one incident from n2's second copy to the merge", () => {
    const s = r.sla('resource', 'dummy');
    const period = r.seeded.probeEveryMs + 250;
    expect(s.report.incidents).toBe(1);
    const inc = s.report.incidentList[0]!;
    // Sampled: n2's crm_mon shows dummy on n2 from 6972; on n1 again from 17980.
    const from = sampled(SC, 'n2', 'crm_mon', /dummy Started on n2/);
    const to = sampled(SC, 'n2', 'crm_mon', /dummy Started on n1$/, from);
    expect([from, to]).toEqual([6972, 17980]);
    expect(tOf(r.seeded, inc.fromMs) - from).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.fromMs) - from).toBeLessThanOrEqual(period);
    expect(tOf(r.seeded, inc.toMs) - to).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.toMs) - to).toBeLessThanOrEqual(period);
    // Measured: the second copy started at 6576 and was gone at 17580 (n2's state file).
    const real = measured(SC, 'n2', /Dummy-dummy.state` disappears/) - measured(SC, 'n2', /Result of start operation for dummy on n2: ok/);
    expect(Math.abs(s.report.countedDownMs - real)).toBeLessThanOrEqual(period);
    const split = s.evidence.filter((e) => e.state === 'split');
    expect(split.map((e) => e.holders)).toEqual([['n1', 'n2']]);
  });

  it('counted as up when the policy says so; both nodes and the cluster stayed up', () => {
    expect(r.sla('resource', 'dummy', slaPolicy(), { split: 'up' }).report.incidents).toBe(0);
    expect(r.sla('node', 'n1').report.availabilityRatio).toBe(1);
    expect(r.sla('node', 'n2').report.availabilityRatio).toBe(1);
    expect(r.sla('cluster', 'cluster').report.availabilityRatio).toBe(1);
  });
});

describe('pcmk3-partition-node3: a node lost from the quorate partition', () => {
  const SC = 'pcmk3-partition-node3';
  let r: Replayed;
  beforeAll(async () => {
    r = await replay(SC, 'hwlab');
  });
  afterAll(() => r.db.close());

  it('n3 is down while the quorate partition sees it offline; the service and cluster are not', () => {
    const s = r.sla('node', 'n3');
    const period = r.seeded.probeEveryMs + 250;
    expect(s.report.incidents).toBe(1);
    const inc = s.report.incidentList[0]!;
    // n3 counts itself in while its own crm_mon still says quorate; it stops at 9058, rejoins at 18194.
    const from = sampled(SC, 'n3', 'crm_mon', /without quorum/);
    const to = sampled(SC, 'n3', 'crm_mon', /DC n1; online n1,n2,n3/, from);
    expect([from, to]).toEqual([9058, 18194]);
    expect(tOf(r.seeded, inc.fromMs) - from).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.fromMs) - from).toBeLessThanOrEqual(period);
    expect(tOf(r.seeded, inc.toMs) - to).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.toMs) - to).toBeLessThanOrEqual(period);
    // Measured: the membership without n3 formed at 7923, with it again at 17879.
    const real = measured(SC, 'n3', /Members joined: 1 2/) - measured(SC, 'n3', /Members left: 1 2/);
    expect(Math.abs(s.report.countedDownMs - real)).toBeLessThanOrEqual(2 * period);
    expect(s.evidence.find((e) => e.availability === 'down')?.state).toBe('offline');
    expect(r.sla('node', 'n1').report.incidents).toBe(0);
    expect(r.sla('resource', 'dummy').report.incidents).toBe(0);
    expect(r.sla('cluster', 'cluster').report.incidents).toBe(0);
  });
});

describe('vrrp-split-brain-port: a VIP held by two nodes', () => {
  const SC = 'vrrp-split-brain-port';
  let r: Replayed;
  beforeAll(async () => {
    r = await replay(SC, 'vrrplab', { probeEveryMs: 500, stepMs: 100 });
  });
  afterAll(() => r.db.close());

  it('split while node-b holds the VIP too', () => {
    const s = r.sla('vip', '10.213.0.100');
    const period = r.seeded.probeEveryMs + 100;
    expect(s.report.incidents).toBe(1);
    const inc = s.report.incidentList[0]!;
    const from = sampled(SC, 'node-b', '', /VIP \*\*present\*\*/);
    const to = sampled(SC, 'node-b', '', /VIP absent/, from);
    expect([from, to]).toEqual([3502, 12504]);
    expect(tOf(r.seeded, inc.fromMs) - from).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.fromMs) - from).toBeLessThanOrEqual(period);
    expect(tOf(r.seeded, inc.toMs) - to).toBeGreaterThanOrEqual(0);
    expect(tOf(r.seeded, inc.toMs) - to).toBeLessThanOrEqual(period);
    const real = measured(SC, 'node-b', /VIP 10.213.0.100 \*\*removed\*\*/) - measured(SC, 'node-b', /VIP 10.213.0.100 \*\*added\*\*/);
    expect(Math.abs(s.report.countedDownMs - real)).toBeLessThanOrEqual(period);
    expect(s.evidence.filter((e) => e.state === 'split').map((e) => e.holders)).toEqual([['node-a', 'node-b']]);
    // Before the first `ip -j addr` sample nobody knew where the VIP was: unknown, left out.
    expect(s.report.unknownMs).toBeGreaterThan(0);
    expect(s.report.excludedMs).toBe(s.report.unknownMs);
  });
});

// ------------------------------------------------------------------------------------------------------------
// Synthetic histories, written as the store writer writes them.

const T0 = Date.parse('2026-06-01T00:00:00Z');
const S = 1000;

const synthetic = (rows: [node: string, kind: string, object: string, state: string, availability: Availability, atS: number][], agents: [node: string, lastSeenS: number][]) => {
  const db = openDb(tempDir());
  const ins = db.prepare('INSERT INTO transitions (cluster, node, probe, kind, object, from_state, to_state, availability, at_ms) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)');
  for (const [node, kind, object, state, availability, atS] of rows) ins.run('c', node, kind.startsWith('vrrp') ? 'vrrp' : 'pacemaker', kind, object, state, availability, T0 + atS * S);
  const ag = db.prepare("INSERT INTO agents VALUES (?, 'c', ?, 'test', 10000, 1, ?, ?)");
  const pl = db.prepare("INSERT INTO probe_latest VALUES ('c', ?, ?, 0, 'ok', 1, NULL, NULL)");
  for (const [node, last] of agents) {
    ag.run(`agent-${node}`, node, T0 - 86_400_000, T0 + last * S);
    pl.run(node, 'pacemaker');
    pl.run(node, 'vrrp');
  }
  return db;
};

const target = (kind: SlaKind, object: string): SlaTarget => ({ cluster: 'c', kind, object });
const windowS = (from: number, to: number) => ({ fromMs: T0 + from * S, toMs: T0 + to * S });

describe('service truth on synthetic histories', () => {
  it('a node whose agent went silent proves nothing: a failover is no split brain', () => {
    const db = synthetic(
      [
        ['n1', 'pcmk_resource', 'web', 'Started@n1', 'up', 0],
        ['n2', 'pcmk_resource', 'web', 'Started@n1', 'up', 0],
        // n1 crashes at 100 s; its agent says nothing more. n2 sees it lost, then takes over.
        ['n2', 'pcmk_resource', 'web', 'Started@n1', 'unknown', 105],
        ['n2', 'pcmk_resource', 'web', 'Started@n2', 'up', 120],
        // The collector marked n1's agent stale at 100 s (AgentLivenessRecorder).
        ['n1', 'hawatch_agent', 'n1', 'stale', 'unknown', 100],
      ],
      [['n1', 95], ['n2', 1000]],
    );
    const reader = new SlaReader(new SqliteSlaSource(db));
    const s = reader.objectSla(target('resource', 'web'), windowS(0, 600), T0 + 600 * S, slaPolicy());
    expect(s?.evidence.map((e) => [(e.fromMs - T0) / S, (e.toMs - T0) / S, e.state, e.holders.join(',')])).toEqual([
      [0, 105, 'up', 'n1'],
      [105, 120, 'down', ''],
      [120, 600, 'up', 'n2'],
    ]);
    expect([s?.report.incidents, s?.report.countedDownMs]).toEqual([1, 15 * S]);
    db.close();
  });

  it('without liveness rows, the last push (agents table) ends what a node can prove', () => {
    const db = synthetic(
      [
        ['n1', 'pcmk_resource', 'web', 'Started@n1', 'up', 0],
        ['n2', 'pcmk_resource', 'web', 'Started@n1', 'up', 0],
      ],
      // Both agents last pushed at 300 s with a 10 s interval: stale 30 s later.
      [['n1', 300], ['n2', 300]],
    );
    const s = new SlaReader(new SqliteSlaSource(db)).objectSla(target('resource', 'web'), windowS(0, 600), T0 + 600 * S, slaPolicy());
    expect([s?.report.countedUpMs, s?.report.unknownMs, s?.report.incidents]).toEqual([330 * S, 270 * S, 0]);
    db.close();
  });

  it('the end of the data is not a node falling silent: last pushes a moment apart end together', () => {
    const rows: Parameters<typeof synthetic>[0] = [
      ['a', 'vrrp_vip', '10.0.0.1', 'present', 'up', 0],
      ['b', 'vrrp_vip', '10.0.0.1', 'absent', 'up', 0],
    ];
    // The collector stopped: a's last push came 3 s before b's (10 s interval, stale after 30 s).
    const ended = synthetic(rows, [['a', 297], ['b', 300]]);
    const s = new SlaReader(new SqliteSlaSource(ended)).objectSla(target('vip', '10.0.0.1'), windowS(0, 600), T0 + 600 * S, slaPolicy());
    expect(s?.evidence.map((e) => [(e.fromMs - T0) / S, e.state])).toEqual([
      [0, 'up'],
      [330, 'unknown'],
    ]);
    ended.close();
    // a fell silent while b went on pushing: from then on nobody is known to hold the address.
    const silent = synthetic(rows, [['a', 200], ['b', 300]]);
    const t = new SlaReader(new SqliteSlaSource(silent)).objectSla(target('vip', '10.0.0.1'), windowS(0, 600), T0 + 600 * S, slaPolicy());
    expect(t?.evidence.map((e) => [(e.fromMs - T0) / S, e.state])).toEqual([
      [0, 'up'],
      [230, 'down'],
      [330, 'unknown'],
    ]);
    silent.close();
  });

  it('a host without an agent holds the service when the reporters say it runs there', () => {
    const db = synthetic(
      [
        ['n1', 'pcmk_resource', 'db', 'Started@n3', 'up', 0],
        ['n2', 'pcmk_resource', 'db', 'Started@n3', 'up', 0],
        ['n1', 'pcmk_resource', 'db', 'failed@n3', 'down', 50],
        ['n2', 'pcmk_resource', 'db', 'failed@n3', 'down', 51],
        ['n1', 'pcmk_resource', 'db', 'Started@n1', 'up', 60],
        ['n2', 'pcmk_resource', 'db', 'Started@n1', 'up', 61],
      ],
      [['n1', 1000], ['n2', 1000]],
    );
    const s = new SlaReader(new SqliteSlaSource(db)).objectSla(target('resource', 'db'), windowS(0, 100), T0 + 100 * S, slaPolicy());
    expect(s?.evidence.map((e) => [(e.fromMs - T0) / S, e.state, e.holders.join(',')])).toEqual([
      [0, 'up', 'n3'],
      [50, 'down', ''],
      [60, 'up', 'n1'],
    ]);
    db.close();
  });

  it("each node's last row before the window is found under a year of newer rows from another node", () => {
    const rows: Parameters<typeof synthetic>[0] = [['n1', 'pcmk_resource', 'x', 'Started@n1', 'up', 0]];
    // n2 flaps its view every minute for a day; n1 said nothing since t=0.
    for (let i = 1; i < 1440; i++) rows.push(['n2', 'pcmk_resource', 'x', i % 2 ? 'Stopped' : 'Started@n1', i % 2 ? 'down' : 'up', i * 60]);
    const db = synthetic(rows, [['n1', 200_000], ['n2', 200_000]]);
    const src = new SqliteSlaSource(db);
    const h = src.history('c', 'pcmk_resource', 'x', windowS(86_000, 86_400));
    expect(h.map((x) => [x.node, x.rows[0]?.atMs === T0 ? 't0' : 'later', x.rows.length])).toEqual([
      ['n1', 't0', 1],
      ['n2', 'later', 7],
    ]);
    // n1's own view (it holds the resource) wins over n2's flapping view of n1.
    const s = new SlaReader(src).objectSla(target('resource', 'x'), windowS(86_000, 86_400), T0 + 86_400 * S, slaPolicy());
    expect(s?.report.availabilityRatio).toBe(1);
    db.close();
  });

  it('an object gone before the window is not reported; one gone inside it is', () => {
    const db = synthetic(
      [
        ['n1', 'pcmk_resource', 'old', 'Started@n1', 'up', 0],
        ['n1', 'pcmk_resource', 'old', 'gone', 'unknown', 10],
        ['n1', 'pcmk_resource', 'late', 'Started@n1', 'up', 0],
        ['n1', 'pcmk_resource', 'late', 'gone', 'unknown', 150],
      ],
      [['n1', 1000]],
    );
    const reader = new SlaReader(new SqliteSlaSource(db));
    expect(reader.targets([{ cluster: '*', kind: 'resource', id: '*' }]).map((t) => t.object)).toEqual(['late', 'old']);
    expect(reader.objectSla(target('resource', 'old'), windowS(100, 200), T0 + 200 * S, slaPolicy())).toBeNull();
    const late = reader.objectSla(target('resource', 'late'), windowS(100, 200), T0 + 200 * S, slaPolicy());
    expect([late?.report.countedUpMs, late?.report.unknownMs]).toEqual([50 * S, 50 * S]);
    expect(reader.targets([{ cluster: 'c', kind: 'resource', id: 'l*' }]).map((t) => t.object)).toEqual(['late']);
    db.close();
  });

  it('the same rows from memory (the --url path) give the same figures as from SQLite', async () => {
    const dir = tempDir();
    const seeded = await seedScenario('pcmk2-split-brain', dir, { cluster: 'hwlab' });
    const db = new Database(join(dir, 'hawatch.sqlite'), { readonly: true });
    const rows = (db.prepare('SELECT cluster, kind, object, node, at_ms AS atMs, to_state AS state, availability FROM transitions').all() as MemoryRow[]);
    const agents = db.prepare('SELECT node, first_seen_ms AS firstSeenMs, last_seen_ms AS lastSeenMs, interval_ms AS intervalMs FROM agents').all() as { node: string; firstSeenMs: number; lastSeenMs: number; intervalMs: number }[];
    const mem = new SlaReader(new MemorySlaSource(rows, new Map([['hwlab', agents]])));
    const sql = new SlaReader(new SqliteSlaSource(db));
    const w = { fromMs: seeded.firstMs + 1000, toMs: seeded.lastMs };
    const sel = [{ cluster: '*', kind: 'resource' as const, id: '*' }, { cluster: '*', kind: 'node' as const, id: '*' }, { cluster: '*', kind: 'cluster' as const, id: '*' }];
    expect(mem.targets(sel)).toEqual(sql.targets(sel));
    for (const t of sql.targets(sel)) expect(mem.objectSla(t, w, seeded.lastMs, slaPolicy())).toEqual(sql.objectSla(t, w, seeded.lastMs, slaPolicy()));
    db.close();
  });
});

describe('AgentLivenessRecorder', () => {
  it('writes a hawatch_agent row only when an agent goes stale or comes back', () => {
    const db = openDb(tempDir());
    const rec = new AgentLivenessRecorder(db);
    const snap = (at: number, state: 'up' | 'stale', last: number) => ({ takenAtMs: at, clusters: [{ name: 'c', nodes: [{ name: 'n1', agentState: state, agent: { lastSeenMs: last } }] }] });
    expect(rec.record(snap(1000, 'up', 900))).toBe(0);
    expect(rec.record(snap(2000, 'stale', 900))).toBe(1);
    expect(rec.record(snap(3000, 'stale', 900))).toBe(0);
    expect(rec.record(snap(9000, 'up', 8800))).toBe(1);
    // A new recorder (collector restart) picks up where the rows left off.
    expect(new AgentLivenessRecorder(db).record(snap(9500, 'up', 9400))).toBe(0);
    const rows = db.prepare("SELECT node, object, from_state, to_state, availability, at_ms FROM transitions WHERE kind = 'hawatch_agent' ORDER BY id").all();
    expect(rows).toEqual([
      { node: 'n1', object: 'n1', from_state: null, to_state: 'stale', availability: 'unknown', at_ms: 2000 },
      { node: 'n1', object: 'n1', from_state: 'stale', to_state: 'up', availability: 'up', at_ms: 8800 },
    ]);
    const silence = new SlaReader(new SqliteSlaSource(db)).silence('c', { fromMs: 0, toMs: 10_000 });
    expect(silence.get('n1')).toEqual([{ fromMs: 2000, toMs: 8800 }]);
    db.close();
  });
});

describe('resourceHosts', () => {
  it.each([
    ['Started@n1', ['n1']],
    ['Started@n1,n2', ['n1', 'n2']],
    ['Stopped', []],
    ['Started@12-nodes', null],
    ['gone', []],
  ])('%s', (state, hosts) => expect(resourceHosts(state)).toEqual(hosts));
});
