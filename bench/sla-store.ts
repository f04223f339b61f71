// bench/sla-store: a year of transitions for 1,000 objects in the collector's SQLite → a month's SLA report.
// Topology: 50 clusters × 3 nodes; per cluster 12 resources, 4 VIPs, 3 nodes and the cluster = 1,000 objects,
// each reported by all 3 nodes, as the store writer writes them. History (2026, per object): a resource fails about
// once a day for 1..30 min and comes back, on another node one time in four; a VIP moves about once a day;
// a node goes offline about once a week; the cluster loses quorum about once a month. Each reporter writes its
// view 0..2 s after the change. Only transitions, agents and probe_latest are filled: the report never reads
// samples (test/collector/sla/store.test.ts holds the query plans to that).
// Also (unless --no-acks): per object one acknowledged alert in June (alerts table, migration 4, for MTTA) and per
// cluster one API maintenance window (silences, kind maintenance) plus one aimed at an alert only (matches nothing).
// Figures: the month's report (store reads + service truth + maths) cold and best of 5, the renderings, the rows;
// the live figures the collector serves (REST, /metrics, SNMP): a computation of every SLA's current period, and a
// cached read.
// Usage: npm run build && node dist/bench/sla-store.js [--clusters N] [--seed N] [--keep DIR] [--no-acks]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDb } from '../collector/store/db.js';
import { calendar, type Availability } from '../collector/sla/index.js';
import { defaultSlaDefinitions } from '../collector/sla/policy-config.js';
import { SlaReader, SqliteSlaSource } from '../collector/sla/store.js';
import { buildReport, renderReport } from '../collector/report/index.js';
import { sqliteAvailability } from '../collector/sla/live.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const CLUSTERS = Math.floor(arg('clusters', 50));
const SEED = Math.floor(arg('seed', 1));
const keepAt = process.argv.indexOf('--keep');
const NODES = ['n1', 'n2', 'n3'];
const RESOURCES = 12;
const VIPS = 4;
const MIN = 60_000;
const DAY = 86_400_000;

const cal = calendar('UTC');
const year = cal.periodContaining(Date.parse('2026-07-01T00:00:00Z'), 'year');
const june = cal.periodContaining(Date.parse('2026-06-15T00:00:00Z'), 'month');

/** Deterministic PRNG (mulberry32); its state lives in this closure only. */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

interface Change {
  atMs: number;
  /** What every reporter writes (the cluster's view), or per reporter. */
  view: (node: string) => { state: string; availability: Availability };
}

const dir = keepAt >= 0 ? (process.argv[keepAt + 1] as string) : mkdtempSync(join(tmpdir(), 'hawatch-bench-sla-store-'));
const db = openDb(dir);
const rnd = prng(SEED);
const insert = db.prepare(
  'INSERT INTO transitions (cluster, node, probe, kind, object, from_state, to_state, availability, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
let rows = 0;

const write = (cluster: string, probe: string, kind: string, object: string, changes: Change[]): void => {
  for (const node of NODES) {
    let prev: string | null = null;
    const lagged = changes.map((c) => ({ at: c.atMs + Math.floor(rnd() * 2000), v: c.view(node) })).sort((a, b) => a.at - b.at);
    for (const c of lagged) {
      if (c.v.state === prev) continue;
      insert.run(cluster, node, probe, kind, object, prev, c.v.state, c.v.availability, c.at);
      prev = c.v.state;
      rows++;
    }
  }
};

/** Outages about once per `everyMs`, each 1..maxMin minutes long; a change at the year's start. */
const outages = (everyMs: number, maxMin: number): { from: number; to: number }[] => {
  const out: { from: number; to: number }[] = [];
  for (let t = year.fromMs + Math.floor(rnd() * everyMs); t < year.toMs; t += Math.floor(everyMs * (0.5 + rnd()))) {
    out.push({ from: t, to: t + (1 + Math.floor(rnd() * maxMin)) * MIN });
  }
  return out;
};

const started = performance.now();
db.transaction(() => {
  const agent = db.prepare("INSERT INTO agents VALUES (?, ?, ?, 'bench', 30000, 1, ?, ?)");
  const latest = db.prepare("INSERT INTO probe_latest VALUES (?, ?, ?, ?, 'ok', 1, NULL, NULL)");
  for (let c = 0; c < CLUSTERS; c++) {
    const cluster = `cl${String(c).padStart(3, '0')}`;
    for (const n of NODES) {
      agent.run(`${cluster}-${n}`, cluster, n, year.fromMs - DAY, year.toMs + DAY);
      latest.run(cluster, n, 'pacemaker', year.toMs);
      latest.run(cluster, n, 'vrrp', year.toMs);
    }
    for (let r = 0; r < RESOURCES; r++) {
      let holder = NODES[r % 3] as string;
      const changes: Change[] = [{ atMs: year.fromMs - DAY, view: ((h) => () => ({ state: `Started@${h}`, availability: 'up' as const }))(holder) }];
      for (const o of outages(DAY, 30)) {
        const h = holder;
        changes.push({ atMs: o.from, view: () => ({ state: `failed@${h}`, availability: 'down' }) });
        if (rnd() < 0.25) holder = NODES[(NODES.indexOf(holder) + 1) % 3] as string;
        const h2 = holder;
        changes.push({ atMs: o.to, view: () => ({ state: `Started@${h2}`, availability: 'up' }) });
      }
      write(cluster, 'pacemaker', 'pcmk_resource', `res${r}`, changes);
    }
    for (let v = 0; v < VIPS; v++) {
      const vip = `10.${c}.0.${100 + v}`;
      const at = (h: string) => (node: string) => ({ state: node === h ? 'present' : 'absent', availability: 'up' as const });
      const changes: Change[] = [{ atMs: year.fromMs - DAY, view: at(NODES[v % 3] as string) }];
      for (let t = year.fromMs + Math.floor(rnd() * DAY); t < year.toMs; t += Math.floor(DAY * (0.5 + rnd()))) {
        changes.push({ atMs: t, view: at(NODES[Math.floor(rnd() * 3)] as string) });
      }
      write(cluster, 'vrrp', 'vrrp_vip', vip, changes);
    }
    for (const n of NODES) {
      const changes: Change[] = [{ atMs: year.fromMs - DAY, view: () => ({ state: 'online', availability: 'up' }) }];
      for (const o of outages(7 * DAY, 20)) {
        changes.push({ atMs: o.from, view: () => ({ state: 'offline', availability: 'down' }) });
        changes.push({ atMs: o.to, view: () => ({ state: 'online', availability: 'up' }) });
      }
      write(cluster, 'pacemaker', 'pcmk_node', n, changes);
    }
    const changes: Change[] = [{ atMs: year.fromMs - DAY, view: () => ({ state: 'quorate', availability: 'up' }) }];
    for (const o of outages(30 * DAY, 10)) {
      changes.push({ atMs: o.from, view: () => ({ state: 'no-quorum', availability: 'down' }) });
      changes.push({ atMs: o.to, view: () => ({ state: 'quorate', availability: 'up' }) });
    }
    write(cluster, 'pacemaker', 'pcmk_cluster', 'cluster', changes);
  }
})();
const ACKS = !process.argv.includes('--no-acks');
let alertRows = 0;
if (ACKS) {
  db.transaction(() => {
    const alert = db.prepare(
      "INSERT INTO alerts (fingerprint, rule, cluster, severity, labels, summary, description, runbook, status, starts_ms, firing_ms, ends_ms, evidence, updated_ms, acked_ms, acked_by) VALUES (?, 'Bench', ?, 'critical', ?, '', '', '', 'resolved', ?, ?, ?, '[]', ?, ?, 'ops')",
    );
    const silence = db.prepare("INSERT INTO silences VALUES (?, 'maintenance', ?, ?, ?, 'bench', 'ops', ?)");
    for (let c = 0; c < CLUSTERS; c++) {
      const cluster = `cl${String(c).padStart(3, '0')}`;
      const labels = [
        ...Array.from({ length: RESOURCES }, (_, r) => ({ resource: `res${r}` })),
        ...Array.from({ length: VIPS }, (_, v) => ({ address: `10.${c}.0.${100 + v}` })),
        ...NODES.map((node) => ({ node })),
        {},
      ];
      for (const l of labels) {
        const firing = june.fromMs + Math.floor(rnd() * (june.toMs - june.fromMs - DAY));
        alert.run(`${cluster}/${JSON.stringify(l)}`, cluster, JSON.stringify(l), firing, firing, firing + 30 * MIN, firing + 30 * MIN, firing + Math.floor(rnd() * 10 * MIN));
        alertRows++;
      }
      const sunday = Date.parse('2026-06-14T02:00:00Z');
      silence.run(`${cluster}-mw`, JSON.stringify([{ name: 'cluster', value: cluster, isRegex: false, isEqual: true }]), sunday, sunday + 2 * 3_600_000, sunday - DAY);
      silence.run(`${cluster}-alert`, JSON.stringify([{ name: 'cluster', value: cluster, isRegex: false, isEqual: true }, { name: 'alertname', value: 'Bench', isRegex: false, isEqual: true }]), sunday, sunday + DAY, sunday - DAY);
    }
  })();
}
db.pragma('wal_checkpoint(TRUNCATE)');
const seeded = performance.now() - started;

const objects = CLUSTERS * (RESOURCES + VIPS + NODES.length + 1);
const definitions = defaultSlaDefinitions();
const nowMs = year.toMs;
const monthReport = () => buildReport({ reader: new SlaReader(new SqliteSlaSource(db)), definitions, window: june, nowMs, source: 'bench' });

const time = <T>(f: () => T): { ms: number; value: T } => {
  const t = performance.now();
  const value = f();
  return { ms: performance.now() - t, value };
};

const cold = time(monthReport);
const runs = [0, 1, 2, 3, 4].map(() => time(monthReport).ms);
const m = cold.value;
const reported = m.slas.reduce((n, s) => n + s.objects.length, 0);
const incidents = m.slas.reduce((n, s) => n + s.objects.reduce((k, o) => k + o.incidents, 0), 0);
const yearReport = time(() => buildReport({ reader: new SlaReader(new SqliteSlaSource(db)), definitions, window: year, nowMs, source: 'bench' }));
const render = (['json', 'csv', 'html'] as const).map((f) => {
  const r = time(() => renderReport(m, f));
  return `${f} ${r.ms.toFixed(0)} ms (${(r.value.length / 1e6).toFixed(1)} MB)`;
});

// The collector's live figures, as REST, /metrics and SNMP read them, in mid-June: one computation of every SLA's
// current period (month), then reads while the cache holds (a scrape or a walk), then the recomputation 10 s later.
const clock = { now: Date.parse('2026-06-15T12:00:00Z') };
const live = sqliteAvailability(db, { definitions, now: () => clock.now });
const liveCold = time(() => live.all('current'));
const CACHED_READS = 10_000;
const cached = time(() => {
  for (let i = 0; i < CACHED_READS; i++) live.all('current');
});
clock.now += 10_000;
const liveAgain = time(() => live.all('current'));
const liveObjects = liveCold.value.reduce((n, f) => n + f.objects.length, 0);
const acked = liveCold.value.reduce((n, f) => n + f.objects.filter((o) => o.report.mttaMs !== null).length, 0);

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
process.stdout.write(
  [
    `bench/sla-store: ${objects} objects (${CLUSTERS} clusters × 3 nodes), ${rows.toLocaleString('en')} transitions over 2026 (seed ${SEED}; seeded in ${fmt(seeded)})`,
    `  month (2026-06) report, ${reported} objects, ${incidents} incidents: cold ${fmt(cold.ms)}, best of 5 ${fmt(Math.min(...runs))} (goal < 1 s)`,
    `  whole-year report: ${fmt(yearReport.ms)}`,
    `  render: ${render.join(', ')}`,
    `  ${ACKS ? `${alertRows} acknowledged alerts and ${CLUSTERS * 2} API maintenance windows in June` : 'no alerts or API windows (--no-acks)'}`,
    `  live figures (REST, /metrics, SNMP), June so far: ${liveObjects} objects (${acked} with MTTA), computed ${fmt(liveCold.ms)}, ` +
      `recomputed 10 s later ${fmt(liveAgain.ms)}, cached read ${((cached.ms * 1000) / CACHED_READS).toFixed(2)} µs (${live.computations} computations for ${CACHED_READS + 2} reads of ${definitions.length} SLAs)`,
    '',
  ].join('\n'),
);
db.close();
if (keepAt < 0) rmSync(dir, { recursive: true, force: true });
