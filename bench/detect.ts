// bench/detect: hawatch next to the stack users run today, in the same lab run, on real cluster software.
//   Pacemaker: ha_cluster_exporter in each node, Prometheus (5 s scrape and evaluation, the rules of
//   ../shared/docs/anchor-latency.md), Alertmanager. keepalived: its own SNMP traps (snmpd as AgentX master in each node,
//   snmptrapd). hawatch: an agent in each node and the collector with its webhook notifier. Every page goes to the one
//   timestamping webhook receiver (collector: /hook, Alertmanager: /am, trap handler: /trap).
// Scenarios: 3-node partition of one node (no split brain), 2-node two_node partition (a real split brain), keepalived
// split brain (node-b's port detached). Per run: when the cluster software changed state (corosync's "A new
// membership", keepalived's notify stamp), when each stack paged, the lag ratio, false split-brain alarms. Then each
// node's monitoring footprint (hawatch agent vs ha_cluster_exporter / snmpd), measured the same way over the same window.
// Usage (root, Linux; see test/lab/README.md "bench/detect"): npm run bench:detect
//   BENCH_RUNS=3 BENCH_LABS=pcmk3,pcmk2,ka BENCH_INTERVAL=5 BENCH_PUSH=5 BENCH_QUIET_S=60 BENCH_RESULTS=file.jsonl
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vrrpSplitBrain } from '../collector/alerts/rules/vrrp.js';
import {
  corosyncEvent, labSkipReason, Lab, REPO, startProc, stopAllProcs, transitions, waitFor, type Proc, type WebhookAlert,
} from '../test/lab/harness.js';

const env = (k: string, d: number) => {
  const v = Number(process.env[k] ?? d);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${k} must be a number >= 0`);
  return v;
};
const RUNS = env('BENCH_RUNS', 3);
/** hawatch's probe interval (pacemaker, corosync, vrrp): the same 5 s as the anchor's scrape unless told. */
const INTERVAL_S = env('BENCH_INTERVAL', 5);
const PUSH_S = env('BENCH_PUSH', 5);
/** The anchor's scrape and evaluation interval: 5 s, the issue's "tight" configuration. */
const SCRAPE_S = env('BENCH_SCRAPE', 5);
/** A fault-free window at the start of each lab, for the footprint of a quiet cluster. */
const QUIET_S = env('BENCH_QUIET_S', 60);
const LABS = (process.env['BENCH_LABS'] ?? 'pcmk3,pcmk2,ka').split(',').map((s) => s.trim()).filter(Boolean);
/** The onset lands anywhere in a whole cycle of either stack (anchor-latency.md, pitfall 4). */
const PHASE_MS = Math.max(INTERVAL_S, SCRAPE_S) * 1000;
const BENCH_DIR = join(REPO, 'bench', 'detect');
const HOOK_PORT = 9471;
const TRAP_PORT = 9472;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 23)} detect] ${msg}\n`);
const s = (ms: number | null | undefined, digits = 2) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(digits)}`);

// ---- statistics and tables -----------------------------------------------------------------------------------------
const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};
const mmm = (xs: (number | null)[], unit = 1000, digits = 2): string => {
  const v = xs.filter((x): x is number => x !== null);
  if (!v.length) return '—';
  const f = (x: number) => (x / unit).toFixed(digits);
  return `${f(Math.min(...v))} / ${f(median(v))} / ${f(Math.max(...v))} (n=${v.length})`;
};
const table = (head: string[], rows: string[][]): string => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n');
};

// ---- pages at the receiver -----------------------------------------------------------------------------------------
/** One page per distinct (alert, labels, startsAt): Alertmanager re-posts whole groups (anchor-latency.md, pitfall 5). */
const distinctFirings = (alerts: WebhookAlert[]): WebhookAlert[] => {
  const seen = new Map<string, WebhookAlert>();
  for (const a of alerts) {
    if (a.status !== 'firing') continue;
    const labels = Object.entries(a.labels).filter(([k]) => k !== 'alertname').sort().map(([k, v]) => `${k}=${v}`).join(',');
    const key = `${a.alertname}{${labels}}@${a.startsAt}`;
    if (!seen.has(key)) seen.set(key, a);
  }
  return [...seen.values()];
};
/**
 * hawatch's history alerts (a failover or a move shown for 15 min, VRRP flapping over 10 min) stay open by design
 * after the cluster is whole again: not part of the "clean" baseline between runs.
 */
const HISTORY_RULE = /(Flapping|Failover|Moved)$/;
const from = (lab: Lab, path: string, sinceMs: number, untilMs = Infinity) =>
  lab.hook.received.filter((a) => a.path === path && a.atMs >= sinceMs && a.atMs <= untilMs);

// ---- footprint: the same /proc reading for every process, over the same window -----------------------------------------
interface Tree { cpuS: number; rssKb: number; treeRssKb: number }
const children = (pid: number): number[] => {
  // Go and Node fork from any thread: read every task's children
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      try {
        return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
};
/**
 * CPU seconds of a process and of everything it ran: its own utime+stime, cutime+cstime of the children it reaped,
 * and the live children's trees (a long-lived helper such as a `crm_mon` watch is counted while it runs). RSS of
 * the process alone, and of the process with its live descendants.
 */
const sampleTree = (pid: number): Tree | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) / 100;
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    let t: Tree = { cpuS, rssKb: rss, treeRssKb: rss };
    for (const c of children(pid)) {
      const sub = sampleTree(c);
      if (sub) t = { cpuS: t.cpuS + sub.cpuS, rssKb: t.rssKb, treeRssKb: t.treeRssKb + sub.treeRssKb };
    }
    return t;
  } catch {
    return null;
  }
};
/** The real process behind a Proc: nsenter forks into the node's PID namespace, so it is nsenter's child there. */
const realPid = (p: Proc, viaNsenter: boolean): number | null => {
  const pid = p.child.pid;
  if (pid === undefined) return null;
  if (!viaNsenter) return pid;
  return children(pid)[0] ?? null;
};

interface Watched { what: string; node: string; proc: Proc; viaNsenter: boolean }
interface FootprintRow { window: string; what: string; node: string; cpuPct: number; rssMinMb: number; rssMaxMb: number; treeRssMaxMb: number; seconds: number }

class Footprint {
  private timer: NodeJS.Timeout | null = null;
  private start = new Map<Watched, { t: Tree; at: number }>();
  private rss = new Map<Watched, { min: number; max: number; treeMax: number }>();
  constructor(private readonly watched: Watched[]) {}

  private sample(w: Watched): Tree | null {
    const pid = realPid(w.proc, w.viaNsenter);
    return pid === null ? null : sampleTree(pid);
  }

  begin(): void {
    this.start.clear();
    this.rss.clear();
    for (const w of this.watched) {
      const t = this.sample(w);
      if (t) this.start.set(w, { t, at: Date.now() });
    }
    // RSS once a second: min and max over the window
    this.timer = setInterval(() => {
      for (const w of this.watched) {
        const t = this.sample(w);
        if (!t) continue;
        const r = this.rss.get(w) ?? { min: Infinity, max: 0, treeMax: 0 };
        this.rss.set(w, { min: Math.min(r.min, t.rssKb), max: Math.max(r.max, t.rssKb), treeMax: Math.max(r.treeMax, t.treeRssKb) });
      }
    }, 1_000);
    this.timer.unref();
  }

  end(window: string): FootprintRow[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.watched.flatMap((w) => {
      const a = this.start.get(w);
      const b = this.sample(w);
      const r = this.rss.get(w);
      if (!a || !b || !r) return [];
      const seconds = (Date.now() - a.at) / 1000;
      return [{ window, what: w.what, node: w.node, cpuPct: (100 * (b.cpuS - a.t.cpuS)) / seconds, rssMinMb: r.min / 1024, rssMaxMb: r.max / 1024, treeRssMaxMb: r.treeMax / 1024, seconds }];
    });
  }
}

const footprintTable = (rows: FootprintRow[]): string =>
  table(
    ['window', 'process', 'node', 'CPU, % of a core (incl. its children)', 'RSS MB (min–max)', 'RSS MB with live children (max)'],
    rows.map((r) => [`${r.window} (${r.seconds.toFixed(0)} s)`, r.what, r.node, r.cpuPct.toFixed(2), `${r.rssMinMb.toFixed(1)}–${r.rssMaxMb.toFixed(1)}`, r.treeRssMaxMb.toFixed(1)]),
  );

// ---- the anchor stack for Pacemaker: exporters, Prometheus, Alertmanager --------------------------------------------
const api = async <T>(url: string): Promise<T> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
};

/** Record a root-namespace process's pid in the lab directory: the lab's `down`/`sweep` kill it if we die first. */
const recordPid = (lab: Lab, name: string, p: Proc) => writeFileSync(join(lab.dir, `${name}.pid`), String(p.child.pid));

class PromStack {
  exporters = new Map<string, Proc>();
  prometheus!: Proc;
  alertmanager!: Proc;
  constructor(private readonly lab: Lab, private readonly nodes: string[]) {}

  get promUrl(): string {
    return `http://${this.lab.mgmtIp}:9090`;
  }

  async start(): Promise<void> {
    const dir = join(this.lab.dir, 'anchor');
    mkdirSync(dir, { recursive: true });
    const ip = this.lab.mgmtIp;
    const nodeIp = (n: string) => `10.${this.lab.net}.1.1${n.slice(1)}`;
    for (const n of this.nodes) {
      // Debian's unit runs it with its defaults; no TLS/auth config (--web.config.file= as in anchor-latency.md)
      this.exporters.set(n, await this.lab.startInNode(n, `exporter-${n}`, ['ha_cluster_exporter', `--web.listen-address=${nodeIp(n)}:9664`, '--web.config.file='], join(this.lab.dir, n, 'exporter.log')));
    }
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:',
      `  scrape_interval: ${SCRAPE_S}s`,
      `  evaluation_interval: ${SCRAPE_S}s`,
      `  scrape_timeout: ${Math.max(1, SCRAPE_S - 1)}s`,
      'rule_files:',
      `  - ${join(BENCH_DIR, 'hacluster.rules.yml')}`,
      'alerting:',
      '  alertmanagers:',
      `    - static_configs: [{ targets: ["${ip}:9093"] }]`,
      'scrape_configs:',
      '  - job_name: hacluster',
      '    static_configs:',
      ...this.nodes.map((n) => `      - { targets: ["${nodeIp(n)}:9664"], labels: { host: ${n} } }`),
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'alertmanager.yml'), [
      'route:',
      '  receiver: hook',
      '  group_by: [alertname]',
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hook',
      `    webhook_configs: [{ url: "http://${ip}:${HOOK_PORT}/am", send_resolved: true }]`,
      '',
    ].join('\n'));
    this.alertmanager = startProc('alertmanager', ['prometheus-alertmanager', `--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=${ip}:9093`, '--cluster.listen-address=', '--log.level=warn'], join(dir, 'alertmanager.log'));
    recordPid(this.lab, 'alertmanager', this.alertmanager);
    this.prometheus = startProc('prometheus', ['prometheus', `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=${ip}:9090`, '--log.level=warn'], join(dir, 'prometheus.log'));
    recordPid(this.lab, 'prometheus', this.prometheus);
    await waitFor('Alertmanager ready', async () => ((await fetch(`http://${ip}:9093/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined), 60_000, 250)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${this.alertmanager.tail()}`); });
    await waitFor(`Prometheus: all ${this.nodes.length} exporters up`, async () => {
      const t = await api<{ data: { activeTargets: { health: string }[] } }>(`${this.promUrl}/api/v1/targets`);
      return t.data.activeTargets.length === this.nodes.length && t.data.activeTargets.every((x) => x.health === 'up') ? true : undefined;
    }, 90_000, 500).catch((e: unknown) => { throw new Error(`${String(e)}\n${this.prometheus.tail()}\n${[...this.exporters.values()].map((p) => p.tail(5)).join('\n')}`); });
  }

  /** Prometheus's pending or firing alerts (empty when the stack sees a healthy cluster). */
  async active(): Promise<string[]> {
    const a = await api<{ data: { alerts: { labels: Record<string, string>; state: string }[] } }>(`${this.promUrl}/api/v1/alerts`);
    return a.data.alerts.map((x) => `${x.labels['alertname']}${x.labels['node'] ? `(${x.labels['node']})` : ''} ${x.state}`);
  }

  watched(): Watched[] {
    return [
      ...[...this.exporters].map(([n, p]) => ({ what: 'ha_cluster_exporter', node: n, proc: p, viaNsenter: true })),
      { what: 'prometheus (central)', node: 'root ns', proc: this.prometheus, viaNsenter: false },
      { what: 'alertmanager (central)', node: 'root ns', proc: this.alertmanager, viaNsenter: false },
    ];
  }
}

// ---- one scenario run's record ----------------------------------------------------------------------------------------
interface Run {
  scenario: string;
  run: number;
  detail: string;
  faultMs: number;
  onsetMs: number | null;
  hawatch: { atMs: number; alert: string } | null;
  anchor: { atMs: number; alert: string } | null;
  falseHawatch: string[];
  falseAnchor: string[];
  /** every stack's first page per alert, relative to the fault: for the timeline under the table */
  timeline: string;
}
const allRuns: Run[] = [];
const lag = (page: { atMs: number } | null, onset: number | null) => (page && onset !== null ? page.atMs - onset : null);

const timelineOf = (lab: Lab, t0: number, until: number): string => {
  const first = new Map<string, number>();
  for (const a of lab.hook.received) {
    if (a.atMs < t0 || a.atMs > until || a.status !== 'firing') continue;
    const src = a.path === '/hook' ? 'hawatch' : a.path === '/am' ? 'anchor' : 'trap';
    const k = `${src} ${a.alertname}${a.labels['node'] ? `(${a.labels['node']})` : a.labels['router'] ? `(${a.labels['router']} state ${a.labels['state']})` : ''}`;
    if (!first.has(k)) first.set(k, a.atMs);
  }
  return [...first].sort((x, y) => x[1] - y[1]).map(([k, at]) => `+${s(at - t0)} ${k}`).join(', ');
};

/** "2 (HASplitBrainDC 2)": the count, and per rule when the descriptions name one. */
const byRule = (xs: string[]): string => {
  if (!xs.length) return '0';
  const n = new Map<string, number>();
  for (const x of xs) {
    const rule = /^[A-Za-z]+/.exec(x)?.[0] ?? x;
    n.set(rule, (n.get(rule) ?? 0) + 1);
  }
  return `${xs.length} (${[...n].map(([r, c]) => `${r} ${c}`).join(', ')})`;
};

/** The evidence behind hawatch's page, from its REST API: which node's observation, taken when (relative to the fault). */
const evidenceOf = async (lab: Lab, page: WebhookAlert | undefined, t0: number): Promise<string> => {
  if (!page) return '';
  try {
    const a = await lab.collector.api<{ Evidence?: { Node: string; ObservedAt: string; Says: string }[] }>(`/api/v1/Alerts/${page.fingerprint}`);
    return `\n  hawatch ${page.alertname} evidence: ${(a.Evidence ?? []).map((e) => `${e.Node} observed +${s(Date.parse(e.ObservedAt) - t0)} "${e.Says}"`).join('; ')}`;
  } catch (e) {
    return `\n  hawatch evidence: ${String(e)}`;
  }
};

const printScenario = (scenario: string, note: string, anchorFalseHead: string) => {
  const runs = allRuns.filter((r) => r.scenario === scenario);
  if (!runs.length) return;
  const rows = runs.map((r) => {
    const h = lag(r.hawatch, r.onsetMs);
    const a = lag(r.anchor, r.onsetMs);
    return [
      String(r.run), r.detail, s(r.onsetMs === null ? null : r.onsetMs - r.faultMs),
      r.hawatch ? `${s(r.hawatch.atMs - r.faultMs)} ${r.hawatch.alert}` : 'missed',
      r.anchor ? `${s(r.anchor.atMs - r.faultMs)} ${r.anchor.alert}` : 'missed',
      s(h), s(a), h !== null && a !== null && h > 0 ? `${(a / h).toFixed(2)}` : '—',
      String(r.falseHawatch.length), byRule(r.falseAnchor),
    ];
  });
  const hl = runs.map((r) => lag(r.hawatch, r.onsetMs));
  const al = runs.map((r) => lag(r.anchor, r.onsetMs));
  const ratios = runs.flatMap((r) => {
    const h = lag(r.hawatch, r.onsetMs);
    const a = lag(r.anchor, r.onsetMs);
    return h !== null && a !== null && h > 0 ? [a / h] : [];
  });
  const within = hl.filter((x) => x !== null && x <= 1000).length;
  console.log(`\n### ${scenario}\n${note}\nTimes in s after the fault; lag = page − onset (onset: the cluster software's own state change).\n`);
  console.log(table(['run', 'cut', 'onset', 'hawatch paged', 'anchor paged', 'hawatch lag', 'anchor lag', 'ratio anchor/hawatch', 'false SB hawatch', `false SB anchor ${anchorFalseHead}`], rows));
  console.log(`\nmin / median / max: onset ${mmm(runs.map((r) => (r.onsetMs === null ? null : r.onsetMs - r.faultMs)))} s; hawatch lag ${mmm(hl)} s; anchor lag ${mmm(al)} s; ratio anchor/hawatch ${ratios.length ? `${Math.min(...ratios).toFixed(2)} / ${median(ratios).toFixed(2)} / ${Math.max(...ratios).toFixed(2)}` : '—'}`);
  console.log(`goal "page <= 1 s after the cluster software": hawatch ${within}/${runs.length} runs. False split-brain alarms: hawatch ${byRule(runs.flatMap((r) => r.falseHawatch))}, anchor ${byRule(runs.flatMap((r) => r.falseAnchor))}; runs with any: hawatch ${runs.filter((r) => r.falseHawatch.length).length}/${runs.length}, anchor ${runs.filter((r) => r.falseAnchor.length).length}/${runs.length}.`);
  for (const r of runs) {
    console.log(`run ${r.run}: ${r.timeline}`);
    if (r.falseHawatch.length || r.falseAnchor.length) console.log(`  false alarms: hawatch [${r.falseHawatch.join('; ')}] anchor [${r.falseAnchor.join('; ')}]`);
  }
};

// ---- the Pacemaker labs ------------------------------------------------------------------------------------------------
const HAWATCH_SB = ['PacemakerSplitBrain'];
const ANCHOR_SB = ['HASplitBrainDC', 'HASplitBrainQuorateDC'];
const describeFiring = (a: WebhookAlert, t0: number) => `${a.alertname}${a.labels['node'] ? `(${a.labels['node']})` : ''} +${s(a.atMs - t0)}`;

const pacemakerLab = async (nodes: 2 | 3, footprints: FootprintRow[]): Promise<void> => {
  const scenario = nodes === 3 ? '3-node partition of one node (no split brain)' : '2-node two_node partition (real split brain)';
  const lab = new Lab('pacemaker-lab.sh', `${nodes === 3 ? 'x' : 'y'}${process.pid}`, { HWLAB_NODES: String(nodes) });
  const names = nodes === 3 ? ['n1', 'n2', 'n3'] : ['n1', 'n2'];
  const cluster = `hwl9-detect${nodes}`;
  const stack = new PromStack(lab, names);
  const corosyncLog = (n: string) => join(lab.dir, n, 'var-log-corosync', 'corosync.log');
  const membership = (n: string, since: number) => corosyncEvent(corosyncLog(n), /A new membership .* was formed/, since) ?? null;
  const hawatchOpen = async () => (await lab.collector.api<{ Members: { AlertStatus: string; Rule: string }[] }>('/api/v1/Alerts')).Members
    .filter((a) => (a.AlertStatus === 'pending' || a.AlertStatus === 'firing') && !HISTORY_RULE.test(a.Rule)).map((a) => a.Rule);
  /** The cluster whole again and neither stack with an open alert. */
  const clean = async () => {
    await lab.run(['heal-net']);
    await waitFor('cluster whole', async () => {
      try {
        await lab.run(['healed'], 60_000);
        return true;
      } catch {
        return undefined;
      }
    }, 150_000, 1_000);
    let last = '';
    await waitFor('no open alert in either stack', async () => {
      const h = await hawatchOpen();
      const a = await stack.active();
      last = `hawatch: ${h.join(', ')}; anchor: ${a.join(', ')}`;
      return h.length === 0 && a.length === 0 ? true : undefined;
    }, 90_000, 500).catch((e: unknown) => { throw new Error(`${String(e)} (${last})`); });
  };

  try {
    await lab.prepare();
    log(`${nodes}-node Pacemaker lab ${lab.id} on 10.${lab.net}.0.0/16: up`);
    await lab.run(['up'], 240_000);
    await lab.startMonitoring(3);
    for (const n of names) {
      await lab.startAgent(n, n, cluster, PUSH_S, {
        pacemaker: { intervalSeconds: INTERVAL_S, timeoutSeconds: 8 },
        corosync: { intervalSeconds: INTERVAL_S, timeoutSeconds: 8 },
      });
    }
    await stack.start();
    await waitFor(`all ${nodes} agents reporting`, async () => ((await lab.collector.api<{ Members: unknown[] }>(`/api/v1/Clusters/${cluster}/Nodes`)).Members.length === nodes ? true : undefined), 90_000, 500)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${lab.logs()}`); });
    await clean();
    const meter = new Footprint([
      ...[...lab.agents].map(([n, p]) => ({ what: 'hawatch agent', node: n, proc: p, viaNsenter: true })),
      ...stack.watched(),
      { what: 'hawatch collector (central)', node: 'root ns', proc: lab.collector.proc, viaNsenter: false },
    ]);
    if (QUIET_S > 0) {
      log(`quiet window ${QUIET_S} s`);
      const q0 = Date.now();
      meter.begin();
      await sleep(QUIET_S * 1000);
      footprints.push(...meter.end(`${nodes}-node quiet`).map((r) => ({ ...r, window: `${nodes}-node Pacemaker, quiet` })));
      const quietFalse = distinctFirings(lab.hook.received.filter((a) => a.atMs >= q0)).filter((a) => [...HAWATCH_SB, ...ANCHOR_SB].includes(a.alertname));
      if (quietFalse.length) log(`split-brain pages in the quiet window: ${quietFalse.map((a) => describeFiring(a, q0)).join(', ')}`);
    }
    meter.begin();
    for (let run = 1; run <= RUNS; run++) {
      await clean();
      const status = (await lab.run(['status'])).stdout;
      const dc = /^n1: .* dc=(n\d)/m.exec(status)?.[1] ?? /dc=(n\d)/.exec(status)?.[1] ?? '?';
      // 3 nodes: the DC and a node that is not the DC in turn (the anchor note only ever cut the DC); 2 nodes: n2
      const victim = nodes === 2 ? 'n2' : run % 2 === 1 ? dc : names.filter((n) => n !== dc).at(-1)!;
      const survivor = names.find((n) => n !== victim)!;
      const runStart = Date.now();
      await sleep(Math.floor(Math.random() * PHASE_MS));
      // ground truth of a real split brain: dummy's state file on every node at once (sampled every 100 ms)
      let bothAt: number | null = null;
      const sampler = setInterval(() => {
        if (bothAt === null && names.every((n) => existsSync(join(lab.dir, n, 'run', 'Dummy-dummy.state')))) bothAt = Date.now();
      }, 100);
      sampler.unref();
      const t0 = (await lab.run(['split', victim])).t0Ms!;
      log(`${scenario}: run ${run}/${RUNS}, ${victim} cut off (DC ${dc})`);
      const wanted = (a: WebhookAlert) => a.status === 'firing' && (nodes === 2 ? [...HAWATCH_SB, ...ANCHOR_SB].includes(a.alertname) : true);
      const firstOf = (path: string) => from(lab, path, t0).find(wanted);
      await waitFor('both stacks paged', () => (firstOf('/hook') && firstOf('/am') ? true : undefined), 60_000, 100).catch(() => undefined);
      // Hold the partition long enough for transient alarms of either stack to show (several evaluations).
      const holdUntil = t0 + 30_000;
      if (Date.now() < holdUntil) await sleep(holdUntil - Date.now());
      const hawatchPage = firstOf('/hook');
      const anchorPage = firstOf('/am');
      const evidence = await evidenceOf(lab, hawatchPage, t0);
      clearInterval(sampler);
      const healT = (await lab.run(['heal-net'])).t0Ms!;
      await clean();
      // Late alarms of the heal (the anchor note saw them 5–11 s after the reattach).
      await sleep(10_000);
      const runEnd = Date.now();
      const onset = membership(survivor, t0) ?? membership(victim, t0);
      // Pacemaker's own step: the partition without the old DC elects its own ("Taking over DC status")
      const takeovers = names.map((n) => corosyncEvent(join(lab.dir, n, 'var-log-pacemaker', 'pacemaker.log'), /Taking over DC status/, t0)).filter((x): x is number => x !== undefined && x < healT);
      const takeover = takeovers.length ? Math.min(...takeovers) : null;
      const extraDetail = `; new DC +${s(takeover === null ? null : takeover - t0)}${nodes === 2 ? `; dummy on both +${s(bothAt === null ? null : bothAt - t0)}` : ''}`;
      const sb = (path: string, rules: string[]) => distinctFirings(from(lab, path, runStart, runEnd)).filter((a) => rules.includes(a.alertname));
      let falseH: WebhookAlert[];
      let falseA: WebhookAlert[];
      if (nodes === 3) {
        // no split brain exists here: every split-brain page is false
        falseH = sb('/hook', HAWATCH_SB);
        falseA = sb('/am', ANCHOR_SB);
      } else {
        // the real one: each rule's first page during the partition; any other (a second page, one after the heal) is false
        const extra = (xs: WebhookAlert[]) => {
          const firstPerRule = new Set<WebhookAlert>();
          for (const rule of new Set(xs.map((a) => a.alertname))) {
            const f = xs.find((a) => a.alertname === rule && a.atMs >= t0 && a.atMs < healT);
            if (f) firstPerRule.add(f);
          }
          return xs.filter((a) => !firstPerRule.has(a));
        };
        falseH = extra(sb('/hook', HAWATCH_SB));
        falseA = extra(sb('/am', ANCHOR_SB));
      }
      allRuns.push({
        scenario, run, detail: `${victim}${victim === dc ? ' (DC)' : ''}${extraDetail}`, faultMs: t0, onsetMs: onset,
        hawatch: hawatchPage ? { atMs: hawatchPage.atMs, alert: `${hawatchPage.alertname}${hawatchPage.labels['node'] ? `(${hawatchPage.labels['node']})` : ''}` } : null,
        anchor: anchorPage ? { atMs: anchorPage.atMs, alert: `${anchorPage.alertname}${anchorPage.labels['node'] ? `(${anchorPage.labels['node']})` : ''}` } : null,
        falseHawatch: falseH.map((a) => describeFiring(a, t0)), falseAnchor: falseA.map((a) => describeFiring(a, t0)),
        timeline: `${timelineOf(lab, t0, runEnd)}; heal at +${s(healT - t0)}${evidence}`,
      });
    }
    footprints.push(...meter.end('scenarios').map((r) => ({ ...r, window: `${nodes}-node Pacemaker, ${RUNS} runs` })));
  } finally {
    await stopAllProcs();
    await lab.teardown();
  }
};

// ---- the keepalived lab: SNMP traps as the anchor -----------------------------------------------------------------
const VRRP_STATE_CHANGE = '.1.3.6.1.4.1.9586.100.5.2.10.0.2';

/** What a trap receiver can infer: the last state each router announced; 2 or more at MASTER (2) = split brain. */
const trapMasters = (traps: WebhookAlert[], untilMs: number) => {
  const last = new Map<string, string>();
  let episodes: { atMs: number; routers: string[] }[] = [];
  let on = false;
  for (const t of traps) {
    if (t.atMs > untilMs || t.labels['trap'] !== VRRP_STATE_CHANGE) continue;
    last.set(t.labels['router'] ?? t.labels['from'] ?? '?', t.labels['state'] ?? '');
    const masters = [...last].filter(([, st]) => st === '2').map(([r]) => r);
    if (masters.length >= 2 && !on) episodes = [...episodes, { atMs: t.atMs, routers: masters }];
    on = masters.length >= 2;
  }
  return { last, episodes };
};

const keepalivedLab = async (footprints: FootprintRow[]): Promise<void> => {
  const scenario = 'keepalived split brain (node-b port detached)';
  const cluster = 'hwl9-detect-ka';
  const lab = new Lab('keepalived-lab.sh', `z${process.pid}`, { HWLAB_VRID: '51', HWLAB_KA_SNMP: '1' });
  const snmpd = new Map<string, Proc>();
  let trapd: Proc | null = null;
  const traps = () => lab.hook.received.filter((a) => a.path === '/trap');
  const status = async () => (await lab.run(['status'], 20_000)).stdout;
  const hawatchOpen = async () => (await lab.collector.api<{ Members: { AlertStatus: string; Rule: string }[] }>('/api/v1/Alerts')).Members
    .filter((a) => (a.AlertStatus === 'pending' || a.AlertStatus === 'firing') && !HISTORY_RULE.test(a.Rule)).map((a) => a.Rule);
  const clean = async () => {
    await lab.run(['heal-net']);
    for (const n of ['a', 'b']) await lab.run(['start', n]);
    await waitFor('node-a sole VIP holder, node-b BACKUP', async () => (/node-a .*state=MASTER vip=yes\n.*node-b .*state=BACKUP vip=no/.test(await status()) ? true : undefined), 30_000, 250);
    let last = '';
    await waitFor('no open hawatch alert; the traps say lab_a master, lab_b backup', async () => {
      const h = await hawatchOpen();
      const m = trapMasters(traps(), Date.now()).last;
      last = `hawatch: ${h.join(', ')}; traps: ${JSON.stringify([...m])}`;
      return h.length === 0 && m.get('lab_a') === '2' && m.get('lab_b') === '1' ? true : undefined;
    }, 60_000, 250).catch((e: unknown) => { throw new Error(`${String(e)} (${last})`); });
  };

  try {
    await lab.prepare();
    log(`keepalived lab ${lab.id} on 10.${lab.net}.0.0/16: up`);
    await lab.run(['net-up'], 60_000);
    await lab.startMonitoring(3);
    const ip = lab.mgmtIp;
    // snmptrapd in the root namespace on the lab's management address only; its handler posts to the receiver
    const trapConf = join(lab.dir, 'snmptrapd.conf');
    writeFileSync(trapConf, `disableAuthorization yes\ntraphandle default /bin/sh ${join(BENCH_DIR, 'trap-handler.sh')} http://${ip}:${HOOK_PORT}/trap\n`);
    trapd = startProc('snmptrapd', ['snmptrapd', '-f', '-C', '-c', trapConf, '-On', '-Lf', join(lab.dir, 'snmptrapd.log'), `udp:${ip}:${TRAP_PORT}`], join(lab.dir, 'snmptrapd.out'));
    recordPid(lab, 'snmptrapd', trapd);
    // snmpd per node: AgentX master on the node's own loopback (keepalived's snmp_socket), traps to the receiver
    for (const n of ['a', 'b']) {
      const d = join(lab.dir, n, 'snmp');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'snmpd.conf'), ['master agentx', 'agentXSocket tcp:127.0.0.1:705', 'agentaddress udp:127.0.0.1:161', 'rocommunity public 127.0.0.1', `trap2sink ${ip}:${TRAP_PORT} public`, ''].join('\n'));
      snmpd.set(n, await lab.startInNode(n, `snmpd-${n}`, ['snmpd', '-f', '-C', '-c', join(d, 'snmpd.conf'), '-Lf', join(d, 'snmpd.log'), '-p', '/run/snmpd.pid'], join(d, 'snmpd.out'), { SNMP_PERSISTENT_DIR: d }));
    }
    await waitFor('both snmpd coldStart traps', () => (new Set(traps().map((t) => t.labels['from'])).size === 2 ? true : undefined), 30_000, 250)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${trapd?.tail()}`); });
    for (const n of ['a', 'b'] as const) {
      await lab.startAgent(n, `node-${n}`, cluster, PUSH_S, {
        vrrp: {
          intervalSeconds: INTERVAL_S, timeoutSeconds: 4, fifoPath: '/run/keepalived/notify.fifo', fifoRetrySeconds: 1,
          confPath: '/etc/keepalived/keepalived.conf', pidFile: '/run/keepalived.pid', jsonDumpPath: '/tmp/keepalived.json', checkProcess: true,
        },
      });
    }
    // keepalived after its monitors, as on a booting node: the agents and snmpd see its first transitions
    await lab.run(['up'], 90_000);
    await waitFor('both agents reporting', async () => ((await lab.collector.api<{ Members: unknown[] }>(`/api/v1/Clusters/${cluster}/Nodes`)).Members.length === 2 ? true : undefined), 60_000, 250)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${lab.logs()}`); });
    await clean();
    const meter = new Footprint([
      ...[...lab.agents].map(([n, p]) => ({ what: 'hawatch agent', node: n, proc: p, viaNsenter: true })),
      ...[...snmpd].map(([n, p]) => ({ what: 'snmpd (AgentX master)', node: `node-${n}`, proc: p, viaNsenter: true })),
      { what: 'snmptrapd (central)', node: 'root ns', proc: trapd, viaNsenter: false },
      { what: 'hawatch collector (central)', node: 'root ns', proc: lab.collector.proc, viaNsenter: false },
    ]);
    if (QUIET_S > 0) {
      log(`quiet window ${QUIET_S} s`);
      meter.begin();
      await sleep(QUIET_S * 1000);
      footprints.push(...meter.end('quiet').map((r) => ({ ...r, window: 'keepalived, quiet' })));
    }
    meter.begin();
    const onsetLog = join(lab.dir, 'b', 'run', 'keepalived', 'transitions.log');
    for (let run = 1; run <= RUNS; run++) {
      await clean();
      const runStart = Date.now();
      await sleep(Math.floor(Math.random() * PHASE_MS));
      const t0 = (await lab.run(['split', 'port'])).t0Ms!;
      log(`${scenario}: run ${run}/${RUNS}`);
      const hawatchFirst = () => from(lab, '/hook', t0).find((a) => a.status === 'firing' && a.alertname === 'VrrpSplitBrain');
      const anchorFirst = () => trapMasters(traps(), Date.now()).episodes.find((e) => e.atMs >= t0);
      await waitFor('both stacks paged', () => (hawatchFirst() && anchorFirst() ? true : undefined), 30_000, 100).catch(() => undefined);
      const holdUntil = t0 + 15_000;
      if (Date.now() < holdUntil) await sleep(holdUntil - Date.now());
      const h = hawatchFirst();
      const a = anchorFirst();
      const evidence = await evidenceOf(lab, h, t0);
      const healT = (await lab.run(['heal-net'])).t0Ms!;
      await clean();
      await sleep(8_000);
      const runEnd = Date.now();
      const onset = transitions(onsetLog).find((t) => t.state === 'MASTER' && t.atMs >= t0)?.atMs ?? null;
      const hSb = distinctFirings(from(lab, '/hook', runStart, runEnd)).filter((x) => x.alertname === 'VrrpSplitBrain');
      const aEp = trapMasters(traps(), runEnd).episodes.filter((e) => e.atMs >= runStart);
      allRuns.push({
        scenario, run, detail: 'node-b', faultMs: t0, onsetMs: onset,
        hawatch: h ? { atMs: h.atMs, alert: 'VrrpSplitBrain' } : null,
        anchor: a ? { atMs: a.atMs, alert: `traps: ${a.routers.join('+')} MASTER` } : null,
        falseHawatch: hSb.filter((x) => !h || x.atMs !== h.atMs || x.startsAt !== h.startsAt).map((x) => `VrrpSplitBrain +${s(x.atMs - t0)}`),
        falseAnchor: aEp.filter((e) => !a || e.atMs !== a.atMs).map((e) => `TwoMastersByTrap +${s(e.atMs - t0)}`),
        timeline: `${timelineOf(lab, t0, runEnd)}; heal at +${s(healT - t0)}${evidence}`,
      });
    }
    footprints.push(...meter.end('scenarios').map((r) => ({ ...r, window: `keepalived, ${RUNS} runs` })));
  } finally {
    await stopAllProcs();
    await lab.teardown();
  }
};

// ---- main ---------------------------------------------------------------------------------------------------------
const versions = (): string => {
  const v = (cmd: string) => {
    try {
      return execFileSync('sh', ['-c', `dpkg-query -W -f='\${Version}' ${cmd} 2>/dev/null`], { encoding: 'utf8' }) || '?';
    } catch {
      return '?';
    }
  };
  return ['corosync', 'pacemaker', 'keepalived', 'prometheus-hacluster-exporter', 'prometheus', 'prometheus-alertmanager', 'snmpd', 'snmptrapd'].map((p) => `${p} ${v(p)}`).join(', ');
};

const main = async () => {
  process.env['HAWATCH_LAB_SUITE'] = '1'; // labSkipReason's gate: this is a lab run
  const tools = ['corosync', 'pacemakerd', 'crm_mon', 'corosync-quorumtool', 'cibadmin', 'crm_attribute', 'keepalived', 'nft', 'mkfifo',
    'ha_cluster_exporter', 'prometheus', 'prometheus-alertmanager', 'snmpd', 'snmptrapd', 'curl', 'awk'];
  const skip = labSkipReason(tools);
  if (skip) {
    console.error(`bench/detect cannot run here: ${skip}\n(ha_cluster_exporter: apt-get install -y prometheus-hacluster-exporter)`);
    process.exit(2);
  }
  if (!existsSync(join(BENCH_DIR, 'trap-handler.sh'))) throw new Error(`${BENCH_DIR}/trap-handler.sh is missing`);
  const started = Date.now();
  console.log(`bench/detect: hawatch vs ha_cluster_exporter + Prometheus + Alertmanager, and vs keepalived SNMP traps`);
  console.log(`runs per scenario ${RUNS}; hawatch probe interval ${INTERVAL_S} s, push ${PUSH_S} s; Prometheus scrape/evaluation ${SCRAPE_S} s, rules for: 0s; Alertmanager group_wait 0s, group_interval 1s; onset phase random over ${PHASE_MS / 1000} s`);
  console.log(`${versions()}; ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at start`);
  const footprints: FootprintRow[] = [];
  const failures: string[] = [];
  for (const l of LABS) {
    try {
      if (l === 'pcmk3') await pacemakerLab(3, footprints);
      else if (l === 'pcmk2') await pacemakerLab(2, footprints);
      else if (l === 'ka') await keepalivedLab(footprints);
      else throw new Error(`unknown lab ${l} (pcmk3, pcmk2, ka)`);
    } catch (e) {
      failures.push(`${l}: ${e instanceof Error ? e.message : String(e)}`);
      log(`lab ${l} failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
  printScenario('3-node partition of one node (no split brain)', 'hawatch: its first page (PacemakerQuorumLost/NodeOffline); anchor: its first page (HANodeOffline/HAQuorumLost). Every split-brain page here is false (anchor: HASplitBrainDC = the naive rule, HASplitBrainQuorateDC = the quorum-aware one).', '(by rule)');
  printScenario('2-node two_node partition (real split brain)', 'hawatch: PacemakerSplitBrain; anchor: the first of HASplitBrainDC / HASplitBrainQuorateDC. False: any split-brain page other than each rule\'s first during the partition.', '(by rule)');
  printScenario('keepalived split brain (node-b port detached)', `hawatch: VrrpSplitBrain (rule for: ${vrrpSplitBrain.forMs / 1000} s); anchor: the trap that makes a receiver\'s last-known state show two MASTERs (keepalived has no split-brain trap; this is the inference a trap receiver must make). False: any other two-MASTER inference in the run.`, '(two-MASTER inferences)');
  if (footprints.length) {
    console.log(`\n### Footprint per node (hawatch agent at a ${INTERVAL_S} s probe interval, push ${PUSH_S} s; exporter scraped every ${SCRAPE_S} s)`);
    console.log('Same reading for every process, over the same window: CPU = utime+stime of the process, of the children it reaped, and of its live children; RSS sampled every second.\n');
    console.log(footprintTable(footprints));
  }
  console.log(`\nload ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at the end; ${((Date.now() - started) / 60_000).toFixed(1)} min. The machine is shared: other engineers' tests ran meanwhile.`);
  if (process.env['BENCH_RESULTS']) appendFileSync(process.env['BENCH_RESULTS'], `${JSON.stringify({ bench: 'detect', at: new Date().toISOString(), intervalS: INTERVAL_S, scrapeS: SCRAPE_S, runs: allRuns, footprints })}\n`);
  if (failures.length) {
    console.error(`\nfailed: \n${failures.join('\n')}`);
    process.exitCode = 1;
  }
};

await main();
