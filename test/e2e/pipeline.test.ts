// End to end in one process tree: a real collector process, real agent processes running the real crm_mon
// (pointed at real CIB captures with CIB_file), pushing over HTTP; then the REST API and /metrics show them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, startCli, stopAll, waitFor, type Proc } from '../helpers/processes.js';

const hasCrmMon = (() => {
  try {
    execFileSync('crm_mon', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const CIB = join(import.meta.dirname, '..', 'fixtures', 'cib', '01-healthy.cib.xml');
const AGENT_TOKEN = 'e2e-agent-token-0123456789';
const READ_TOKEN = 'e2e-read-token-0123456789';

let dir: string;
let port: number;
let url: string;
let collector: Proc;
const agents: Proc[] = [];

const startCollector = () =>
  startCli(['collector', '--config', join(dir, 'collector.yaml')], { HAWATCH_LOG_LEVEL: 'info' });

const api = async (path: string) => {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  return res;
};

const collectorDb = () => new Database(join(dir, 'collector', 'hawatch.sqlite'), { readonly: true });
const outboxCount = (node: string): { pending: number; batches: number } => {
  const db = new Database(join(dir, node, 'outbox.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    const count = (t: string) => (names.includes(t) ? (db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number) : 0);
    return { pending: count('pending'), batches: count('batches') };
  } finally {
    db.close();
  }
};

describe.skipIf(!hasCrmMon)('agent → collector → REST and /metrics (real crm_mon on a real CIB)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hawatch-e2e-'));
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'collector.yaml'),
      [
        `dataDir: ${join(dir, 'collector')}`,
        'http:',
        `  listen: 127.0.0.1:${port}`,
        'auth:',
        '  tokens:',
        `    - { name: agents, role: agent, token: ${AGENT_TOKEN} }`,
        `    - { name: reader, role: read, token: ${READ_TOKEN} }`,
        'agents:',
        '  staleAfterIntervals: 5',
      ].join('\n'),
    );
    collector = startCollector();
    await waitFor('collector health', async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined));
    for (const node of ['node1', 'node2', 'node3']) {
      const cfg = join(dir, `${node}.yaml`);
      writeFileSync(
        cfg,
        [
          'cluster: e2e',
          `node: ${node}`,
          `dataDir: ${join(dir, node)}`,
          'collector:',
          `  url: ${url}`,
          `  token: ${AGENT_TOKEN}`,
          '  pushIntervalSeconds: 0.5',
          '  backoffInitialSeconds: 0.1',
          '  backoffMaxSeconds: 0.5',
          'probes:',
          '  pacemaker: { intervalSeconds: 0.3, timeoutSeconds: 10 }',
        ].join('\n'),
      );
      // crm_mon reads the CIB from this file instead of a running cluster: the real tool, real output.
      agents.push(startCli(['agent', '--config', cfg], { CIB_file: CIB }));
    }
  });

  afterAll(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the three nodes in the REST API, with what crm_mon said', async () => {
    const nodes = await waitFor('three nodes', async () => {
      const body = (await (await api('/api/v1/Clusters/e2e/Nodes')).json()) as { 'Members@odata.count': number };
      return body['Members@odata.count'] === 3 ? body : undefined;
    });
    expect(nodes).toMatchObject({ Members: [{ '@odata.id': '/api/v1/Clusters/e2e/Nodes/node1' }, { '@odata.id': '/api/v1/Clusters/e2e/Nodes/node2' }, { '@odata.id': '/api/v1/Clusters/e2e/Nodes/node3' }] });
    // A node's first push may carry only its quicker probes; wait until every node's crm_mon view is in.
    const node2 = await waitFor('every reporter\'s view of node2', async () => {
      const n = (await (await api('/api/v1/Clusters/e2e/Nodes/node2')).json()) as Record<string, any>;
      return Object.keys(n['Pacemaker']?.SeenBy ?? {}).length === 3 ? n : undefined;
    });
    expect(node2['Agent'].State).toBe('up');
    // Every probe runs on a real agent; on this host only crm_mon has something to read (the CIB file).
    expect(node2['Probes']).toContainEqual(expect.objectContaining({ Name: 'pacemaker', Status: 'ok' }));
    // Every node's crm_mon (the same CIB) says node2 is online.
    expect(node2['Pacemaker'].SeenBy).toEqual({ node1: 'online', node2: 'online', node3: 'online' });
    const cluster = (await (await api('/api/v1/Clusters/e2e')).json()) as Record<string, any>;
    expect(cluster['Pacemaker']).toEqual({ NodesConfigured: 3, DesignatedControllers: [{ Name: 'node1', WithQuorum: true, ReportedBy: ['node1', 'node2', 'node3'] }] });
    expect(cluster['Status']).toEqual({ State: 'Enabled', Health: 'OK', HealthRollup: 'OK' });
  });

  it('exposes hawatch_agent_up and probe results on /metrics', async () => {
    const text = await (await api('/metrics')).text();
    for (const n of ['node1', 'node2', 'node3']) {
      expect(text).toContain(`hawatch_agent_up{cluster="e2e",node="${n}"} 1`);
      expect(text).toContain(`hawatch_probe_success{cluster="e2e",node="${n}",probe="pacemaker"} 1`);
    }
  });

  it('keeps observing while the collector is down, and delivers every batch exactly once after it returns', async () => {
    await collector.stop();
    // The agents keep probing; their outboxes fill on disk.
    const queued = await waitFor('observations queued in the outbox', () => {
      const c = outboxCount('node1');
      return c.pending + c.batches >= 5 ? c : undefined;
    });
    expect(queued.pending + queued.batches).toBeGreaterThanOrEqual(5);

    collector = startCollector();
    await waitFor('outboxes drained', () =>
      ['node1', 'node2', 'node3'].every((n) => {
        const c = outboxCount(n);
        return c.batches === 0;
      })
        ? true
        : undefined,
    );

    const db = collectorDb();
    try {
      for (const node of ['node1', 'node2', 'node3']) {
        const agent = db.prepare('SELECT agent_instance, last_seq FROM agents WHERE node = ?').get(node) as { agent_instance: string; last_seq: number };
        const b = db.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, sum(observations) AS obs FROM batches WHERE agent_instance = ?').get(agent.agent_instance) as {
          n: number; lo: number; hi: number; obs: number;
        };
        // Every seq from 1 to the last one arrived: no gap, nothing lost while the collector was down.
        expect(b).toMatchObject({ n: agent.last_seq, lo: 1, hi: agent.last_seq });
        // Each observation stored exactly once: one probe-success sample per observation.
        const samples = db
          .prepare(`SELECT count(*) FROM samples s JOIN series r USING (series_id) WHERE r.node = ? AND r.metric = 'hawatch_probe_success'`)
          .pluck()
          .get(node) as number;
        expect(samples).toBe(b.obs);
      }
    } finally {
      db.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    for (const a of agents) expect(await a.stop()).toBe(0);
    expect(await collector.stop()).toBe(0);
  });
});
