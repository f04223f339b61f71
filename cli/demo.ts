// `hawatch demo`: a real collector plus one real agent per recorded node. The agents run the real probes and
// parsers; only their `exec` is a replay of outputs recorded from real clusters (demo/scenarios/). They push over
// real HTTP. The terminal narrates the recorded events and what the collector sees as they happen.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { validateConfig } from '../common/config-file.js';
import { CollectorConfig } from '../collector/config.js';
import { startCollector, type RunningCollector } from '../collector/main.js';
import type { ModelSnapshot } from '../collector/model/model.js';
import type { AlertNotification } from '../collector/alerts/types.js';
import { AgentConfig } from '../agent/config.js';
import { startAgent, type RunningAgent } from '../agent/main.js';
import type { PacemakerReport, VrrpReport } from '../agent/protocol/index.js';
import { bundledScenariosDir, endMs, events, listScenarios, loadTimeline, startMs, type Timeline } from '../demo/timeline.js';
import { replayExec, scenarioClock } from '../demo/replay-exec.js';
import { startKeepalivedFeed, type KeepalivedFeed } from '../demo/keepalived-feed.js';
import { exec as realExec, type ExecStream } from '../agent/lib/exec.js';
import { bundledMibDir } from '../collector/snmp/index.js';

export const DEFAULT_SCENARIO = 'pcmk3-partition-node3';

export interface DemoOptions {
  scenario: string;
  list: boolean;
  speed: number;
  httpListen: string;
  snmpListen: string;
  dataDir?: string;
  once: boolean;
  out: Writable;
}

export interface RunningDemo {
  url: string;
  adminToken: string;
  cluster: string;
  timeline: Timeline;
  collector: RunningCollector;
  agents: RunningAgent[];
  /** Scenario time (t_ms of the recording) and how many times the replay has wrapped around. */
  readClock: () => { tMs: number; lap: number };
  /** Resolves when a --once run has played to its end. */
  finished: Promise<void>;
  /** Alerts that fired or resolved, in order, with the wall time the collector produced them. */
  alertLog: (AlertNotification & { atMs: number })[];
  onAlert(listener: (n: AlertNotification & { atMs: number }) => void): void;
  stop(): Promise<void>;
}

/** The corosync cluster_name of the recorded labs (pacemaker) or a name for the keepalived pair. */
const clusterNameOf = (t: Timeline) => (t.lab === 'pacemaker' ? 'hwlab' : 'vrrplab');

const token = () => randomBytes(18).toString('hex');

/** The scenarios recorded no event streams: a stream answers as a missing tool, so no probe runs one on this host. */
const unrecordedStream =
  (scenario: string, node: string): ExecStream =>
  (argv, options) => {
    queueMicrotask(() => options.onEnd({ kind: 'absent', message: `${argv[0] ?? ''}: not found (replay: \`${argv.join(' ')}\` was not recorded as a stream on ${node} in ${scenario})` }));
    return { stop: async () => undefined };
  };

export const startDemo = async (opts: Omit<DemoOptions, 'list' | 'out'>, logLevel = 'warn'): Promise<RunningDemo> => {
  const root = bundledScenariosDir();
  const known = listScenarios(root).map((s) => s.name);
  if (!known.includes(opts.scenario)) throw new Error(`no scenario "${opts.scenario}"; there are: ${known.join(', ')}`);
  const timeline = loadTimeline(join(root, opts.scenario));
  const cluster = clusterNameOf(timeline);
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'hawatch-demo-'));
  const logger = pino({ level: logLevel }, pino.destination({ fd: 2, sync: false }));
  const adminToken = token();
  const agentToken = token();

  const collectorConfig = validateConfig(
    CollectorConfig,
    {
      dataDir: join(dataDir, 'collector'),
      http: { listen: opts.httpListen },
      // The demo binds to loopback and lets anyone read; pushes still need the agents' token.
      auth: { openReads: true, tokens: [{ name: 'demo-admin', role: 'admin', token: adminToken }, { name: 'demo-agents', role: 'agent', token: agentToken }] },
      agents: { staleAfterIntervals: 3 },
      // SNMP on loopback with the classic read community, so `snmpwalk -c public` works out of the box.
      snmp: { enabled: true, listen: opts.snmpListen, communities: [{ community: 'public' }] },
    },
    '(demo)',
  );
  const alertLog: RunningDemo['alertLog'] = [];
  const listeners: ((n: AlertNotification & { atMs: number }) => void)[] = [];
  const collector = await startCollector(collectorConfig, {
    logger: logger.child({ name: 'collector' }),
    onAlert: (n) => {
      const entry = { ...n, atMs: Date.now() };
      alertLog.push(entry);
      for (const l of listeners) l(entry);
    },
  });

  // The recordings sample every ~1 s (pacemaker) or 0.5 s (keepalived): probe at that pace in scenario time.
  const clock = scenarioClock({ startMs: startMs(timeline), endMs: endMs(timeline), speed: opts.speed, loop: !opts.once, now: Date.now });
  const probeEverySeconds = Math.max(0.2, 1 / opts.speed);
  const agents: RunningAgent[] = [];
  // keepalived scenarios: each node's recorded keepalived.conf, notify FIFO lines and JSON dumps, in its own files.
  const feeds: KeepalivedFeed[] = [];
  for (const node of timeline.nodes) {
    // A simulated node must not read this host's keepalived files or processes: only its recording.
    let vrrpFiles: { fifoPath: string; confPath: string; jsonDumpPath: string; fifoRetrySeconds?: number } = { fifoPath: '', confPath: '', jsonDumpPath: '' };
    if (timeline.lab === 'keepalived') {
      const feed = await startKeepalivedFeed({
        timeline,
        node,
        dir: join(dataDir, 'agents', node, 'keepalived'),
        clock,
        speed: opts.speed,
        exec: realExec,
        logger: logger.child({ name: `keepalived-${node}` }),
      });
      feeds.push(feed);
      vrrpFiles = { fifoPath: feed.fifoPath, confPath: feed.confPath, jsonDumpPath: feed.jsonDumpPath, fifoRetrySeconds: 1 };
    }
    const config = validateConfig(
      AgentConfig,
      {
        cluster,
        node,
        dataDir: join(dataDir, 'agents', node),
        collector: { url: collector.url, token: agentToken, pushIntervalSeconds: 2, backoffInitialSeconds: 0.2, backoffMaxSeconds: 2 },
        probes: {
          pacemaker: { intervalSeconds: probeEverySeconds, timeoutSeconds: 5 },
          corosync: { intervalSeconds: probeEverySeconds, timeoutSeconds: 5 },
          // The recordings have no data/stats dumps, and the recorded keepalived has no process here.
          vrrp: { intervalSeconds: probeEverySeconds / 2, timeoutSeconds: 5, ...vrrpFiles, dataDumpPath: '', statsDumpPath: '', checkProcess: false },
        },
      },
      '(demo)',
    );
    agents.push(
      await startAgent(config, {
        logger: logger.child({ name: `agent-${node}` }),
        exec: replayExec(timeline, node, () => clock.tMs()),
        // With a stream function the scheduler starts the vrrp probe's FIFO watch; streams were not recorded.
        ...(timeline.lab === 'keepalived' ? { execStream: unrecordedStream(timeline.scenario, node) } : {}),
      }),
    );
  }

  let stopped = false;
  let resolveFinished: () => void = () => undefined;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  const endWatch = setInterval(() => {
    // --once: the story is over when the clock holds at its end and the last observations have been pushed.
    if (opts.once && clock.tMs() >= endMs(timeline)) {
      clearInterval(endWatch);
      Promise.all(agents.map((a) => a.pusher.flush())).then(() => resolveFinished(), () => resolveFinished());
    }
  }, 200);

  return {
    url: collector.url,
    adminToken,
    cluster,
    timeline,
    collector,
    agents,
    readClock: () => clock.read(),
    finished,
    alertLog,
    onAlert: (l) => listeners.push(l),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(endWatch);
      await Promise.all(feeds.map((f) => f.stop()));
      await Promise.all(agents.map((a) => a.stop()));
      await collector.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** One line per node: what its own crm_mon says about DC and quorum. The demo prints it when it changes. */
/** One line per node: what its own tools say (Pacemaker's DC and quorum, keepalived's state and the VIPs it holds). */
export const describeView = (snap: ModelSnapshot, cluster: string): string => {
  const c = snap.clusters.find((x) => x.name === cluster);
  if (!c) return 'no node has reported yet';
  return c.nodes.map((n) => `${n.name}: ${n.agentState === 'stale' ? 'agent silent' : nodeView(n.probes)}`).join(' | ');
};

const nodeView = (probes: ModelSnapshot['clusters'][number]['nodes'][number]['probes']): string => {
  const parts: string[] = [];
  const p = probes['pacemaker'];
  if (p?.status === 'ok' && p.report !== null) {
    const r = p.report as PacemakerReport;
    if (!r.running) parts.push('cluster stack down');
    else {
      const online = r.nodes.filter((x) => x.online).length;
      const dc = r.dc ? `DC ${r.dc.name}${r.dc.withQuorum ? '' : ' WITHOUT QUORUM'}` : 'no DC';
      const active = r.resources.filter((x) => x.active).map((x) => `${x.id}@${x.nodes.join('+')}`);
      parts.push(`${dc}, ${online}/${r.nodes.length} online${active.length ? `, ${active.join(' ')}` : ''}`);
    }
  }
  const v = probes['vrrp'];
  if (v?.status === 'ok' && v.report !== null) {
    for (const i of (v.report as VrrpReport).instances) {
      const held = i.vips.filter((x) => x.present === true).map((x) => x.address);
      parts.push(`${i.name} ${i.state}${held.length ? ` holding ${held.join(', ')}` : ''}`);
    }
  }
  return parts.length ? parts.join('; ') : '-';
};

export const runDemo = async (opts: DemoOptions): Promise<void> => {
  const say = (s: string) => opts.out.write(`${s}\n`);
  if (opts.list) {
    for (const s of listScenarios(bundledScenariosDir())) say(`${s.name.padEnd(24)} ${s.lab.padEnd(10)} ${s.nodes.join(',').padEnd(14)} ${s.description}`);
    return;
  }
  const demo = await startDemo(opts);
  const base = demo.url;
  say(`hawatch demo: scenario ${opts.scenario} (${demo.timeline.lab}, nodes ${demo.timeline.nodes.join(', ')}), speed ${opts.speed}x${opts.once ? ', once' : ', looping'}`);
  say(`  recorded from real ${demo.timeline.lab === 'pacemaker' ? 'corosync/Pacemaker' : 'keepalived'} daemons; each node's agent replays its own outputs and pushes over HTTP`);
  say('');
  say(`collector:   ${base}   (reads need no token in the demo; admin token: ${demo.adminToken})`);
  say(`data dir:    ${opts.dataDir ?? '(temporary, removed on exit)'}`);
  say('try:');
  say(`  curl -s ${base}/api/v1/Clusters/${demo.cluster}`);
  say(`  curl -s ${base}/api/v1/Clusters/${demo.cluster}/Nodes/${demo.timeline.nodes[demo.timeline.nodes.length - 1] ?? ''}`);
  say(`  curl -s ${base}/metrics | grep -E 'hawatch_(agent_up|probe_success)'`);
  if (demo.timeline.lab === 'keepalived') say(`  curl -s ${base}/api/v1/Clusters/${demo.cluster}/VirtualRouters   (then one router: each node's VRRP state)`);
  say(`  curl -s ${base}/api/v1/Alerts`);
  say(`  curl -s ${base}/healthz`);
  const mibs = bundledMibDir();
  say(`  snmpwalk -v2c -c public -M +${mibs}:${mibs}/base -m SNMPv2-MIB:HAWATCH-MIB ${opts.snmpListen.replace(/:(\d+)$/, ':$1')} hawatchMIB`);
  say(`  snmptable -v2c -c public -Ci -M +${mibs}:${mibs}/base -m SNMPv2-MIB:HAWATCH-MIB ${opts.snmpListen} hawatchNodeTable`);
  say('');
  say('timeline (scenario time):');
  for (const e of events(demo.timeline)) say(`  ${(e.tMs / 1000).toFixed(1).padStart(6)} s  ${e.name}: ${e.what}`);
  say('');

  // Alerts as the collector raises them; latency = from the newest observation in the evidence to the alert.
  demo.onAlert((n) => {
    const newest = Math.max(...n.alert.evidence.map((e) => e.atMs));
    const latency = Number.isFinite(newest) ? ` (${n.atMs - newest} ms after the observation)` : '';
    const mark = n.kind === 'firing' ? '!!! ALERT FIRING' : '--- alert resolved';
    say(`${mark} [${n.alert.severity}] ${n.alert.rule}: ${n.alert.summary}${latency}`);
    if (n.kind === 'firing') for (const e of n.alert.evidence) say(`      evidence: ${e.node} says ${e.says}`);
  });
  const marks = events(demo.timeline);
  let announced = new Set<number>();
  let lastLap = 0;
  let lastView = '';
  const started = Date.now();
  const narrate = setInterval(() => {
    const now = (Date.now() - started) / 1000;
    // What the collector sees, not what the recording says: that is what the reader came to watch.
    const view = describeView(demo.collector.model.snapshot(), demo.cluster);
    if (view !== lastView) {
      lastView = view;
      say(`[+${now.toFixed(1)}s] ${view}`);
    }
  }, 250);
  // Announce recorded events as the replay passes them.
  const clockWatch = setInterval(() => {
    const clock = demo.readClock();
    if (clock.lap !== lastLap) {
      lastLap = clock.lap;
      announced = new Set();
      say('--- the recording starts again ---');
    }
    marks.forEach((m, i) => {
      if (!announced.has(i) && clock.tMs >= m.tMs) {
        announced.add(i);
        say(`>>> ${m.name.toUpperCase()} (recorded): ${m.what}`);
      }
    });
  }, 100);

  const shutdown = async () => {
    clearInterval(narrate);
    clearInterval(clockWatch);
    await demo.stop();
  };
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      say('stopping...');
      shutdown().then(resolve, resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (opts.once)
      demo.finished.then(() => {
        say('the recording has played to its end.');
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        shutdown().then(resolve, resolve);
      });
  });
};
