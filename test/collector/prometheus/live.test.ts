// The shipped dashboards and rules against a real Prometheus (Debian's prometheus on loopback) scraping real demo
// collectors (`hawatch demo`, recorded Pacemaker and keepalived scenarios), plus recorded probe reports pushed to
// one of them for what the demos do not cover (DRBD, iSCSI, fencing, failed resources, a silent agent).
// Every PromQL expression of every panel and rule must return at least one series: one that returns nothing is a
// broken panel. `promtool check metrics` must have nothing to say about a real scrape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDrbdEvents2, parseProcDrbd } from '../../../agent/probes/drbd/parse.js';
import type { DrbdReport, Observation, PushBatch } from '../../../agent/protocol/index.js';
import { freePort, startCli, stopAll, waitFor, type Proc } from '../../helpers/processes.js';
import { dashboardQueries, ROOT, RULES_FILE, ruleQueries, type Query } from './queries.js';
import { SHARED_FIXTURES } from '../../helpers/shared-fixtures.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const missing = [PROMETHEUS, PROMTOOL].filter((f) => !existsSync(f));
const title = (t: string) => (missing.length ? `${t} (skipped: ${missing.join(', ')} not installed; apt-get install prometheus)` : t);

const FIXTURES = join(ROOT, 'test', 'fixtures', 'probes');
// DRBD outputs are third-party captures kept outside the repo (see test/fixtures/probes/drbd/PROVENANCE.md).
const SHARED_DRBD = join(SHARED_FIXTURES, 'drbd');
const hasDrbd = existsSync(join(SHARED_DRBD, 'events2', 'drbd-utils__events2-sync.test'));

interface Demo {
  proc: Proc;
  url: string;
  token: string;
}

const startDemo = async (args: string[]): Promise<Demo> => {
  const [http, snmp] = [await freePort(), await freePort()];
  const proc = startCli(['demo', ...args, '--speed', '4', '--http-listen', `127.0.0.1:${http}`, '--snmp-listen', `127.0.0.1:${snmp}`]);
  const token = await waitFor('the demo to print its admin token', () => /admin token: ([0-9a-f]+)/.exec(proc.output())?.[1], 30_000);
  const url = `http://127.0.0.1:${http}`;
  await waitFor(`${args.join(' ') || 'default demo'}: agents on /metrics`, async () => ((await (await fetch(`${url}/metrics`)).text()).includes('hawatch_agent_up{') ? true : undefined), 30_000);
  return { proc, url, token };
};

// ---- recorded reports, pushed as extra "agents" to the first demo's collector -------------------------------

const golden = (probe: string, dir: string): unknown => (JSON.parse(readFileSync(join(FIXTURES, probe, dir, 'expected.json'), 'utf8')) as { report: unknown }).report;

const drbdReports = (): DrbdReport[] => {
  if (!hasDrbd) return [];
  // drbd-utils' own test: the `--statistics` run's output sits between its `$` line and its exit code.
  const lines = readFileSync(join(SHARED_DRBD, 'events2', 'drbd-utils__events2-sync.test'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('$') && l.includes('--statistics'));
  const end = lines.findIndex((l, i) => i > start && /^\d+$/.test(l));
  const events2 = parseDrbdEvents2(`${lines.slice(start + 1, end).join('\n')}\n`);
  const proc = parseProcDrbd(readFileSync(join(SHARED_DRBD, 'proc_drbd', 'ganeti__proc_drbd84_sync.txt'), 'utf8'));
  if (!events2.ok || !proc.ok) throw new Error('DRBD fixtures did not parse');
  return [events2.value, proc.value];
};

interface FixtureAgent {
  cluster: string;
  node: string;
  observations: Omit<Observation, 'at' | 'samples' | 'states'>[];
  /** Push once, then fall silent (an agent that stopped). */
  once?: boolean;
}

const ok = (probe: string, report: unknown) => ({ probe, durationMs: 5, status: 'ok' as const, report });

const fixtureAgents = (): FixtureAgent[] => {
  const [drbd9, drbd84] = drbdReports();
  return [
    // crm_mon of a 3-node cluster that lost quorum, whose last fencing of node3 failed; stonith_admin + sbd.
    { cluster: 'fxquorum', node: 'node1', observations: [ok('pacemaker', golden('pacemaker', 'live-12-quorum-lost')), ok('fencing', (JSON.parse(readFileSync(join(FIXTURES, 'fencing', 'expected', 'probe-sbd-and-history.json'), 'utf8')) as { report: unknown }).report)] },
    // A stop that failed without fencing: apache_web FAILED and blocked.
    { cluster: 'fxfailed', node: 'node1', observations: [ok('pacemaker', golden('pacemaker', 'sim-2node-12-stop-failed-blocked-no-stonith'))] },
    // keepalived stopped on node-a and node-b in FAULT: the VIPs sit nowhere.
    { cluster: 'fxvrrp', node: 'node-a', observations: [ok('vrrp', golden('vrrp', 'lab-08-node-a-stopped'))] },
    { cluster: 'fxvrrp', node: 'node-b', observations: [ok('vrrp', golden('vrrp', 'lab-05-node-b-eth1-no-carrier-fault'))] },
    {
      cluster: 'fxstorage',
      node: 's1',
      observations: [
        ok('iscsi', golden('iscsi', 'multipath-one-path-failed')),
        ...(drbd9 ? [ok('drbd', drbd9)] : []),
        { probe: 'heartbeat', durationMs: 5000, status: 'timeout' as const, error: { code: 'heartbeat.timeout', message: 'cl_status did not finish within 5000 ms' } },
      ],
    },
    ...(drbd84 ? [{ cluster: 'fxstorage', node: 's2', observations: [ok('drbd', drbd84)] }] : []),
    { cluster: 'fxstorage', node: 's3', once: true, observations: [ok('iscsi', golden('iscsi', 'one-session-logged-in'))] },
  ];
};

const pushAll = async (url: string, token: string, agents: FixtureAgent[], seq: number): Promise<void> => {
  await Promise.all(
    agents.map(async (a, i) => {
      if (a.once && seq > 1) return;
      const at = Date.now();
      const batch: PushBatch = {
        protocol: 1,
        cluster: a.cluster,
        node: a.node,
        agentInstance: `f1f1f1f1-0000-4000-8000-${String(i).padStart(12, '0')}`,
        agentVersion: 'fixture',
        seq,
        sealedAt: at,
        intervalMs: 1000,
        observations: a.observations.map((o) => ({ ...o, at, samples: [], states: [] })),
      };
      const res = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(batch) });
      if (res.status !== 200) throw new Error(`push ${a.cluster}/${a.node}: ${res.status} ${await res.text()}`);
    }),
  );
};

// ---- Prometheus -----------------------------------------------------------------------------------------------

let dir = '';
let prometheus: ChildProcess | undefined;
let promUrl = '';
let pushTimer: NodeJS.Timeout | undefined;
const demos: Demo[] = [];

const promQuery = async (expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> => {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
};

const promSeries = async (match: string): Promise<{ status: string; error?: string; data?: unknown[] }> => {
  const res = await fetch(`${promUrl}/api/v1/series?match[]=${encodeURIComponent(match)}&start=${Math.floor(Date.now() / 1000) - 600}`);
  return (await res.json()) as { status: string; error?: string; data?: unknown[] };
};

describe.skipIf(missing.length > 0)(title('dashboards and rules on a real Prometheus scraping demo collectors'), () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hawatch-prom-'));
    demos.push(await startDemo([]), await startDemo(['--scenario', 'vrrp-split-brain-port']), await startDemo(['--scenario', 'pcmk2-split-brain']));
    const first = demos[0] as Demo;
    const agents = fixtureAgents();
    let seq = 1;
    await pushAll(first.url, first.token, agents, seq);
    pushTimer = setInterval(() => {
      seq++;
      pushAll(first.url, first.token, agents, seq).catch((e: unknown) => console.error(e));
    }, 1000);

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    // The bearer token as a user would set it (the demos also allow open reads).
    const jobs = demos.map((d, i) => [
      `  - job_name: hawatch-${i}`,
      '    authorization:',
      `      credentials: ${d.token}`,
      '    static_configs:',
      `      - targets: ['${new URL(d.url).host}']`,
    ].join('\n'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s', 'rule_files:', `  - ${RULES_FILE}`, 'scrape_configs:', ...jobs, ''].join('\n'),
    );
    prometheus = spawn(PROMETHEUS, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    prometheus.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor('Prometheus ready', async () => ((await fetch(`${promUrl}/-/ready`)).status === 200 ? true : undefined), 30_000, 200).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${log}`);
    });
    await waitFor('every demo scraped', async () => {
      const r = await promQuery('up');
      const up = (r.data?.result ?? []) as { value: [number, string] }[];
      return up.length === demos.length && up.every((x) => x.value[1] === '1') ? true : undefined;
    }, 30_000, 250);
  }, 120_000);

  afterAll(async () => {
    clearInterval(pushTimer);
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus?.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('promtool check metrics has nothing to say about a real scrape, and Prometheus reads the OpenMetrics one', async () => {
    for (const d of demos) {
      const text = await (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.token}` } })).text();
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`, d.url).toBe('');
      expect(r.status).toBe(0);
      const om = await fetch(`${d.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
      expect(om.headers.get('content-type')).toContain('application/openmetrics-text');
      expect(await om.text()).toMatch(/\n# EOF\n$/);
    }
    // Prometheus asks for OpenMetrics first: scraped samples prove it parsed, and no scrape was rejected.
    const samples = await promQuery('min(scrape_samples_scraped)');
    expect(Number((samples.data?.result[0] as { value: [number, string] }).value[1])).toBeGreaterThan(100);
    // A scrape that timed out on a busy machine shows until the next one: wait for a clean round.
    await waitFor('every target scraped without error', async () => {
      const targets = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      const errors = targets.data.activeTargets.map((t) => t.lastError).filter((e) => e !== '');
      if (errors.length) throw new Error(errors.join('; '));
      return targets.data.activeTargets.length === demos.length ? true : undefined;
    }, 10_000, 250);
  });

  it('loads the shipped rules and evaluates them without errors', async () => {
    await waitFor('rules evaluated', async () => {
      const r = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { health: string; lastError?: string; name: string }[] }[] } };
      const rules = r.data.groups.flatMap((g) => g.rules);
      const bad = rules.filter((x) => x.health !== 'ok');
      if (bad.length) throw new Error(bad.map((x) => `${x.name}: ${x.health} ${x.lastError ?? ''}`).join('; '));
      return rules.length === ruleQueries().length ? true : undefined;
    }, 20_000, 500);
  });

  it('every dashboard query and every rule expression returns at least one series', async () => {
    const queries: Query[] = [...dashboardQueries(), ...ruleQueries()];
    // Without the collected DRBD outputs no node reports DRBD: those queries cannot have data, and say so.
    const needsDrbd = (q: Query) => /hawatch_drbd_/.test(q.expr);
    const skipped = hasDrbd ? [] : queries.filter(needsDrbd);
    if (skipped.length) console.warn(`DRBD queries not checked (no ${SHARED_DRBD}): ${skipped.map((q) => q.where).join('; ')}`);
    const pending = new Map(queries.filter((q) => hasDrbd || !needsDrbd(q)).map((q) => [q.where, q]));
    const errors: string[] = [];
    // Some answers come and go with the replayed stories (a partition, a split brain, flapping): ask until each
    // has been seen once.
    const deadline = Date.now() + 150_000;
    while (pending.size > 0 && Date.now() < deadline) {
      await Promise.all(
        [...pending.values()].map(async (q) => {
          if (q.seriesMatch !== undefined) {
            const r = await promSeries(q.seriesMatch);
            if (r.status !== 'success') errors.push(`${q.where}: ${r.error}`);
            if ((r.data?.length ?? 0) > 0) pending.delete(q.where);
            return;
          }
          const r = await promQuery(q.expr);
          if (r.status !== 'success') {
            errors.push(`${q.where}: ${r.error} in ${q.expr}`);
            pending.delete(q.where);
          } else if ((r.data?.result.length ?? 0) > 0) pending.delete(q.where);
        }),
      );
      if (errors.length) break;
      if (pending.size) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(errors).toEqual([]);
    expect([...pending.values()].map((q) => `${q.where}: ${q.raw}`)).toEqual([]);
  }, 200_000);

  it('the collector-side and Prometheus-side views agree on the recorded facts', async () => {
    const value = async (expr: string) => ((await promQuery(expr)).data?.result ?? []).length;
    // The fixture cluster that lost quorum, its failed fencing, its unclean node, the stopped keepalived.
    expect(await value('hawatch_cluster_quorate{cluster="fxquorum"} == 0')).toBe(1);
    expect(await value('hawatch_fencing_last_state{cluster="fxquorum",node="node3",state="failed"} == 1')).toBe(1);
    expect(await value('hawatch_node_state{cluster="fxquorum",node="node2",state="unclean"} == 1')).toBe(1);
    expect(await value('hawatch_vip_holders{cluster="fxvrrp"} == 0')).toBeGreaterThan(0);
    expect(await value('hawatch_pacemaker_resource_failed{cluster="fxfailed",resource="apache_web"} == 1')).toBe(1);
    // The silent agent is a series of its own, not a gap; a missing tool too.
    expect(await value('hawatch_agent_up{cluster="fxstorage",node="s3"} == 0')).toBe(1);
    expect(await value('hawatch_probe_status{probe="iscsi",state="absent"} == 1')).toBeGreaterThan(0);
    // The check above is not vacuous: a query about nothing returns nothing.
    expect(await value('hawatch_vip_holders{cluster="no-such-cluster"}')).toBe(0);
  });
});

