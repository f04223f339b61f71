// bench/ingest: how fast pushes become committed rows.
//  1. raw: better-sqlite3 inserting into the collector's own samples table (same schema, same pragmas),
//     one transaction per group of pushes, as the collector's group commit does;
//  2. end to end: a real collector process on loopback, agents pushing batches over HTTP concurrently,
//     counted as committed sample rows per second;
//  3. their ratio.
// Usage: node dist/bench/ingest.js [--samples N] [--nodes N] [--series-per-node N] [--concurrency N]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openDb, DB_FILE } from '../collector/store/db.js';
import type { PushBatch } from '../agent/protocol/index.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '1000000' },
    nodes: { type: 'string', default: '50' },
    'series-per-node': { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '16' },
  },
});
const TOTAL = Number(values.samples);
const NODES = Number(values.nodes);
const SERIES = Number(values['series-per-node']);
const CONCURRENCY = Number(values.concurrency);
const PUSHES = Math.ceil(TOTAL / SERIES);
const TOKEN = 'bench-agent-token-0123456789';
const T0 = 1_800_000_000_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The push a node sends on its k-th tick: one observation holding one sample per series. */
const makePush = (node: number, tick: number, seq: number): PushBatch => ({
  protocol: 1,
  cluster: 'bench',
  node: `node${node}`,
  agentInstance: `00000000-0000-4000-8000-${String(node).padStart(12, '0')}`,
  agentVersion: 'bench',
  seq,
  sealedAt: T0 + tick * 10_000,
  intervalMs: 10_000,
  observations: [
    {
      probe: 'bench',
      at: T0 + tick * 10_000,
      durationMs: 1,
      status: 'ok',
      samples: Array.from({ length: SERIES - 2 }, (_, i) => ({ metric: 'hawatch_bench_value', labels: { i: String(i) }, value: tick + i })),
      states: [],
    },
  ],
});

const rawBench = (): { rate: number; rows: number } => {
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-bench-raw-'));
  try {
    const db = openDb(dir);
    const insertSeries = db.prepare('INSERT INTO series (cluster, node, metric, labels) VALUES (?, ?, ?, ?)');
    const ids: number[][] = [];
    db.transaction(() => {
      for (let n = 0; n < NODES; n++) {
        ids.push(Array.from({ length: SERIES }, (_, i) => Number(insertSeries.run('bench', `node${n}`, 'm', `{"i":"${i}"}`).lastInsertRowid)));
      }
    })();
    const insert = db.prepare('INSERT OR IGNORE INTO samples (series_id, ts, value) VALUES (?, ?, ?)');
    // One transaction per "group": as many pushes as the end-to-end run has in flight at once.
    const group = db.transaction((pushes: { node: number; tick: number }[]) => {
      for (const p of pushes) {
        const s = ids[p.node] as number[];
        for (let i = 0; i < SERIES; i++) insert.run(s[i], T0 + p.tick * 10_000, p.tick + i);
      }
    });
    let rows = 0;
    const t = performance.now();
    let pending: { node: number; tick: number }[] = [];
    for (let k = 0; k < PUSHES; k++) {
      pending.push({ node: k % NODES, tick: Math.floor(k / NODES) });
      if (pending.length === CONCURRENCY) {
        group(pending);
        rows += pending.length * SERIES;
        pending = [];
      }
    }
    if (pending.length) {
      group(pending);
      rows += pending.length * SERIES;
    }
    const secs = (performance.now() - t) / 1000;
    db.close();
    return { rate: rows / secs, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const e2eBench = async (): Promise<{ rate: number; rows: number; pushesPerSec: number }> => {
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-bench-e2e-'));
  const cfg = join(dir, 'collector.yaml');
  writeFileSync(cfg, `dataDir: ${dir}\nhttp:\n  listen: 127.0.0.1:0\n  bodyLimitBytes: 16777216\nauth:\n  tokens:\n    - {name: bench, role: agent, token: ${TOKEN}}\n`);
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'hawatch.js');
  const child = spawn(process.execPath, [cli, 'collector', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HAWATCH_LOG_LEVEL: 'info' } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`collector did not start: ${buf}`)), 15_000);
      child.stderr.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`collector exited ${code}: ${buf}`)));
    });
    const send = async (body: string) => {
      const res = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
      if (res.status !== 200) throw new Error(`push refused: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    // Warm-up, untimed: each node's first push creates its series (as the raw run's setup does); the timed part
    // is steady-state ingest, where every series exists.
    for (let n = 0; n < NODES; n++) await send(JSON.stringify(makePush(n, 0, 1)));
    const countRows = () => {
      const db = new Database(join(dir, DB_FILE), { readonly: true });
      const n = (db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;
      db.close();
      return n;
    };
    const before = countRows();
    // Bodies are serialised before the clock starts: the agents' JSON work is not the collector's.
    const bodies = Array.from({ length: PUSHES }, (_, k) => JSON.stringify(makePush(k % NODES, 1 + Math.floor(k / NODES), 2 + Math.floor(k / NODES))));
    let next = 0;
    const t = performance.now();
    const worker = async () => {
      while (next < bodies.length) await send(bodies[next++] as string);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const secs = (performance.now() - t) / 1000;
    const rows = countRows() - before;
    return { rate: rows / secs, rows, pushesPerSec: PUSHES / secs };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
};

const main = async () => {
  console.log(`bench/ingest: ${fmt(PUSHES)} pushes of ${SERIES} samples (${NODES} nodes, ${CONCURRENCY} in flight), node ${process.version}`);
  const raw = rawBench();
  console.log(`raw better-sqlite3 insert (samples table, ${CONCURRENCY} pushes per transaction): ${fmt(raw.rate)} rows/s (${fmt(raw.rows)} rows)`);
  const e2e = await e2eBench();
  console.log(`end to end (HTTP push -> committed rows):                     ${fmt(e2e.rate)} samples/s (${fmt(e2e.rows)} rows, ${fmt(e2e.pushesPerSec)} pushes/s)`);
  console.log(`ratio end-to-end / raw: ${(e2e.rate / raw.rate).toFixed(2)}`);
};

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
