// The lab harness's TypeScript side: the bash scripts build the namespaces and run the cluster software; this
// starts the collector (root namespace, on the lab's management address only), the agents (inside each node's
// namespaces), the webhook receiver (in the test process, same address), and measures.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// bench/detect imports this file compiled (dist/test/lab/): the scripts stay in the source tree.
export const HERE = /[\\/]dist[\\/]test[\\/]lab$/.test(import.meta.dirname) ? join(import.meta.dirname, '..', '..', '..', 'test', 'lab') : import.meta.dirname;
export const REPO = join(HERE, '..', '..');
export const CLI = process.env['HAWATCH_CLI'] ?? join(REPO, 'dist', 'cli', 'hawatch.js');
export const AGENT_TOKEN = 'lab-agent-token-0123456789abcdef';
export const READ_TOKEN = 'lab-read-token-0123456789abcdef';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` returns a value other than undefined; fail after `timeoutMs` with what was seen last. */
export const waitFor = async <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 100): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
};

const has = (cmd: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Why the lab cannot run here, or null. Needs Linux, root, the tools, and the right to create a network
 * namespace (checked by creating and deleting one). A missing build is an error, not a reason to skip.
 */
export const labSkipReason = (tools: readonly string[]): string | null => {
  if (process.env['HAWATCH_LAB_SUITE'] !== '1') return 'lab tests run only through vitest.lab.config.ts (npm run test:lab)';
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces, keepalived, corosync)';
  const missing = ['ip', 'nsenter', 'unshare', 'ping', ...tools].filter((t) => !has(t));
  if (missing.length) return `missing tools: ${missing.join(', ')} (apt-get install keepalived corosync pacemaker pacemaker-cli-utils nftables iproute2 iputils-ping)`;
  const probe = `hwl9-probe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (e) {
    return `cannot create a network namespace: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    } catch {
      // not created
    }
  }
  return null;
};

/** With HWLAB_REQUIRE=1 (CI) a lab that cannot run is a failure, not a skip. */
export const labRequired = (): boolean => process.env['HWLAB_REQUIRE'] === '1' && process.env['HAWATCH_LAB_SUITE'] === '1';

export const requireBuild = (): void => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run test:lab does)`);
};

/** A second octet N such that 10.N.0.0/16 appears nowhere in the root namespace's addresses and routes. */
export const pickNet = (): number => {
  const used = execFileSync('sh', ['-c', 'ip -4 -o addr show; ip -4 route show table all'], { encoding: 'utf8' });
  const start = 216 + (process.pid % 35);
  for (let i = 0; i < 35; i++) {
    const n = 216 + ((start - 216 + i) % 35);
    if (!new RegExp(`\\b10\\.${n}\\.`).test(used)) return n;
  }
  throw new Error('no free 10.N.0.0/16 for the lab (216..250 all in use)');
};

export interface ScriptResult {
  stdout: string;
  stderr: string;
  /** T0_MS printed by a fault command: the moment just before the fault was applied. */
  t0Ms: number | null;
}

/** One of the lab's bash scripts, bounded by `timeoutMs` (killed with SIGKILL after it). */
export const runScript = (script: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<ScriptResult> =>
  new Promise((resolve, reject) => {
    execFile('bash', [join(HERE, script), ...args], { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${script} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
        return;
      }
      const m = /T0_MS=(\d+)/.exec(stdout);
      resolve({ stdout, stderr, t0Ms: m ? Number(m[1]) : null });
    });
  });

/** Same, synchronously: for cleanup in exit handlers. Never throws. */
export const runScriptSync = (script: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): string => {
  try {
    return execFileSync('bash', [join(HERE, script), ...args], { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return String(e);
  }
};

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
  tail(lines?: number): string;
}

const started = new Set<Proc>();

/** Spawn a long-running process of ours with its output in `logFile`. */
export const startProc = (name: string, argv: readonly string[], logFile: string, env: Record<string, string> = {}): Proc => {
  const fd = openSync(logFile, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const p: Proc = {
    name,
    child,
    logFile,
    stop: async () => {
      started.delete(p);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
    },
    tail: (n = 30) => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-n).join('\n');
      } catch {
        return '';
      }
    },
  };
  started.add(p);
  return p;
};

export const stopAllProcs = async (): Promise<void> => {
  await Promise.all([...started].map((p) => p.stop()));
};

/** Synchronous last resort (process exit): SIGKILL whatever we started and is still running. */
export const killAllProcsSync = (): void => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
};

export interface WebhookAlert {
  /** When the receiver got the POST (ms since the epoch, this machine's clock). */
  atMs: number;
  status: 'firing' | 'resolved';
  alertname: string;
  labels: Record<string, string>;
  summary: string;
  fingerprint: string;
  startsAt: string;
  /** The URL path it was posted to: tells senders apart (bench/detect: the collector, Alertmanager, the trap handler). */
  path: string;
}

/** An Alertmanager-v4 webhook receiver that timestamps every alert it gets. */
export class WebhookReceiver {
  readonly received: WebhookAlert[] = [];
  private server: Server | null = null;
  constructor(readonly host: string, readonly port: number) {}

  get url(): string {
    return `http://${this.host}:${this.port}/hook`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const atMs = Date.now();
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        try {
          const msg = JSON.parse(body) as { alerts?: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations?: Record<string, string>; fingerprint: string; startsAt: string }[] };
          for (const a of msg.alerts ?? []) {
            this.received.push({ atMs, status: a.status, alertname: a.labels['alertname'] ?? '', labels: a.labels, summary: a.annotations?.['summary'] ?? '', fingerprint: a.fingerprint, startsAt: a.startsAt, path: req.url ?? '' });
          }
          res.writeHead(200).end('ok');
        } catch {
          res.writeHead(400).end('bad json');
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, this.host, () => resolve());
    });
  }

  since(ms: number, alertname?: string, status?: 'firing' | 'resolved'): WebhookAlert[] {
    return this.received.filter((a) => a.atMs >= ms && (alertname === undefined || a.alertname === alertname) && (status === undefined || a.status === status));
  }

  /** What arrived since `t0`, one line per alert, times relative to `t0`: for failure messages. */
  timeline(t0: number): string {
    return this.since(t0)
      .map((a) => `+${((a.atMs - t0) / 1000).toFixed(2)} s ${a.status} ${a.alertname} ${JSON.stringify(a.labels)} ${a.summary}`)
      .join('\n');
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

export interface Collector {
  url: string;
  proc: Proc;
  api<T = unknown>(path: string): Promise<T>;
}

/** The collector in the root namespace, listening only on the lab's management address. */
export const startCollector = async (dir: string, host: string, port: number, webhookUrl: string, staleAfterIntervals: number): Promise<Collector> => {
  mkdirSync(join(dir, 'collector'), { recursive: true });
  const cfg = join(dir, 'collector.yaml');
  writeFileSync(
    cfg,
    [
      `dataDir: ${join(dir, 'collector')}`,
      'http:',
      `  listen: ${host}:${port}`,
      'auth:',
      '  tokens:',
      `    - { name: agents, role: agent, token: ${AGENT_TOKEN} }`,
      `    - { name: lab, role: read, token: ${READ_TOKEN} }`,
      'agents:',
      `  staleAfterIntervals: ${staleAfterIntervals}`,
      'notifiers:',
      `  - { type: webhook, name: lab-hook, url: "${webhookUrl}", timeoutSeconds: 5 }`,
      'delivery:',
      '  backoffInitialSeconds: 0.2',
      '  backoffMaxSeconds: 2',
      // The lab measures detection: every page goes out at once, not after a warning group's wait (default 10 s).
      'alerting:',
      '  groupWaitSeconds: 0',
      '',
    ].join('\n'),
  );
  const proc = startProc('collector', [process.execPath, CLI, 'collector', '--config', cfg], join(dir, 'collector.log'), { HAWATCH_LOG_LEVEL: 'info' });
  // The lab's `down` and `sweep` kill it by this pid if the test process dies first (its command line names `dir`).
  writeFileSync(join(dir, 'collector.pid'), String(proc.child.pid));
  const url = `http://${host}:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}` }, signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  await waitFor('collector /healthz', async () => ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined), 30_000, 200).catch((e: unknown) => {
    throw new Error(`${String(e)}\n--- collector log\n${proc.tail()}`);
  });
  return { url, proc, api };
};

/** The agent's YAML: only the probes named in `probes` run; the others are switched off. */
export const agentConfig = (o: { cluster: string; node: string; dataDir: string; collectorUrl: string; pushIntervalSeconds: number; probes: Record<string, Record<string, unknown>> }): string => {
  const all = ['pacemaker', 'vrrp', 'corosync', 'heartbeat', 'drbd', 'iscsi', 'fencing'];
  const lines = [
    `cluster: ${o.cluster}`,
    `node: ${o.node}`,
    `dataDir: ${o.dataDir}`,
    'collector:',
    `  url: ${o.collectorUrl}`,
    `  token: ${AGENT_TOKEN}`,
    `  pushIntervalSeconds: ${o.pushIntervalSeconds}`,
    '  requestTimeoutSeconds: 5',
    '  backoffInitialSeconds: 0.2',
    '  backoffMaxSeconds: 2',
    'probes:',
  ];
  for (const p of all) lines.push(`  ${p}: ${JSON.stringify(o.probes[p] ?? { enabled: false })}`);
  return `${lines.join('\n')}\n`;
};

/**
 * A hawatch agent inside a node: nsenter into the namespaces of the node's PID 1 (network, mount, UTS, PID). nsenter
 * forks into the PID namespace and waits: its exit is the agent's, but a signal to it does not reach the agent (the
 * lab's `down` stops everything inside the node).
 */
export const startAgentInNode = (name: string, holderPid: number, configFile: string, logFile: string): Proc =>
  startProc(name, ['nsenter', '-t', String(holderPid), '-m', '-u', '-n', '-p', '--', process.execPath, CLI, 'agent', '--config', configFile], logFile, { HAWATCH_LOG_LEVEL: 'info' });

/**
 * Any long-running process inside a node (an exporter, snmpd), the way the agent runs: nsenter into the namespaces of
 * the node's PID 1. sampleAgent() measures it too (it is nsenter's child).
 */
export const startInNode = (name: string, holderPid: number, argv: readonly string[], logFile: string, env: Record<string, string> = {}): Proc =>
  startProc(name, ['nsenter', '-t', String(holderPid), '-m', '-u', '-n', '-p', '--', ...argv], logFile, env);

export interface CpuSample {
  /** CPU seconds of the agent and of the tools it ran and reaped (utime + stime + cutime + cstime) */
  cpuS: number;
  wallMs: number;
  rssKb: number;
}

/** The agent behind an `nsenter` we started (nsenter forks into the node's PID namespace): its CPU so far and RSS. */
export const sampleAgent = (nsenterPid: number): CpuSample | null => {
  try {
    const child = readFileSync(`/proc/${nsenterPid}/task/${nsenterPid}/children`, 'utf8').trim().split(/\s+/)[0];
    if (!child) return null;
    const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
    // fields after the comm, which may hold spaces: state is field 3
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0); // utime stime cutime cstime
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child}/status`, 'utf8'));
    return { cpuS: ticks / 100, wallMs: Date.now(), rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return null;
  }
};

/** CPU share (% of one core) between two samples, and the RSS at the second. */
export const footprint = (a: CpuSample, b: CpuSample): string =>
  `${((100 * (b.cpuS - a.cpuS)) / ((b.wallMs - a.wallMs) / 1000)).toFixed(2)} % of a core over ${((b.wallMs - a.wallMs) / 1000).toFixed(0)} s, RSS ${(b.rssKb / 1024).toFixed(1)} MB`;

/** Onset times from a keepalived notify log: "<ms> <STATE> <instance> <priority>" per line. */
export const transitions = (file: string): { atMs: number; state: string }[] => {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && /^\d+$/.test(f[0]!))
    .map((f) => ({ atMs: Number(f[0]), state: f[1]! }));
};

export interface Measurement {
  scenario: string;
  what: string;
  /** fault injected (T0 of the script) */
  faultMs: number;
  /** the cluster software changed state (keepalived's notify stamp, corosync's membership line), if known */
  onsetMs: number | null;
  /** the webhook received the alert */
  pagedMs: number | null;
  /** the rule's `for` (a deliberate wait, part of the latency) */
  forMs: number;
}

export const formatTable = (rows: readonly Measurement[]): string => {
  const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
  const head = ['scenario', 'alert', 'fault → onset', 'onset → page', 'fault → page', 'rule for'];
  const body = rows.map((r) => [
    r.scenario,
    r.what,
    s(r.onsetMs === null ? null : r.onsetMs - r.faultMs),
    s(r.onsetMs === null || r.pagedMs === null ? null : r.pagedMs - r.onsetMs),
    s(r.pagedMs === null ? null : r.pagedMs - r.faultMs),
    s(r.forMs),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n');
};

/**
 * One lab run: its bash script (namespaces, cluster software), and the monitoring this side starts: the webhook
 * receiver and the collector on the lab's management address (10.N.1.1), and one agent per node inside the node.
 */
export class Lab {
  readonly dir: string;
  env: Record<string, string> = {};
  net = 0;
  hook!: WebhookReceiver;
  collector!: Collector;
  readonly agents = new Map<string, Proc>();
  private down = false;
  private upStarted = false;

  constructor(readonly script: string, readonly id: string, private readonly extraEnv: Record<string, string> = {}) {
    this.dir = `/var/tmp/hwl9-${id}`;
  }

  get mgmtIp(): string {
    return `10.${this.net}.1.1`;
  }

  /** Remove orphaned labs of dead owners, pick a free subnet, and make sure cleanup runs even if the process exits. */
  async prepare(): Promise<void> {
    requireBuild();
    await runScript(this.script, ['sweep'], { HWLAB_ID: this.id }, 60_000);
    this.net = pickNet();
    this.env = { HWLAB_ID: this.id, HWLAB_NET: String(this.net), HWLAB_DIR: this.dir, ...this.extraEnv };
    this.upStarted = true;
    const sync = () => this.cleanupSync();
    process.once('exit', sync);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (sync(), process.exit(130)));
  }

  run(args: readonly string[], timeoutMs = 60_000): Promise<ScriptResult> {
    return runScript(this.script, args, this.env, timeoutMs);
  }

  /** The webhook receiver and the collector, both on the management address only (the network must be up). */
  async startMonitoring(staleAfterIntervals: number): Promise<void> {
    this.hook = new WebhookReceiver(this.mgmtIp, 9471);
    await this.hook.start();
    this.collector = await startCollector(this.dir, this.mgmtIp, 9470, this.hook.url, staleAfterIntervals);
  }

  async startAgent(node: string, host: string, cluster: string, pushIntervalSeconds: number, probes: Record<string, Record<string, unknown>>): Promise<Proc> {
    const cfg = join(this.dir, node, 'agent.yaml');
    writeFileSync(cfg, agentConfig({ cluster, node: host, dataDir: join(this.dir, node, 'agent'), collectorUrl: this.collector.url, pushIntervalSeconds, probes }));
    const holder = Number((await this.run(['holder', node])).stdout.trim());
    if (!Number.isInteger(holder) || holder <= 0) throw new Error(`no holder pid for node ${node}`);
    const p = startAgentInNode(`agent-${host}`, holder, cfg, join(this.dir, node, 'agent.log'));
    this.agents.set(host, p);
    return p;
  }

  /** A long-running process of ours inside `node` (not an agent: not in footprints()); stopped by stopAllProcs() or `down`. */
  async startInNode(node: string, name: string, argv: readonly string[], logFile: string, env: Record<string, string> = {}): Promise<Proc> {
    const holder = Number((await this.run(['holder', node])).stdout.trim());
    if (!Number.isInteger(holder) || holder <= 0) throw new Error(`no holder pid for node ${node}`);
    return startInNode(name, holder, argv, logFile, env);
  }

  private baseline = new Map<string, CpuSample>();

  /** Start of the footprint measurement (after setup: startup costs are not the steady state). */
  markFootprint(): void {
    for (const [n, p] of this.agents) {
      const smp = p.child.pid === undefined ? null : sampleAgent(p.child.pid);
      if (smp) this.baseline.set(n, smp);
    }
  }

  /** Each agent's CPU share and RSS since markFootprint(), the lab's scenarios included. */
  footprints(): string[] {
    return [...this.agents].flatMap(([n, p]) => {
      const a = this.baseline.get(n);
      const b = p.child.pid === undefined ? null : sampleAgent(p.child.pid);
      return a && b ? [`agent ${n}: ${footprint(a, b)}`] : [];
    });
  }

  /** The agents' and the collector's last log lines, for a failure message. */
  logs(): string {
    return [...[...this.agents].map(([n, p]) => `--- agent ${n}\n${p.tail(15)}`), `--- collector\n${this.collector?.proc.tail(15) ?? ''}`].join('\n');
  }

  async teardown(): Promise<void> {
    await this.hook?.stop();
    for (const p of this.agents.values()) await p.stop();
    await this.collector?.proc.stop();
    if (this.upStarted && !this.down) {
      this.down = true;
      await this.run(['down'], 90_000);
    }
  }

  cleanupSync(): void {
    if (!this.upStarted || this.down) return;
    this.down = true;
    killAllProcsSync();
    runScriptSync(this.script, ['down'], this.env, 60_000);
  }
}

/** "Nov 23 21:49:17.868" (corosync's hires log time, local time, no year) → ms since the epoch. */
export const corosyncTime = (line: string, nowMs = Date.now()): number | null => {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(line);
  if (!m) return null;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[1]!);
  if (month < 0) return null;
  const year = new Date(nowMs).getFullYear();
  let t = new Date(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])).getTime();
  if (t > nowMs + 86_400_000) t = new Date(year - 1, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])).getTime();
  return t;
};

/** The first line of a corosync log at or after `sinceMs` that matches `re`, as its time. */
export const corosyncEvent = (logFile: string, re: RegExp, sinceMs: number): number | undefined => {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!re.test(line)) continue;
    const t = corosyncTime(line);
    if (t !== null && t >= sinceMs) return t;
  }
  return undefined;
};
