// bench/metrics: render time of /metrics for a model of ~100,000 series (issue 7's goal: < 250 ms, median).
// The model: C clusters of 3 nodes; every node reports Pacemaker (R resources), corosync, keepalived (V VRRP
// instances with one VIP each), DRBD (D resources with 2 peers each) and iSCSI (S sessions). Reports are built
// from the push protocol's types and pass the collector's schema check, as real pushes do.
// Measured after a warm-up, 9 runs each: the model snapshot alone, then registry.metrics() as GET /metrics calls it
// (snapshot + families + text), in Prometheus text and OpenMetrics.
// Usage: npm run build && node dist/bench/metrics.js [--clusters 10] [--resources 200] [--vrrp 50] [--drbd 15] [--iscsi 30]
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import type { CorosyncReport, DrbdReport, IscsiReport, PacemakerReport, PushBatch, VrrpReport } from '../agent/protocol/index.js';
import type { DrbdConnection, DrbdResource } from '../agent/protocol/drbd.js';
import type { PacemakerResource } from '../agent/protocol/pacemaker.js';
import type { VrrpInstance } from '../agent/protocol/vrrp.js';
import type { IscsiSession } from '../agent/protocol/iscsi.js';
import { ClusterModel } from '../collector/model/model.js';
import { createMetrics } from '../collector/prometheus/metrics.js';

const { values } = parseArgs({
  options: {
    clusters: { type: 'string', default: '10' },
    resources: { type: 'string', default: '200' },
    vrrp: { type: 'string', default: '50' },
    drbd: { type: 'string', default: '15' },
    iscsi: { type: 'string', default: '30' },
    runs: { type: 'string', default: '9' },
  },
});
const CLUSTERS = Number(values.clusters);
const RESOURCES = Number(values.resources);
const VRRP = Number(values.vrrp);
const DRBD = Number(values.drbd);
const ISCSI = Number(values.iscsi);
const RUNS = Number(values.runs);
const NODES = ['n1', 'n2', 'n3'];
const NOW = 1_800_000_000_000;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const pacemaker = (node: string): PacemakerReport => ({
  running: true,
  format: 'pacemaker-result',
  apiVersion: '2.25',
  pacemakerVersion: '2.1.5',
  stack: 'corosync',
  pacemakerdState: 'running',
  dc: { name: 'n1', id: '1', withQuorum: true },
  lastUpdate: null,
  lastChange: null,
  nodesConfigured: NODES.length,
  resourcesConfigured: RESOURCES,
  resourcesDisabled: 0,
  resourcesBlocked: 0,
  fencingEnabled: true,
  maintenanceMode: false,
  stopAllResources: false,
  noQuorumPolicy: 'stop',
  nodes: NODES.map((n, i) => ({
    name: n, id: String(i + 1), online: true, standby: false, standbyOnFail: false, maintenance: false, pending: false, unclean: false,
    shutdown: false, expectedUp: true, isDc: n === 'n1', health: 'green', type: 'member', resourcesRunning: Math.ceil(RESOURCES / NODES.length),
  })),
  resources: Array.from({ length: RESOURCES }, (_, k): PacemakerResource => ({
    id: `res${k}`, agent: 'ocf:pacemaker:Dummy', role: k % 17 === 0 ? 'Stopped' : 'Started', targetRole: null, active: k % 17 !== 0, orphaned: false,
    blocked: false, managed: true, failed: false, failureIgnored: false, nodes: k % 17 === 0 ? [] : [NODES[k % NODES.length] as string], parents: [],
    clone: null, group: null, promotable: false, instance: null,
  })),
  failCounts: [{ node, resource: 'res1', failCount: 1, migrationThreshold: null }],
  failedActions: [],
  fenceHistory: [],
  tickets: [],
  bans: [],
});

const corosync = (node: string): CorosyncReport => ({
  running: true,
  localNodeId: NODES.indexOf(node) + 1,
  transport: 'knet',
  quorum: { date: null, provider: 'corosync_votequorum', nodes: 3, nodeId: NODES.indexOf(node) + 1, ringId: '1.1e', ringNodeId: 1, ringSeq: 30, quorate: true },
  votequorum: { expectedVotes: 3, highestExpected: 3, totalVotes: 3, quorum: 2, activityBlocked: false, flags: ['Quorate'] },
  qdevice: null,
  members: [],
  links: [],
  runtime: null,
  errors: [],
});

const vrrp = (node: string): VrrpReport => ({
  keepalived: { running: true, pid: 100, version: '2.2.7' },
  fifo: null,
  jsonDumpAt: null,
  sources: ['keepalived-json', 'ip-addr-json'],
  instances: Array.from({ length: VRRP }, (_, k): VrrpInstance => {
    const master = node === NODES[k % NODES.length];
    return {
      name: `VI_${k}`, vrid: k + 1, interface: 'eth0', vmacInterface: null, version: 2, state: master ? 'MASTER' : 'BACKUP', stateSource: 'keepalived-json',
      claimedState: null, configuredState: 'BACKUP', priority: 100, effectivePriority: master ? 150 : 100, masterPriority: null, masterRouter: null,
      lastEvent: null, lastTransition: null, interfaceUp: true,
      vips: [{ address: `10.0.${k >> 8}.${k & 255}`, family: 'inet', prefixLength: 24, device: null, label: null, excluded: false, present: master, presentOn: master ? 'eth0' : null, keepalivedSet: master }],
      stats: null,
    };
  }),
  groups: [],
  problems: [],
});

const drbd = (node: string): DrbdReport => ({
  source: 'drbdsetup-status-json',
  moduleLoaded: true,
  kernelVersion: '9.2.8',
  resources: Array.from({ length: DRBD }, (_, k): DrbdResource => ({
    name: `r${k}`, nodeId: NODES.indexOf(node), role: node === 'n1' ? 'Primary' : 'Secondary', suspended: false, writeOrdering: 'flush', mayPromote: false, promotionScore: 10101,
    devices: [{ volume: 0, minor: k, diskState: 'UpToDate', client: false, quorum: true, open: node === 'n1', backingDevice: `/dev/vg/r${k}`, sizeBytes: 1 << 30, readBytes: 0, writtenBytes: 0, alWrites: 0, bmWrites: 0, upperPending: 0, lowerPending: 0 }],
    connections: NODES.filter((p) => p !== node).map((p): DrbdConnection => ({
      peerNodeId: NODES.indexOf(p), name: p, connectionState: 'Connected', peerRole: p === 'n1' ? 'Primary' : 'Secondary', congested: false, apInFlightBytes: 0, rsInFlightBytes: 0,
      peerDevices: [{ volume: 0, replicationState: k % 5 === 0 ? 'SyncSource' : 'Established', peerDiskState: k % 5 === 0 ? 'Inconsistent' : 'UpToDate', peerClient: false, resyncSuspended: 'no', syncDonePercent: k % 5 === 0 ? 42.5 : null, syncEtaSeconds: null, outOfSyncBytes: k % 5 === 0 ? 1 << 20 : 0, receivedBytes: 0, sentBytes: 0, pending: 0, unacked: 0 }],
    })),
  })),
  unconfiguredMinors: [],
  helperEvents: [],
  splitBrainHelperSeen: null,
});

const iscsi = (node: string): IscsiReport => ({
  sessionsSource: 'iscsiadm',
  iscsiadmVersion: '2.1.8',
  transportClassVersion: '2.0-870',
  sessions: Array.from({ length: ISCSI }, (_, k): IscsiSession => ({
    sid: k, target: `iqn.2026-01.bench:${node}.disk${k}`, transport: 'tcp', address: '10.9.0.1', port: 3260, tpgt: 1, persistentAddress: '10.9.0.1', persistentPort: 3260,
    flash: false, iface: null, sessionState: 'LOGGED_IN', connectionState: 'LOGGED_IN', internalState: 'NO_CHANGE', recoveryTimeoutSeconds: 120,
    targetResetTimeoutSeconds: 30, lunResetTimeoutSeconds: 20, abortTimeoutSeconds: 15, hostNumber: k, hostState: 'running', disks: [],
  })),
  nodes: Array.from({ length: ISCSI }, (_, k) => ({ target: `iqn.2026-01.bench:${node}.disk${k}`, address: '10.9.0.1', port: 3260, tpgt: 1, iface: 'default' })),
  problems: [],
});

const model = new ClusterModel({ staleAfterIntervals: 3, now: () => NOW });
let invalid = 0;
let lastBatch: PushBatch | undefined;
const checked = new ClusterModel({ staleAfterIntervals: 3, now: () => NOW, onInvalidReport: () => invalid++ });
for (let c = 0; c < CLUSTERS; c++) {
  NODES.forEach((node, i) => {
    const observations: PushBatch['observations'] = [
      ['pacemaker', pacemaker(node)],
      ['corosync', corosync(node)],
      ['vrrp', vrrp(node)],
      ['drbd', drbd(node)],
      ['iscsi', iscsi(node)],
    ].map(([probe, report]) => ({ probe: probe as string, at: NOW - 500, durationMs: 12, status: 'ok' as const, report, samples: [], states: [] }));
    const batch: PushBatch = {
      protocol: 1, cluster: `cluster${c}`, node, agentInstance: `0000000${c}-0000-4000-8000-00000000000${i}`, agentVersion: 'bench', seq: 1, sealedAt: NOW - 400, intervalMs: 10_000, observations,
    };
    model.applyBatch(batch, NOW - 300);
    lastBatch = batch;
    if (c === 0) checked.applyBatch(batch, NOW - 300);
  });
}
if (invalid > 0) throw new Error(`${invalid} synthetic reports do not match the push protocol's schemas`);

// The model caches its snapshot until a push changes it; at 1,000 nodes pushes arrive all the time, so the honest
// figure for a scrape is the one after a push (the snapshot rebuilt). Re-applying one batch is such a push.
const pushOne = () => model.applyBatch(lastBatch!, NOW - 300);

const metrics = createMetrics(model, () => 0);
const registry = metrics.registry;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const time = async (run: () => unknown | Promise<unknown>): Promise<{ median: number; best: number }> => {
  await run(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await run();
    ts.push(performance.now() - s);
  }
  return { median: median(ts), best: Math.min(...ts) };
};

registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
const text = await registry.metrics();
const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
console.log(`bench/metrics: ${fmt(CLUSTERS)} clusters × ${NODES.length} nodes; per node ${RESOURCES} resources, ${VRRP} VRRP instances, ${DRBD} DRBD resources × 2 peers, ${ISCSI} iSCSI sessions`);
console.log(`node ${process.version}; ${fmt(series)} series, ${fmt(text.length / 1e6, 2)} MB of text; ${RUNS} runs after a warm-up`);

const rebuilt = await time(() => (pushOne(), model.snapshot()));
console.log(`snapshot after a push   median ${fmt(rebuilt.median, 1).padStart(7)} ms  best ${fmt(rebuilt.best, 1).padStart(7)} ms  (rebuilt)`);
const cached = await time(() => model.snapshot());
console.log(`snapshot, no change     median ${fmt(cached.median, 1).padStart(7)} ms  best ${fmt(cached.best, 1).padStart(7)} ms  (cached)`);
const plain = await time(() => {
  pushOne();
  registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
  return registry.metrics();
});
console.log(`/metrics text 0.0.4     median ${fmt(plain.median, 1).padStart(7)} ms  best ${fmt(plain.best, 1).padStart(7)} ms  (a push before each)`);
const om = await time(() => {
  pushOne();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry.metrics();
});
console.log(`/metrics OpenMetrics    median ${fmt(om.median, 1).padStart(7)} ms  best ${fmt(om.best, 1).padStart(7)} ms  (a push before each)`);
const goal = 250;
console.log(`goal < ${goal} ms (median): ${Math.max(plain.median, om.median) < goal ? 'met' : 'NOT met'}`);
