// The model as metric families, from ONE snapshot per scrape. Pure: the snapshot, the open alerts and the
// delivery stats in, samples out; no clock, no I/O.
// Cluster-wide facts (quorum, partitions, node states, resources, VIP holders, fencing) come from the fresh
// reporters, as the alert rules read them: stale data is unknown, so it neither counts nor clears anything.
// Per-node facts (VRRP instance state, DRBD peers, iSCSI sessions, probe outcomes) are per node because the
// node's own view is the point.
import type {
  CorosyncReport,
  DrbdReport,
  FencingReport,
  HeartbeatReport,
  IscsiReport,
  PacemakerReport,
  VrrpReport,
} from '../../agent/protocol/index.js';
import type { CorosyncRunning } from '../../agent/protocol/corosync.js';
import type { PacemakerNode, PacemakerResource, PacemakerRunning } from '../../agent/protocol/pacemaker.js';
import type { VrrpInstance } from '../../agent/protocol/vrrp.js';
import type { Alert } from '../alerts/types.js';
import type { DeliveryStats } from '../alerts/notify/index.js';
import { freshReports } from '../alerts/rules/types.js';
import type { ClusterView, ModelSnapshot } from '../model/model.js';
import type { LiveSlaFigures } from '../sla/live.js';
import type { Exposition, Family } from './exposition.js';
import {
  DRBD_CONNECTION_STATES,
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_ROLES,
  F,
  FENCE_STATES,
  ISCSI_CONNECTION_STATES,
  ISCSI_SESSION_STATES,
  MODEL_FAMILIES,
  NODE_STATES,
  PROBE_STATES,
  RESOURCE_ROLES,
  VRRP_STATE_CODES,
  type NodeStateName,
  type ResourceRole,
} from './families.js';

export interface ModelScrape {
  snapshot: ModelSnapshot;
  alerts: readonly Alert[];
  delivery: DeliveryStats | null;
  /** The SLA figures of the current periods (cached by collector/sla/live.ts, not computed per scrape). */
  availability?: readonly LiveSlaFigures[];
}

type Fam = Record<keyof typeof F, Family>;

const b = (v: boolean): number => (v ? 1 : 0);

/** Items whose key was not seen before: odd tool output can list an object twice, and a series must appear once. */
const unique = <T>(items: readonly T[], key: (x: T) => string): T[] => {
  if (items.length < 2) return items as T[];
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

export const renderModel = (out: Exposition, s: ModelScrape): void => {
  // Every family up front: the output order is fixed and a family without samples still says what it is.
  const fam = {} as Fam;
  for (const [k, spec] of Object.entries(F) as [keyof typeof F, (typeof MODEL_FAMILIES)[number]][]) fam[k] = out.family(spec);

  for (const c of s.snapshot.clusters) {
    agentsAndProbes(fam, c);
    const pcmk = pacemakerViews(c);
    clusterAndNodes(fam, c, pcmk);
    resources(fam, c, pcmk);
    vrrp(fam, c);
    drbd(fam, c);
    iscsi(fam, c);
    fencing(fam, c, pcmk);
  }
  alerts(fam, s.alerts);
  for (const [name, n] of Object.entries(s.delivery?.notifiers ?? {})) {
    fam.notifierPending.set([name, n.kind], n.pending);
    fam.notifierFailures.set([name, n.kind], n.consecutiveFailures);
  }
  for (const f of s.availability ?? []) sla(fam, f);
};

const sla = (fam: Fam, f: LiveSlaFigures): void => {
  const opt = (family: Family, l: string[], v: number | null) => {
    if (v !== null && Number.isFinite(v)) family.set(l, v);
  };
  for (const o of f.objects) {
    const r = o.report;
    const l = [o.target.cluster, f.definition.name, o.target.object, o.target.kind, f.selector];
    opt(fam.slaAvailability, l, r.availabilityRatio);
    fam.slaObjective.set(l, r.sloRatio);
    opt(fam.slaBudgetRemaining, l, r.errorBudgetRemainingRatio);
    opt(fam.slaBurnRate, l, r.burnRate);
    fam.slaDowntime.set(l, r.countedDownMs / 1000);
    fam.slaCounted.set(l, (r.countedUpMs + r.countedDownMs) / 1000);
    fam.slaIncidents.set(l, r.incidents);
    opt(fam.slaMtbf, l, r.mtbfMs === null ? null : r.mtbfMs / 1000);
    opt(fam.slaMttr, l, r.mttrMs === null ? null : r.mttrMs / 1000);
    opt(fam.slaMtta, l, r.mttaMs === null ? null : r.mttaMs / 1000);
  }
};

const agentsAndProbes = (fam: Fam, c: ClusterView): void => {
  fam.clusterNodes.set([c.name], c.nodes.length);
  for (const n of c.nodes) {
    const l = [c.name, n.name];
    fam.agentUp.set(l, b(n.agentState === 'up'));
    fam.agentLastPush.set(l, n.agent.lastSeenMs / 1000);
    fam.agentInfo.set([...l, n.agent.version], 1);
    for (const p of Object.values(n.probes)) {
      const pl = [...l, p.probe];
      fam.probeSuccess.set(pl, b(p.status === 'ok'));
      fam.probeStatus.oneHot(pl, PROBE_STATES, p.status);
      fam.probeDuration.set(pl, p.durationMs / 1000);
      fam.probeLastRun.set(pl, p.atMs / 1000);
    }
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Pacemaker partitions, as collector/alerts/rules/pacemaker.ts groups them.

type Running = { node: string; atMs: number; report: PacemakerRunning };

interface PacemakerViews {
  /** Some fresh node's pacemaker probe answered (running or not): the cluster runs Pacemaker. */
  present: boolean;
  /** Fresh reporters whose crm_mon reached the cluster, grouped by the DC they follow (one group per partition). */
  partitions: Map<string, Running[]>;
  /** The newest report of each partition: reporters of one partition share one CIB. */
  newest: Running[];
  /** The newest reports of quorate partitions, or of all partitions when none is quorate. */
  preferred: Running[];
}

const pacemakerViews = (c: ClusterView): PacemakerViews => {
  const reports = freshReports<PacemakerReport>(c, 'pacemaker');
  const partitions = new Map<string, Running[]>();
  for (const r of reports) {
    if (!r.report.running) continue;
    const key = r.report.dc?.name ?? `(no DC: ${r.node})`;
    const list = partitions.get(key);
    const entry = { node: r.node, atMs: r.atMs, report: r.report };
    if (list) list.push(entry);
    else partitions.set(key, [entry]);
  }
  const newest = [...partitions.values()].map((rs) => rs.reduce((a, x) => (x.atMs > a.atMs ? x : a)));
  const quorate = newest.filter((r) => r.report.dc?.withQuorum === true);
  return { present: reports.length > 0, partitions, newest, preferred: quorate.length > 0 ? quorate : newest };
};

const pacemakerNodeState = (n: PacemakerNode): NodeStateName => {
  if (n.unclean) return 'unclean';
  if (n.pending) return 'pending';
  if (!n.online) return 'offline';
  if (n.shutdown) return 'shutdown';
  if (n.maintenance) return 'maintenance';
  if (n.standby || n.standbyOnFail) return 'standby';
  return 'online';
};

const HEARTBEAT_NODE_STATE: Readonly<Record<string, NodeStateName>> = Object.freeze({ active: 'online', up: 'online', init: 'pending', dead: 'offline' });

const worse = (a: NodeStateName | undefined, x: NodeStateName): NodeStateName =>
  a === undefined || NODE_STATES.indexOf(x) > NODE_STATES.indexOf(a) ? x : a;

const clusterAndNodes = (fam: Fam, c: ClusterView, pcmk: PacemakerViews): void => {
  const cl = [c.name];
  const corosync = freshReports<CorosyncReport>(c, 'corosync');
  const corosyncUp = corosync.flatMap((r) => (r.report.running ? [{ node: r.node, report: r.report }] : []));
  const heartbeat = freshReports<HeartbeatReport>(c, 'heartbeat');

  // Per node: is its stack running, and does its own partition have quorum (corosync says; else Pacemaker).
  const nodeQuorate = new Map<string, boolean>();
  for (const r of corosync) {
    fam.corosyncRunning.set([c.name, r.node], b(r.report.running));
    nodeQuorate.set(r.node, r.report.running && r.report.quorum.quorate);
  }
  for (const r of freshReports<PacemakerReport>(c, 'pacemaker')) {
    fam.pacemakerRunning.set([c.name, r.node], b(r.report.running));
    if (!nodeQuorate.has(r.node)) nodeQuorate.set(r.node, r.report.running && r.report.dc?.withQuorum === true);
  }
  for (const r of heartbeat) fam.heartbeatRunning.set([c.name, r.node], b(r.report.running));
  for (const [node, q] of [...nodeQuorate].sort(([a], [x]) => a.localeCompare(x))) fam.nodeQuorate.set([c.name, node], b(q));

  if (nodeQuorate.size > 0) fam.clusterQuorate.set(cl, b([...nodeQuorate.values()].some((q) => q)));

  // Votes of the largest partition (quorate first): the figure that says how far from quorum the cluster is.
  const withVotes = corosyncUp.filter((r): r is { node: string; report: CorosyncRunning & { votequorum: NonNullable<CorosyncRunning['votequorum']> } } => r.report.votequorum !== null);
  let main: (typeof withVotes)[number] | undefined;
  for (const r of withVotes) {
    const q = b(r.report.quorum.quorate) - b(main?.report.quorum.quorate ?? false);
    if (main === undefined || q > 0 || (q === 0 && r.report.votequorum.totalVotes > main.report.votequorum.totalVotes)) main = r;
  }
  if (main) {
    fam.votesExpected.set(cl, main.report.votequorum.expectedVotes);
    fam.votesPresent.set(cl, main.report.votequorum.totalVotes);
    fam.votesQuorum.set(cl, main.report.votequorum.quorum);
  }

  // Partitions: Pacemaker's DC groups where Pacemaker runs; else corosync rings.
  if (pcmk.present) {
    fam.partitions.set(cl, pcmk.partitions.size);
    fam.quoratePartitions.set(cl, [...pcmk.partitions.values()].filter((rs) => rs.some((r) => r.report.dc?.withQuorum === true)).length);
    fam.dcs.set(cl, new Set(pcmk.newest.flatMap((r) => (r.report.dc ? [r.report.dc.name] : []))).size);
  } else if (corosync.length > 0) {
    const ring = (r: CorosyncRunning) => r.quorum.ringId ?? `${r.quorum.ringNodeId ?? '?'}/${r.quorum.ringSeq ?? '?'}`;
    fam.partitions.set(cl, new Set(corosyncUp.map((r) => ring(r.report))).size);
    fam.quoratePartitions.set(cl, new Set(corosyncUp.filter((r) => r.report.quorum.quorate).map((r) => ring(r.report))).size);
  }

  // Node states: Pacemaker's preferred views, else heartbeat's; a node known only by its agent is unknown.
  const state = new Map<string, NodeStateName>();
  for (const r of pcmk.preferred) {
    for (const n of r.report.nodes) if (n.type !== 'ping') state.set(n.name, worse(state.get(n.name), pacemakerNodeState(n)));
  }
  const hb = new Map<string, NodeStateName>();
  for (const r of heartbeat) {
    if (!r.report.running) continue;
    for (const n of r.report.nodes) {
      if (n.type === 'ping' || n.status === 'ping') continue;
      hb.set(n.name, worse(hb.get(n.name), HEARTBEAT_NODE_STATE[n.status] ?? 'unknown'));
    }
  }
  for (const [n, st] of hb) if (!state.has(n)) state.set(n, st);
  for (const n of c.nodes) if (!state.has(n.name)) state.set(n.name, 'unknown');
  const dcs = new Set(pcmk.newest.flatMap((r) => (r.report.dc ? [r.report.dc.name] : [])));
  for (const [node, st] of [...state].sort(([a], [x]) => a.localeCompare(x))) {
    const l = [c.name, node];
    fam.nodeState.oneHot(l, NODE_STATES, st);
    fam.nodeStateCode.set(l, NODE_STATES.indexOf(st));
    if (pcmk.present) fam.nodeIsDc.set(l, b(dcs.has(node)));
  }
};

// ---------------------------------------------------------------------------------------------------------------

const ROLE_OF: Readonly<Record<string, ResourceRole>> = Object.freeze({
  Promoted: 'Promoted',
  Master: 'Promoted',
  Started: 'Started',
  Unpromoted: 'Unpromoted',
  Slave: 'Unpromoted',
  Migrating: 'Migrating',
  Starting: 'Starting',
  Stopping: 'Stopping',
  Stopped: 'Stopped',
});

/** The clone or bundle the resource belongs to: a primitive outside both may run on one node only. */
const enclosing = (r: PacemakerResource): string => r.clone ?? r.parents.find((p) => p.includes('bundle')) ?? '';

const resources = (fam: Fam, c: ClusterView, pcmk: PacemakerViews): void => {
  // Role and flags from the preferred (quorate) views; placement, fail counts and failed actions from every
  // partition: only the collector sees a resource running on both sides of a split.
  const byId = new Map<string, PacemakerResource[]>();
  for (const r of pcmk.preferred) {
    for (const res of r.report.resources) {
      const list = byId.get(res.id);
      if (list) list.push(res);
      else byId.set(res.id, [res]);
    }
  }
  const placement = new Map<string, Map<string, number>>();
  const failCounts = new Map<string, number>();
  const failedActions = new Map<string, number>();
  for (const r of pcmk.newest) {
    const here = new Map<string, Map<string, number>>();
    for (const res of r.report.resources) {
      if (!byId.has(res.id)) byId.set(res.id, [res]);
      if (!res.active) continue;
      const m = here.get(res.id) ?? new Map<string, number>();
      for (const n of res.nodes) m.set(n, (m.get(n) ?? 0) + 1);
      here.set(res.id, m);
    }
    for (const [id, m] of here) {
      const all = placement.get(id) ?? new Map<string, number>();
      for (const [n, k] of m) all.set(n, Math.max(all.get(n) ?? 0, k));
      placement.set(id, all);
    }
    for (const f of r.report.failCounts) {
      const key = `${f.resource}\u0000${f.node}`;
      failCounts.set(key, Math.max(failCounts.get(key) ?? 0, f.failCount));
    }
    const actions = new Map<string, number>();
    for (const f of r.report.failedActions) {
      const key = `${f.resource}\u0000${f.node}`;
      actions.set(key, (actions.get(key) ?? 0) + 1);
    }
    for (const [key, k] of actions) failedActions.set(key, Math.max(failedActions.get(key) ?? 0, k));
  }

  for (const [id, list] of [...byId].sort(([a], [x]) => a.localeCompare(x))) {
    const first = list[0] as PacemakerResource;
    const l = [c.name, id];
    fam.resourceInfo.set([...l, first.agent, enclosing(first), first.group ?? ''], 1);
    let best = RESOURCE_ROLES.length - 1;
    for (const res of list) best = Math.min(best, RESOURCE_ROLES.indexOf(ROLE_OF[res.role] ?? 'Unknown'));
    fam.resourceRole.oneHot(l, RESOURCE_ROLES, RESOURCE_ROLES[best] as ResourceRole);
    const where = placement.get(id) ?? new Map<string, number>();
    for (const [n, k] of [...where].sort(([a], [x]) => a.localeCompare(x))) fam.resourceActive.set([c.name, id, n], k);
    fam.resourceActiveNodes.set(l, where.size);
    fam.resourceFailed.set(l, b(list.some((x) => x.failed)));
    fam.resourceBlocked.set(l, b(list.some((x) => x.blocked)));
    fam.resourceManaged.set(l, b(list.every((x) => x.managed)));
  }
  for (const [key, v] of failCounts) fam.resourceFailCount.set([c.name, ...key.split('\u0000')], v);
  for (const [key, v] of failedActions) fam.resourceFailedActions.set([c.name, ...key.split('\u0000')], v);
};

// ---------------------------------------------------------------------------------------------------------------

const vrrp = (fam: Fam, c: ClusterView): void => {
  // Routers as collector/alerts/rules/vrrp.ts keys them: by VRID, or by instance name when the VRID is unknown.
  const routers = new Map<string, { vrid: string; instance: string; seen: { node: string; i: VrrpInstance }[] }>();
  for (const r of freshReports<VrrpReport>(c, 'vrrp')) {
    for (const i of unique(r.report.instances, (x) => x.name)) {
      const vrid = i.vrid === null ? '' : String(i.vrid);
      const l = [c.name, r.node, i.name, vrid];
      fam.vrrpInstanceState.oneHot(l, VRRP_STATE_CODES, i.state);
      fam.vrrpInstanceStateCode.set(l, Math.max(0, VRRP_STATE_CODES.indexOf(i.state)));
      const prio = i.effectivePriority ?? i.priority;
      if (prio !== null) fam.vrrpInstancePriority.set(l, prio);
      for (const v of unique(i.vips, (x) => x.address)) if (v.present !== null) fam.vrrpVipPresent.set([...l, v.address], b(v.present));
      const key = i.vrid !== null ? `vrid ${i.vrid}` : `instance ${i.name}`;
      const router = routers.get(key) ?? { vrid, instance: i.name, seen: [] };
      router.seen.push({ node: r.node, i });
      routers.set(key, router);
    }
  }
  const holderSeries = new Set<string>();
  for (const router of routers.values()) {
    fam.vrrpMasters.set([c.name, router.vrid, router.instance], new Set(router.seen.filter((x) => x.i.state === 'MASTER').map((x) => x.node)).size);
    // Ground truth per address: the nodes whose interfaces carry it; unknown (no series) when no node could tell.
    const holders = new Map<string, Set<string>>();
    for (const { node, i } of router.seen) {
      for (const v of i.vips) {
        if (v.present === null) continue;
        const set = holders.get(v.address) ?? new Set<string>();
        if (v.present) set.add(node);
        holders.set(v.address, set);
      }
    }
    for (const [address, nodes] of holders) {
      // Two routers without a VRID can list one address: label sets must stay unique.
      const key = `${router.vrid}\u0000${address}`;
      if (holderSeries.has(key)) continue;
      holderSeries.add(key);
      fam.vipHolders.set([c.name, router.vrid, address], nodes.size);
    }
  }
};

const drbd = (fam: Fam, c: ClusterView): void => {
  for (const r of freshReports<DrbdReport>(c, 'drbd')) {
    const sbSeen = new Set((r.report.splitBrainHelperSeen ? [r.report.splitBrainHelperSeen.resource] : []).concat(
      r.report.helperEvents.filter((e) => /split-brain/.test(e.helper)).map((e) => e.resource),
    ));
    for (const res of unique(r.report.resources, (x) => x.name)) {
      const rl = [c.name, r.node, res.name];
      fam.drbdResourceRole.oneHot(rl, DRBD_ROLES, res.role);
      fam.drbdSplitBrainHelper.set(rl, b(sbSeen.has(res.name)));
      for (const d of unique(res.devices, (x) => String(x.volume))) {
        const dl = [...rl, String(d.volume)];
        fam.drbdDiskState.oneHot(dl, DRBD_DISK_STATES, d.diskState);
        if (d.client !== null) fam.drbdDeviceClient.set(dl, b(d.client));
      }
      for (const conn of unique(res.connections, (x) => x.name)) {
        const cl = [...rl, conn.name];
        fam.drbdConnectionState.oneHot(cl, DRBD_CONNECTION_STATES, conn.connectionState);
        fam.drbdPeerRole.oneHot(cl, DRBD_ROLES, conn.peerRole);
        for (const p of unique(conn.peerDevices, (x) => String(x.volume))) {
          const pl = [...cl, String(p.volume)];
          fam.drbdReplicationState.oneHot(pl, DRBD_REPLICATION_STATES, p.replicationState);
          fam.drbdPeerDiskState.oneHot(pl, DRBD_DISK_STATES, p.peerDiskState);
          if (p.peerClient !== null) fam.drbdPeerClient.set(pl, b(p.peerClient));
          if (p.syncDonePercent !== null) fam.drbdSyncDone.set(pl, p.syncDonePercent / 100);
          else if (p.replicationState === 'Established') fam.drbdSyncDone.set(pl, 1);
          if (p.outOfSyncBytes !== null) fam.drbdOutOfSync.set(pl, p.outOfSyncBytes);
        }
      }
    }
  }
};

/** `address:port`, IPv6 in brackets; `-` when only sysfs was read (as the agent's samples print it). */
const portal = (address: string | null, port: number | null): string =>
  address === null ? '-' : `${address.includes(':') ? `[${address}]` : address}${port === null ? '' : `:${port}`}`;

const iscsi = (fam: Fam, c: ClusterView): void => {
  for (const r of freshReports<IscsiReport>(c, 'iscsi')) {
    fam.iscsiSessions.set([c.name, r.node], r.report.sessions.length);
    const sessionLabels = (s: IscsiReport['sessions'][number]) => [c.name, r.node, s.target, portal(s.address, s.port), s.iface?.name ?? '-'];
    for (const s of unique(r.report.sessions, (x) => sessionLabels(x).join('\u0000'))) {
      const l = sessionLabels(s);
      fam.iscsiSessionState.oneHot(l, ISCSI_SESSION_STATES, s.sessionState ?? 'UNKNOWN');
      if (s.connectionState !== null) fam.iscsiConnectionState.oneHot(l, ISCSI_CONNECTION_STATES, s.connectionState);
    }
    for (const n of unique(r.report.nodes ?? [], (x) => `${x.target}\u0000${portal(x.address, x.port)}`)) {
      // The same match as the agent's: the record's portal is the session's current or persistent one.
      const has = r.report.sessions.some(
        (s) =>
          s.target === n.target &&
          ((s.address === null && s.persistentAddress === null) ||
            (n.address === s.persistentAddress && n.port === s.persistentPort) ||
            (n.address === s.address && n.port === s.port)),
      );
      fam.iscsiNodeSession.set([c.name, r.node, n.target, portal(n.address, n.port)], b(has));
    }
  }
};

const fencing = (fam: Fam, c: ClusterView, pcmk: PacemakerViews): void => {
  type Ev = { target: string; action: string; status: string; completed: string | null };
  const events = new Map<string, Ev>();
  const add = (e: Ev) => events.set(`${e.target}\u0000${e.action}\u0000${e.status}\u0000${e.completed ?? ''}`, e);
  for (const r of pcmk.newest) for (const e of r.report.fenceHistory) add(e);
  for (const r of freshReports<FencingReport>(c, 'fencing')) {
    for (const d of r.report.sbd) fam.sbdReadable.set([c.name, r.node, d.device], b(d.header !== null));
    if (r.report.stonith?.connected) for (const e of r.report.stonith.events) add(e);
  }
  if (events.size === 0) return;
  // The newest event per target decides (a pending one first): a failure followed by a success is over.
  const latest = new Map<string, Ev>();
  for (const e of events.values()) {
    const prev = latest.get(e.target);
    if (!prev || (prev.status !== 'pending' && (e.status === 'pending' || (e.completed ?? '') >= (prev.completed ?? '')))) latest.set(e.target, e);
  }
  for (const [target, e] of [...latest].sort(([a], [x]) => a.localeCompare(x))) {
    fam.fencingLastState.oneHot([c.name, target], FENCE_STATES, e.status);
    const done = [...events.values()].filter((x) => x.target === target && x.completed !== null).map((x) => Date.parse(x.completed as string)).filter(Number.isFinite);
    if (done.length > 0) fam.fencingLastCompleted.set([c.name, target], Math.max(...done) / 1000);
  }
  for (const st of FENCE_STATES) fam.fencingEvents.set([c.name, st], [...events.values()].filter((e) => e.status === st).length);
};

const alerts = (fam: Fam, open: readonly Alert[]): void => {
  const count = new Map<string, { l: string[]; n: number }>();
  for (const a of open) {
    const l = [a.cluster, a.rule, a.severity, a.status];
    const key = l.join('\u0000');
    const e = count.get(key) ?? { l, n: 0 };
    e.n++;
    count.set(key, e);
    const subject = Object.keys(a.labels).sort().map((k) => `${k}=${a.labels[k]}`).join(',');
    fam.alertStarted.set([...l, subject], a.startsAtMs / 1000);
  }
  for (const { l, n } of count.values()) fam.alerts.set(l, n);
};
