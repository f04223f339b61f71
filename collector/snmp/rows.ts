// Pure: one model snapshot → the rows of every HAWATCH-MIB table. No I/O, no clock (the snapshot's time is used).
// Keys are the MIB's column names, so view.ts needs no mapping and a test holds TABLE_COLUMNS against the MIB.
// Cell values are in MIB terms: enum labels, booleans for TruthValue, Date for DateAndTime, the text form of an
// address for HaInetAddress, integers in the object's units (TimeTicks in 1/100 s, HaFixedPercent in 1/1000 %).
// null means "unknown": that cell has no instance, as the MIB's DESCRIPTIONs say.
// VRRP, VIP, DRBD and iSCSI rows read the same fresh reports (and the same cross-node VRRP correlation) as the
// REST views in collector/rest/views, so SNMP and REST never disagree. The alert table comes from the alert
// engine's open alerts, read with the snapshot; the availability table from the SLA module's cached figures
// (collector/sla/live.ts), the same as REST's /api/v1/Availability and the hawatch_sla_* metrics.
import type { PacemakerNode, PacemakerReport, PacemakerResource, PacemakerRunning } from '../../agent/protocol/pacemaker.js';
import type { VrrpInstance, VrrpStateName } from '../../agent/protocol/vrrp.js';
import type { DrbdConnection, DrbdDevice, DrbdResource } from '../../agent/protocol/drbd.js';
import type { IscsiSession } from '../../agent/protocol/iscsi.js';
import type { ClusterView, ModelSnapshot, NodeView } from '../model/model.js';
import type { Alert } from '../alerts/types.js';
import { evidenceText } from '../alerts/notify/format.js';
import { drbdReports, iscsiReports, vrrpReports } from '../rest/views/reports.js';
import { routerKey, virtualRouterRows, type VirtualRouterRow } from '../rest/views/vrrp.js';
import type { LiveSlaFigures } from '../sla/live.js';
import { inetAddress } from './values.js';

export type HaClusterState = 'unknown' | 'quorate' | 'noQuorum' | 'noDc' | 'notRunning' | 'partitioned';
export type HaNodeState = 'unknown' | 'online' | 'standby' | 'maintenance' | 'shutdown' | 'pending' | 'offline' | 'unclean' | 'stackDown';
export type HaAgentState = 'up' | 'stale' | 'none';
export type HaResourceRole =
  | 'unknown' | 'stopped' | 'started' | 'promoted' | 'unpromoted' | 'starting' | 'stopping' | 'migrating' | 'promoting' | 'demoting';
export type HaVrrpState = 'unknown' | 'init' | 'backup' | 'master' | 'fault' | 'stop';
export type HaDrbdRole = 'unknown' | 'primary' | 'secondary';
export type HaDrbdDiskState =
  | 'unknown' | 'diskless' | 'attaching' | 'detaching' | 'failed' | 'negotiating' | 'inconsistent' | 'outdated' | 'consistent' | 'upToDate';
export type HaDrbdConnectionState =
  | 'unknown' | 'standAlone' | 'disconnecting' | 'unconnected' | 'timeout' | 'brokenPipe' | 'networkFailure' | 'protocolError'
  | 'tearDown' | 'connecting' | 'connected';
export type HaDrbdReplicationState =
  | 'unknown' | 'off' | 'established' | 'startingSyncSource' | 'startingSyncTarget' | 'wfBitMapSource' | 'wfBitMapTarget'
  | 'wfSyncUuid' | 'syncSource' | 'syncTarget' | 'verifySource' | 'verifyTarget' | 'pausedSyncSource' | 'pausedSyncTarget'
  | 'ahead' | 'behind';
export type HaIscsiState = 'unknown' | 'loggedIn' | 'failed' | 'free' | 'absent';
export type HaAlertSeverity = 'info' | 'warning' | 'critical';
export type HaInetAddressType = 'unknown' | 'ipv4' | 'ipv6' | 'ipv4z' | 'ipv6z' | 'dns';

export interface ClusterRow {
  index: [cluster: number];
  hawatchClusterName: string;
  hawatchClusterState: HaClusterState;
  hawatchClusterQuorate: boolean | null;
  hawatchClusterDcName: string | null;
  hawatchClusterDcCount: number;
  hawatchClusterQuorateDcCount: number;
  hawatchClusterNodesConfigured: number | null;
  hawatchClusterNodeCount: number;
  hawatchClusterNodesOnline: number;
  hawatchClusterAgentsUp: number;
  hawatchClusterResourceCount: number;
  hawatchClusterResourcesFailed: number;
  hawatchClusterVotesQuorum: number | null;
  hawatchClusterVotesTotal: number | null;
  hawatchClusterReportSource: string | null;
}

export interface NodeRow {
  index: [cluster: number, node: number];
  hawatchNodeName: string;
  hawatchNodeState: HaNodeState;
  hawatchNodeStateReporters: number;
  hawatchNodeStateAgreeing: number;
  hawatchNodeIsDc: boolean | null;
  hawatchNodeAgentState: HaAgentState;
  hawatchNodeAgentLastSeen: Date | null;
  /** hundredths of a second */
  hawatchNodeAgentLastSeenAge: number | null;
  hawatchNodeAgentVersion: string | null;
  hawatchNodeResourcesActive: number | null;
  hawatchNodeLinksUp: number | null;
  hawatchNodeLinksTotal: number | null;
}

export interface ResourceRow {
  index: [cluster: number, resource: number];
  hawatchResourceName: string;
  hawatchResourceInstance: string;
  hawatchResourceParent: string;
  hawatchResourceAgent: string;
  hawatchResourceRole: HaResourceRole;
  hawatchResourceTargetRole: HaResourceRole | null;
  hawatchResourceActive: boolean;
  hawatchResourceNodes: string;
  hawatchResourceNodeCount: number;
  hawatchResourceManaged: boolean;
  hawatchResourceFailed: boolean;
  hawatchResourceBlocked: boolean;
  hawatchResourceFailCount: number;
}

export interface VrrpRow {
  index: [cluster: number, node: number, instance: number];
  hawatchVrrpInstanceName: string;
  hawatchVrrpVrid: number | null;
  hawatchVrrpInterface: string | null;
  hawatchVrrpState: HaVrrpState;
  hawatchVrrpPriority: number | null;
  hawatchVrrpEffectivePriority: number | null;
  hawatchVrrpHoldsVip: boolean | null;
  hawatchVrrpMasterCount: number;
}

export interface VipRow {
  index: [cluster: number, vip: number];
  hawatchVipAddressType: HaInetAddressType;
  /** text form, e.g. 192.0.2.10 or 2001:db8::10; null when it is no IP literal */
  hawatchVipAddress: string | null;
  hawatchVipPrefixLength: number | null;
  hawatchVipOwner: string;
  hawatchVipHolderCount: number;
  hawatchVipHolders: string;
  hawatchVipExpectedHolder: string | null;
}

export interface DrbdRow {
  index: [cluster: number, node: number, row: number];
  hawatchDrbdResource: string;
  hawatchDrbdVolume: number;
  hawatchDrbdMinor: number | null;
  hawatchDrbdPeer: string;
  hawatchDrbdRole: HaDrbdRole;
  hawatchDrbdPeerRole: HaDrbdRole;
  hawatchDrbdDiskState: HaDrbdDiskState;
  hawatchDrbdPeerDiskState: HaDrbdDiskState;
  hawatchDrbdConnectionState: HaDrbdConnectionState;
  hawatchDrbdReplicationState: HaDrbdReplicationState;
  /** KiB */
  hawatchDrbdOutOfSync: number | null;
  /** thousandths of a percent */
  hawatchDrbdSyncDone: number | null;
}

export interface IscsiRow {
  index: [cluster: number, node: number, session: number];
  hawatchIscsiTarget: string;
  hawatchIscsiPortalAddressType: HaInetAddressType;
  hawatchIscsiPortalAddress: string | null;
  hawatchIscsiPortalPort: number | null;
  hawatchIscsiState: HaIscsiState;
  hawatchIscsiExpectedHere: boolean | null;
}

export interface AvailRow {
  index: [cluster: number, row: number];
  hawatchAvailObjectKind: string;
  hawatchAvailObjectId: string;
  hawatchAvailPeriodStart: Date;
  /** seconds, like the other durations of this table */
  hawatchAvailPeriod: number;
  /** thousandths of a percent; null while nothing was counted */
  hawatchAvailUptime: number | null;
  hawatchAvailObjective: number;
  hawatchAvailDowntime: number;
  hawatchAvailExcluded: number;
  hawatchAvailIncidents: number;
  hawatchAvailMtbf: number | null;
  hawatchAvailMttr: number | null;
  hawatchAvailSla: string;
  /** seconds, negative once overspent */
  hawatchAvailBudgetLeft: number;
  /** thousandths */
  hawatchAvailBurnRate: number | null;
  hawatchAvailMtta: number | null;
}

export interface AlertRow {
  index: [alert: number];
  hawatchAlertId: string;
  hawatchAlertCluster: string;
  hawatchAlertRule: string;
  hawatchAlertSeverity: HaAlertSeverity;
  hawatchAlertObject: string;
  hawatchAlertSince: Date;
  hawatchAlertSummary: string;
  hawatchAlertEvidence: string;
}

export interface SnmpTables {
  hawatchClusterEntry: ClusterRow[];
  hawatchNodeEntry: NodeRow[];
  hawatchResourceEntry: ResourceRow[];
  hawatchVrrpEntry: VrrpRow[];
  hawatchVipEntry: VipRow[];
  hawatchDrbdEntry: DrbdRow[];
  hawatchIscsiEntry: IscsiRow[];
  hawatchAvailEntry: AvailRow[];
  hawatchAlertEntry: AlertRow[];
}

export interface SnmpScalars {
  hawatchCollectorVersion: string;
  hawatchSnapshotTime: Date;
  hawatchClusterCount: number;
}

export interface SnmpRows {
  scalars: SnmpScalars;
  tables: SnmpTables;
}

export type CellValue = string | number | boolean | Date;

type Columns<R> = Exclude<keyof R, 'index'>;
/** A column list that must name every column of R (the intersection turns a missing one into a type error). */
const columnsOf =
  <R>() =>
  <const L extends readonly Columns<R>[]>(list: L & (Columns<R> extends L[number] ? unknown : never)): L =>
    list;

/** The columns view.ts serves per table, in the rows' own key names; a test holds them equal to the MIB's. */
export const TABLE_COLUMNS = {
  hawatchClusterEntry: columnsOf<ClusterRow>()([
    'hawatchClusterName', 'hawatchClusterState', 'hawatchClusterQuorate', 'hawatchClusterDcName', 'hawatchClusterDcCount',
    'hawatchClusterQuorateDcCount', 'hawatchClusterNodesConfigured', 'hawatchClusterNodeCount', 'hawatchClusterNodesOnline',
    'hawatchClusterAgentsUp', 'hawatchClusterResourceCount', 'hawatchClusterResourcesFailed', 'hawatchClusterVotesQuorum',
    'hawatchClusterVotesTotal', 'hawatchClusterReportSource',
  ]),
  hawatchNodeEntry: columnsOf<NodeRow>()([
    'hawatchNodeName', 'hawatchNodeState', 'hawatchNodeStateReporters', 'hawatchNodeStateAgreeing', 'hawatchNodeIsDc',
    'hawatchNodeAgentState', 'hawatchNodeAgentLastSeen', 'hawatchNodeAgentLastSeenAge', 'hawatchNodeAgentVersion',
    'hawatchNodeResourcesActive', 'hawatchNodeLinksUp', 'hawatchNodeLinksTotal',
  ]),
  hawatchResourceEntry: columnsOf<ResourceRow>()([
    'hawatchResourceName', 'hawatchResourceInstance', 'hawatchResourceParent', 'hawatchResourceAgent', 'hawatchResourceRole',
    'hawatchResourceTargetRole', 'hawatchResourceActive', 'hawatchResourceNodes', 'hawatchResourceNodeCount',
    'hawatchResourceManaged', 'hawatchResourceFailed', 'hawatchResourceBlocked', 'hawatchResourceFailCount',
  ]),
  hawatchVrrpEntry: columnsOf<VrrpRow>()([
    'hawatchVrrpInstanceName', 'hawatchVrrpVrid', 'hawatchVrrpInterface', 'hawatchVrrpState', 'hawatchVrrpPriority',
    'hawatchVrrpEffectivePriority', 'hawatchVrrpHoldsVip', 'hawatchVrrpMasterCount',
  ]),
  hawatchVipEntry: columnsOf<VipRow>()([
    'hawatchVipAddressType', 'hawatchVipAddress', 'hawatchVipPrefixLength', 'hawatchVipOwner', 'hawatchVipHolderCount',
    'hawatchVipHolders', 'hawatchVipExpectedHolder',
  ]),
  hawatchDrbdEntry: columnsOf<DrbdRow>()([
    'hawatchDrbdResource', 'hawatchDrbdVolume', 'hawatchDrbdMinor', 'hawatchDrbdPeer', 'hawatchDrbdRole', 'hawatchDrbdPeerRole',
    'hawatchDrbdDiskState', 'hawatchDrbdPeerDiskState', 'hawatchDrbdConnectionState', 'hawatchDrbdReplicationState',
    'hawatchDrbdOutOfSync', 'hawatchDrbdSyncDone',
  ]),
  hawatchIscsiEntry: columnsOf<IscsiRow>()([
    'hawatchIscsiTarget', 'hawatchIscsiPortalAddressType', 'hawatchIscsiPortalAddress', 'hawatchIscsiPortalPort',
    'hawatchIscsiState', 'hawatchIscsiExpectedHere',
  ]),
  hawatchAvailEntry: columnsOf<AvailRow>()([
    'hawatchAvailObjectKind', 'hawatchAvailObjectId', 'hawatchAvailPeriodStart', 'hawatchAvailPeriod', 'hawatchAvailUptime',
    'hawatchAvailObjective', 'hawatchAvailDowntime', 'hawatchAvailExcluded', 'hawatchAvailIncidents', 'hawatchAvailMtbf',
    'hawatchAvailMttr', 'hawatchAvailSla', 'hawatchAvailBudgetLeft', 'hawatchAvailBurnRate', 'hawatchAvailMtta',
  ]),
  hawatchAlertEntry: columnsOf<AlertRow>()([
    'hawatchAlertId', 'hawatchAlertCluster', 'hawatchAlertRule', 'hawatchAlertSeverity', 'hawatchAlertObject',
    'hawatchAlertSince', 'hawatchAlertSummary', 'hawatchAlertEvidence',
  ]),
} as const satisfies { [T in keyof SnmpTables]: readonly Columns<SnmpTables[T][number]>[] };

export const SCALAR_NAMES = ['hawatchCollectorVersion', 'hawatchSnapshotTime', 'hawatchClusterCount'] as const satisfies readonly (keyof SnmpScalars)[];

// ---- helpers over the pacemaker reports of one cluster ----------------------------------------------------------

interface Reporter {
  node: string;
  atMs: number;
  report: PacemakerReport;
}

/** Reports from agents that are up: stale data is unknown and proves nothing (design: split brain signals). */
const freshReports = (c: ClusterView): Reporter[] =>
  c.nodes.flatMap((n) => {
    if (n.agentState !== 'up') return [];
    const p = n.probes['pacemaker'];
    if (!p || p.status !== 'ok' || p.report === null) return [];
    return [{ node: n.name, atMs: p.atMs, report: p.report as PacemakerReport }];
  });

const isRunning = (r: Reporter): r is Reporter & { report: PacemakerRunning } => r.report.running;

/** First match wins, as in the pacemaker probe's own node state. */
const pacemakerNodeState = (n: PacemakerNode): HaNodeState =>
  n.unclean ? 'unclean'
  : n.pending ? 'pending'
  : !n.online ? 'offline'
  : n.shutdown ? 'shutdown'
  : n.maintenance ? 'maintenance'
  : n.standby || n.standbyOnFail ? 'standby'
  : 'online';

/** Ties between views go to the worse state, so a disagreement is never hidden behind "online". */
const SEVERITY: Record<HaNodeState, number> = {
  online: 0, standby: 1, maintenance: 2, shutdown: 3, pending: 4, stackDown: 5, offline: 6, unclean: 7, unknown: -1,
};

interface Majority {
  state: HaNodeState;
  reporters: number;
  agreeing: number;
}

const majorityState = (views: readonly HaNodeState[]): Majority => {
  if (views.length === 0) return { state: 'unknown', reporters: 0, agreeing: 0 };
  const counts = new Map<HaNodeState, number>();
  for (const v of views) counts.set(v, (counts.get(v) ?? 0) + 1);
  const [state, agreeing] = [...counts].sort(([a, x], [b, y]) => y - x || SEVERITY[b] - SEVERITY[a])[0] as [HaNodeState, number];
  return { state, reporters: views.length, agreeing };
};

type Dc = ClusterView['pacemaker']['dcs'][number];

/** The DC of the partition to believe: quorate first, then the one most reporters name. */
const chooseDc = (dcs: readonly Dc[]): Dc | null => {
  const pool = dcs.some((d) => d.withQuorum) ? dcs.filter((d) => d.withQuorum) : dcs;
  return [...pool].sort((a, b) => b.reportedBy.length - a.reportedBy.length || a.name.localeCompare(b.name))[0] ?? null;
};

/** The report whose resources the table shows: the chosen DC's own, else the newest of its partition. */
const referenceReport = (running: readonly (Reporter & { report: PacemakerRunning })[], dc: Dc | null) => {
  const pool = dc === null ? running : running.filter((r) => r.report.dc?.name === dc.name && r.report.dc.withQuorum === dc.withQuorum);
  return (
    [...pool].sort(
      (a, b) =>
        Number(b.node === dc?.name) - Number(a.node === dc?.name) || b.atMs - a.atMs || a.node.localeCompare(b.node),
    )[0] ?? null
  );
};

const clusterState = (fresh: readonly Reporter[], running: readonly Reporter[], dcs: readonly Dc[]): HaClusterState => {
  if (fresh.length === 0) return 'unknown';
  if (running.length === 0) return 'notRunning';
  const quorate = dcs.filter((d) => d.withQuorum).length;
  if (quorate > 1) return 'partitioned';
  if (quorate === 1) return 'quorate';
  return dcs.length > 0 ? 'noQuorum' : 'noDc';
};

const ROLES = new Map<string, HaResourceRole>([
  ['stopped', 'stopped'], ['started', 'started'], ['promoted', 'promoted'], ['master', 'promoted'], ['unpromoted', 'unpromoted'],
  ['slave', 'unpromoted'], ['starting', 'starting'], ['stopping', 'stopping'], ['migrating', 'migrating'], ['promoting', 'promoting'],
  ['demoting', 'demoting'],
]);
export const resourceRole = (role: string): HaResourceRole => ROLES.get(role.toLowerCase()) ?? 'unknown';

/** Pacemaker keeps an anonymous clone's fail counts under the primitive id; count them where the instance runs. */
const failCount = (r: PacemakerResource, report: PacemakerRunning): number => {
  const ids = new Set([r.id, r.instance === null ? r.id : `${r.id}:${r.instance}`]);
  const onNodes = r.instance === null ? null : new Set(r.nodes);
  return report.failCounts
    .filter((f) => ids.has(f.resource) && (onNodes === null || onNodes.has(f.node)))
    .reduce((sum, f) => sum + f.failCount, 0);
};

/** A comma list within `max` characters; names left out are counted in a "+N" tail. */
export const fitList = (names: readonly string[], max = 255): string => {
  const all = names.join(',');
  if (all.length <= max) return all;
  let out = '';
  for (let i = 0; i < names.length; i++) {
    const next = out === '' ? (names[i] as string) : `${out},${names[i] as string}`;
    const tail = `+${names.length - i - 1}`;
    if (`${next},${tail}`.length > max) return out === '' ? `+${names.length}` : `${out},+${names.length - i}`;
    out = next;
  }
  return out;
};

// ---- per-table builders -----------------------------------------------------------------------------------------

export interface ClusterFacts {
  cluster: ClusterView;
  index: number;
  fresh: Reporter[];
  running: (Reporter & { report: PacemakerRunning })[];
  dc: Dc | null;
  reference: (Reporter & { report: PacemakerRunning }) | null;
  /** Node names in row order: agents and the nodes fresh reports name. */
  nodeNames: string[];
  /** Each running fresh report's nodes by name, so a node's views cost one lookup per reporter. */
  nodesByReporter: Map<string, Map<string, PacemakerNode>>;
  /** hawatchNodeIndex by node name (1-based): the per-node tables (VRRP, DRBD, iSCSI) use it. */
  nodeIndex: Map<string, number>;
  /** The cluster's virtual routers as REST's VirtualRouters shows them: masters and VIP holders across nodes. */
  routers: VirtualRouterRow[];
}

export const clusterFacts = (cluster: ClusterView, index: number): ClusterFacts => {
  const fresh = freshReports(cluster);
  const running = fresh.filter(isRunning);
  const dc = chooseDc(cluster.pacemaker.dcs);
  const names = new Set(cluster.nodes.map((n) => n.name));
  for (const r of running) for (const n of r.report.nodes) names.add(n.name);
  const nodeNames = [...names].sort((a, b) => a.localeCompare(b));
  return {
    cluster,
    index,
    fresh,
    running,
    dc,
    reference: referenceReport(running, dc),
    nodeNames,
    nodesByReporter: new Map(running.map((r) => [r.node, new Map(r.report.nodes.map((n) => [n.name, n]))])),
    nodeIndex: new Map(nodeNames.map((n, i) => [n, i + 1])),
    routers: virtualRouterRows(cluster),
  };
};

/** How each fresh reporter sees `node`; a reporter whose own stack is down says so about itself only. */
const viewsOf = (f: ClusterFacts, node: string): HaNodeState[] =>
  f.fresh.flatMap((r): HaNodeState[] => {
    if (!r.report.running) return r.node === node ? ['stackDown'] : [];
    const n = f.nodesByReporter.get(r.node)?.get(node);
    return n ? [pacemakerNodeState(n)] : [];
  });

export const nodeRows = (f: ClusterFacts, takenAtMs: number): NodeRow[] => {
  const agents = new Map<string, NodeView>(f.cluster.nodes.map((n) => [n.name, n]));
  let active: Map<string, number> | null = null;
  if (f.reference) {
    active = new Map();
    for (const r of f.reference.report.resources) for (const n of r.nodes) active.set(n, (active.get(n) ?? 0) + 1);
  }
  const dcNames = new Set(f.running.flatMap((r) => (r.report.dc ? [r.report.dc.name] : [])));
  return f.nodeNames.map((name, i): NodeRow => {
    const agent = agents.get(name);
    const m = majorityState(viewsOf(f, name));
    return {
      index: [f.index, i + 1],
      hawatchNodeName: name,
      hawatchNodeState: m.state,
      hawatchNodeStateReporters: m.reporters,
      hawatchNodeStateAgreeing: m.agreeing,
      hawatchNodeIsDc: f.running.length === 0 ? null : dcNames.has(name),
      hawatchNodeAgentState: agent ? agent.agentState : 'none',
      hawatchNodeAgentLastSeen: agent ? new Date(agent.agent.lastSeenMs) : null,
      hawatchNodeAgentLastSeenAge: agent ? Math.floor(Math.max(0, takenAtMs - agent.agent.lastSeenMs) / 10) : null,
      hawatchNodeAgentVersion: agent ? agent.agent.version : null,
      hawatchNodeResourcesActive: active === null ? null : (active.get(name) ?? 0),
      // Corosync links come with the corosync probe; until then the cells have no instance.
      hawatchNodeLinksUp: null,
      hawatchNodeLinksTotal: null,
    };
  });
};

export const resourceRows = (f: ClusterFacts): ResourceRow[] => {
  const ref = f.reference;
  if (ref === null) return [];
  return ref.report.resources.map((r, i): ResourceRow => ({
    index: [f.index, i + 1],
    hawatchResourceName: r.id,
    hawatchResourceInstance: r.instance ?? '',
    hawatchResourceParent: r.parents.join('/'),
    hawatchResourceAgent: r.agent,
    hawatchResourceRole: resourceRole(r.role),
    hawatchResourceTargetRole: r.targetRole === null ? null : resourceRole(r.targetRole),
    hawatchResourceActive: r.active,
    hawatchResourceNodes: fitList(r.nodes),
    hawatchResourceNodeCount: r.nodes.length,
    hawatchResourceManaged: r.managed,
    hawatchResourceFailed: r.failed,
    hawatchResourceBlocked: r.blocked,
    hawatchResourceFailCount: failCount(r, ref.report),
  }));
};

export const clusterRow = (f: ClusterFacts, nodes: readonly NodeRow[], resources: readonly ResourceRow[]): ClusterRow => {
  const dcs = f.cluster.pacemaker.dcs;
  return {
    index: [f.index],
    hawatchClusterName: f.cluster.name,
    hawatchClusterState: clusterState(f.fresh, f.running, dcs),
    hawatchClusterQuorate: f.running.length === 0 ? null : dcs.some((d) => d.withQuorum),
    hawatchClusterDcName: f.dc?.name ?? null,
    hawatchClusterDcCount: new Set(dcs.map((d) => d.name)).size,
    hawatchClusterQuorateDcCount: new Set(dcs.filter((d) => d.withQuorum).map((d) => d.name)).size,
    hawatchClusterNodesConfigured: f.cluster.pacemaker.nodesConfigured,
    hawatchClusterNodeCount: nodes.length,
    hawatchClusterNodesOnline: nodes.filter((n) => n.hawatchNodeState === 'online').length,
    hawatchClusterAgentsUp: nodes.filter((n) => n.hawatchNodeAgentState === 'up').length,
    hawatchClusterResourceCount: resources.length,
    hawatchClusterResourcesFailed: resources.filter((r) => r.hawatchResourceFailed || r.hawatchResourceBlocked).length,
    // Votes come with the corosync probe; until then the cells have no instance.
    hawatchClusterVotesQuorum: null,
    hawatchClusterVotesTotal: null,
    hawatchClusterReportSource: f.reference?.node ?? null,
  };
};

// ---- VRRP and virtual addresses (vrrp probe) ---------------------------------------------------------------------

const byName = (a: string, b: string): number => a.localeCompare(b);

const VRRP_STATES: Record<Exclude<VrrpStateName, 'DELETED'>, HaVrrpState> = {
  INIT: 'init', BACKUP: 'backup', MASTER: 'master', FAULT: 'fault', STOP: 'stop', UNKNOWN: 'unknown',
};

/** true when one of the instance's addresses is on this node, false when all are known absent, else unknown. */
const holdsVip = (i: VrrpInstance): boolean | null => {
  if (i.vips.some((v) => v.present === true)) return true;
  return i.vips.every((v) => v.present === false) ? false : null;
};

/** One row per instance per fresh node, instances in name order; a DELETED instance (removed by a reload) is left out, as in REST. */
export const vrrpRows = (f: ClusterFacts): VrrpRow[] => {
  const masters = new Map(f.routers.map((r) => [r.id, r.masters.length]));
  const out: VrrpRow[] = [];
  for (const { node, report } of vrrpReports(f.cluster)) {
    const ni = f.nodeIndex.get(node.name);
    if (ni === undefined) continue;
    const instances = report.instances.filter((i) => i.state !== 'DELETED').sort((a, b) => byName(a.name, b.name));
    instances.forEach((i, k) => {
      out.push({
        index: [f.index, ni, k + 1],
        hawatchVrrpInstanceName: i.name,
        hawatchVrrpVrid: i.vrid,
        hawatchVrrpInterface: i.interface,
        hawatchVrrpState: VRRP_STATES[i.state as Exclude<VrrpStateName, 'DELETED'>] ?? 'unknown',
        hawatchVrrpPriority: i.priority,
        hawatchVrrpEffectivePriority: i.effectivePriority,
        hawatchVrrpHoldsVip: holdsVip(i),
        hawatchVrrpMasterCount: masters.get(routerKey(i)) ?? 0,
      });
    });
  }
  return out;
};

/** HaInetAddressType and the address to encode; an address that is no IP literal (a name, a zone) has no address cell. */
export const inetCells = (address: string | null): { type: HaInetAddressType; address: string | null } => {
  if (address === null || address === '') return { type: 'unknown', address: null };
  if (address.includes('%')) return { type: 'ipv6z', address: null };
  const b = inetAddress(address);
  if (b === null) return { type: 'dns', address: null };
  return { type: b.length === 4 ? 'ipv4' : 'ipv6', address };
};

const compareBytes = (a: Buffer | null, b: Buffer | null): number => {
  if (a === null || b === null) return Number(a === null) - Number(b === null);
  return a.length - b.length || Buffer.compare(a, b);
};

/**
 * The node that should carry a router's addresses: its one MASTER. While several claim MASTER (split brain), the
 * one VRRP elects, the highest effective priority (RFC 5798 6.4.3); no instance on a tie (VRRP then goes by the
 * primary address, which the reports do not carry) or when no node is MASTER.
 */
export const expectedHolder = (r: VirtualRouterRow): string | null => {
  if (r.masters.length <= 1) return r.masters[0] ?? null;
  const prio = (node: string): number => {
    const i = r.instances.find((x) => x.node === node && x.instance.state === 'MASTER')?.instance;
    return i?.effectivePriority ?? i?.priority ?? -1;
  };
  const ranked = r.masters.map((n) => ({ n, p: prio(n) })).sort((a, b) => b.p - a.p);
  const [first, second] = ranked;
  return first && first.p >= 0 && (second === undefined || first.p > second.p) ? first.n : null;
};

/** One row per virtual address of each virtual router, in address order (IPv4 first). */
export const vipRows = (f: ClusterFacts): VipRow[] => {
  const rows: (Omit<VipRow, 'index'> & { text: string; bytes: Buffer | null })[] = [];
  for (const r of f.routers) {
    const owner = `vrrp:${r.vrid ?? r.names[0] ?? r.id}`;
    const expected = expectedHolder(r);
    for (const v of r.vips) {
      const cells = inetCells(v.address);
      const prefix = r.instances.flatMap((x) => x.instance.vips.filter((y) => y.address === v.address && y.prefixLength !== null)).map((y) => y.prefixLength)[0] ?? null;
      rows.push({
        text: v.address,
        bytes: cells.address === null ? null : inetAddress(cells.address),
        hawatchVipAddressType: cells.type,
        hawatchVipAddress: cells.address,
        hawatchVipPrefixLength: prefix,
        hawatchVipOwner: owner,
        hawatchVipHolderCount: v.heldBy.length,
        hawatchVipHolders: fitList(v.heldBy),
        hawatchVipExpectedHolder: expected,
      });
    }
  }
  rows.sort((a, b) => compareBytes(a.bytes, b.bytes) || byName(a.text, b.text) || byName(a.hawatchVipOwner, b.hawatchVipOwner));
  return rows.map(({ text: _text, bytes: _bytes, ...row }, i) => ({ index: [f.index, i + 1], ...row }));
};

// ---- DRBD (drbd probe) ------------------------------------------------------------------------------------------

/** DRBD's spellings (9 and 8.x), lower-cased, → the MIB's labels. */
const DRBD_ROLES = new Map<string, HaDrbdRole>([['primary', 'primary'], ['secondary', 'secondary']]);
const DRBD_DISKS = new Map<string, HaDrbdDiskState>([
  ['diskless', 'diskless'], ['attaching', 'attaching'], ['detaching', 'detaching'], ['failed', 'failed'], ['negotiating', 'negotiating'],
  ['inconsistent', 'inconsistent'], ['outdated', 'outdated'], ['consistent', 'consistent'], ['uptodate', 'upToDate'],
]);
const DRBD_CONNECTIONS = new Map<string, HaDrbdConnectionState>([
  ['standalone', 'standAlone'], ['disconnecting', 'disconnecting'], ['unconnected', 'unconnected'], ['timeout', 'timeout'],
  ['brokenpipe', 'brokenPipe'], ['networkfailure', 'networkFailure'], ['protocolerror', 'protocolError'], ['teardown', 'tearDown'],
  // DRBD 8.x waits in WFConnection / WFReportParams where DRBD 9 says Connecting
  ['connecting', 'connecting'], ['wfconnection', 'connecting'], ['wfreportparams', 'connecting'], ['connected', 'connected'],
]);
const DRBD_REPLICATION = new Map<string, HaDrbdReplicationState>([
  ['off', 'off'], ['established', 'established'], ['startingsyncs', 'startingSyncSource'], ['startingsynct', 'startingSyncTarget'],
  ['wfbitmaps', 'wfBitMapSource'], ['wfbitmapt', 'wfBitMapTarget'], ['wfsyncuuid', 'wfSyncUuid'], ['syncsource', 'syncSource'],
  ['synctarget', 'syncTarget'], ['verifys', 'verifySource'], ['verifyt', 'verifyTarget'], ['pausedsyncs', 'pausedSyncSource'],
  ['pausedsynct', 'pausedSyncTarget'], ['ahead', 'ahead'], ['behind', 'behind'],
]);
const drbdLabel = <T extends string>(m: ReadonlyMap<string, T>, s: string | null | undefined): T | 'unknown' => (s ? (m.get(s.toLowerCase()) ?? 'unknown') : 'unknown');

const drbdRow = (res: DrbdResource, d: DrbdDevice, c: DrbdConnection | null): Omit<DrbdRow, 'index'> => {
  const pd = c?.peerDevices.find((p) => p.volume === d.volume) ?? null;
  const oos = pd?.outOfSyncBytes ?? null;
  const done = pd?.syncDonePercent ?? null;
  return {
    hawatchDrbdResource: res.name,
    hawatchDrbdVolume: d.volume,
    hawatchDrbdMinor: d.minor,
    hawatchDrbdPeer: c?.name ?? '',
    hawatchDrbdRole: drbdLabel(DRBD_ROLES, res.role),
    hawatchDrbdPeerRole: drbdLabel(DRBD_ROLES, c?.peerRole),
    hawatchDrbdDiskState: drbdLabel(DRBD_DISKS, d.diskState),
    hawatchDrbdPeerDiskState: drbdLabel(DRBD_DISKS, pd?.peerDiskState),
    hawatchDrbdConnectionState: drbdLabel(DRBD_CONNECTIONS, c?.connectionState),
    hawatchDrbdReplicationState: drbdLabel(DRBD_REPLICATION, pd?.replicationState),
    // KiB, rounded up so that any data out of sync shows; values.ts holds it at 4294967295 above 4 TiB
    hawatchDrbdOutOfSync: oos === null ? null : Math.ceil(oos / 1024),
    hawatchDrbdSyncDone: done === null ? null : Math.min(100_000, Math.max(0, Math.round(done * 1000))),
  };
};

/**
 * One row per volume per peer on each fresh node, in resource, volume and peer order. A volume without any
 * connection still gets a row (its own role and disk), with an empty peer and unknown peer states.
 */
export const drbdRows = (f: ClusterFacts): DrbdRow[] => {
  const out: DrbdRow[] = [];
  for (const { node, report } of drbdReports(f.cluster)) {
    const ni = f.nodeIndex.get(node.name);
    if (ni === undefined || !report.moduleLoaded) continue;
    let k = 0;
    for (const res of [...report.resources].sort((a, b) => byName(a.name, b.name))) {
      const connections = [...res.connections].sort((a, b) => byName(a.name, b.name));
      for (const d of [...res.devices].sort((a, b) => a.volume - b.volume)) {
        for (const c of connections.length === 0 ? [null] : connections) out.push({ index: [f.index, ni, ++k], ...drbdRow(res, d, c) });
      }
    }
  }
  return out;
};

// ---- iSCSI (iscsi probe) ----------------------------------------------------------------------------------------

/** The kernel's session state; older output without it: iscsid's connection state, as REST's StorageSessions reads it. */
export const iscsiState = (s: IscsiSession): HaIscsiState => {
  switch (s.sessionState) {
    case 'LOGGED_IN':
      return 'loggedIn';
    case 'FAILED':
      return 'failed';
    case 'FREE':
      return 'free';
    case null:
      return s.connectionState === 'LOGGED_IN' ? 'loggedIn' : 'unknown';
    default:
      return 'unknown';
  }
};

/**
 * One row per session on each fresh node, plus one `absent` row per configured portal of a target that has node
 * records but no session on that node (REST's "target configured but no session"), in target and portal order.
 * hawatchIscsiExpectedHere has no instance: no report says which resource uses which target.
 */
export const iscsiRows = (f: ClusterFacts): IscsiRow[] => {
  const out: IscsiRow[] = [];
  for (const { node, report } of iscsiReports(f.cluster)) {
    const ni = f.nodeIndex.get(node.name);
    if (ni === undefined) continue;
    const rows: { target: string; address: string | null; port: number | null; sid: number; state: HaIscsiState }[] = report.sessions.map((s) => ({
      target: s.target,
      address: s.address ?? s.persistentAddress,
      port: s.port ?? s.persistentPort,
      sid: s.sid,
      state: iscsiState(s),
    }));
    const withSession = new Set(report.sessions.map((s) => s.target));
    const absent = new Set<string>();
    for (const n of report.nodes ?? []) {
      const key = `${n.target}\u0000${n.address}\u0000${n.port}`;
      if (withSession.has(n.target) || absent.has(key)) continue;
      absent.add(key);
      rows.push({ target: n.target, address: n.address, port: n.port, sid: -1, state: 'absent' });
    }
    rows.sort((a, b) => byName(a.target, b.target) || byName(a.address ?? '', b.address ?? '') || (a.port ?? -1) - (b.port ?? -1) || a.sid - b.sid);
    rows.forEach((r, k) => {
      const cells = inetCells(r.address);
      out.push({
        index: [f.index, ni, k + 1],
        hawatchIscsiTarget: r.target,
        hawatchIscsiPortalAddressType: cells.type,
        hawatchIscsiPortalAddress: cells.address,
        hawatchIscsiPortalPort: r.port,
        hawatchIscsiState: r.state,
        hawatchIscsiExpectedHere: null,
      });
    });
  }
  return out;
};

// ---- availability and alerts ----------------------------------------------------------------------------------------

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 1000));

/**
 * One row per object of the cluster under each SLA (SLAs in configuration order, objects as the SLA lists them:
 * kind, then id), from the cached figures of the current periods: history and policy live in the store and the
 * SLA module, not in the snapshot, and are not recomputed per walk.
 */
export const availRows = (f: ClusterFacts, figures: readonly LiveSlaFigures[]): AvailRow[] => {
  const out: AvailRow[] = [];
  for (const s of figures) {
    for (const o of s.objects) {
      if (o.target.cluster !== f.cluster.name) continue;
      const r = o.report;
      out.push({
        index: [f.index, out.length + 1],
        hawatchAvailObjectKind: o.target.kind,
        hawatchAvailObjectId: o.target.object,
        hawatchAvailPeriodStart: new Date(s.period.fromMs),
        hawatchAvailPeriod: Math.round((r.evaluated.toMs - r.evaluated.fromMs) / 1000),
        hawatchAvailUptime: r.availabilityRatio === null ? null : Math.floor(r.availabilityRatio * 100_000),
        hawatchAvailObjective: Math.round(r.sloRatio * 100_000),
        hawatchAvailDowntime: Math.round(r.countedDownMs / 1000),
        hawatchAvailExcluded: Math.round(r.excludedMs / 1000),
        hawatchAvailIncidents: r.incidents,
        hawatchAvailMtbf: seconds(r.mtbfMs),
        hawatchAvailMttr: seconds(r.mttrMs),
        hawatchAvailSla: s.definition.name,
        hawatchAvailBudgetLeft: Math.round(r.errorBudgetRemainingMs / 1000),
        hawatchAvailBurnRate: r.burnRate === null ? null : Math.round(r.burnRate * 1000),
        hawatchAvailMtta: seconds(r.mttaMs),
      });
    }
  }
  return out;
};

/** What an alert is about, as kind/id (hawatchAlertObject, hawatchNotifyObject), from the rule's labels. */
export const alertObject = (a: Pick<Alert, 'cluster' | 'labels'>): string => {
  const l = a.labels;
  if (l['address']) return `vip/${l['address']}`;
  if (l['resource']) return `resource/${l['resource']}`;
  if (l['vrid']) return `vrrp/${l['vrid']}`;
  if (l['instance']) return `vrrp/${l['instance']}`;
  if (l['node']) return `node/${l['node']}`;
  return `cluster/${a.cluster}`;
};

/** The firing alerts (pending ones never paged and are not shown), in the order they started firing. */
export const alertRows = (alerts: readonly Alert[]): AlertRow[] =>
  alerts
    .filter((a) => a.status === 'firing')
    .map((a) => ({ a, since: a.firingAtMs ?? a.startsAtMs }))
    .sort((x, y) => x.since - y.since || (x.a.fingerprint < y.a.fingerprint ? -1 : x.a.fingerprint > y.a.fingerprint ? 1 : 0))
    .map(({ a, since }, i): AlertRow => ({
      index: [i + 1],
      hawatchAlertId: a.fingerprint,
      hawatchAlertCluster: a.cluster,
      hawatchAlertRule: a.rule,
      hawatchAlertSeverity: a.severity,
      hawatchAlertObject: alertObject(a),
      hawatchAlertSince: new Date(since),
      hawatchAlertSummary: a.summary,
      hawatchAlertEvidence: evidenceText(a.evidence),
    }));

// push(...rows) would hit the engine's argument limit on very large clusters.
const append = <T>(into: T[], rows: readonly T[]): void => {
  for (const r of rows) into.push(r);
};

/** Every table's rows from one snapshot (and the open alerts read with it), each table in index order. */
export const buildRows = (snapshot: ModelSnapshot, collectorVersion: string, alerts: readonly Alert[] = [], availability: readonly LiveSlaFigures[] = []): SnmpRows => {
  const tables: SnmpTables = {
    hawatchClusterEntry: [],
    hawatchNodeEntry: [],
    hawatchResourceEntry: [],
    hawatchVrrpEntry: [],
    hawatchVipEntry: [],
    hawatchDrbdEntry: [],
    hawatchIscsiEntry: [],
    hawatchAvailEntry: [],
    hawatchAlertEntry: alertRows(alerts),
  };
  snapshot.clusters.forEach((cluster, i) => {
    const f = clusterFacts(cluster, i + 1);
    const nodes = nodeRows(f, snapshot.takenAtMs);
    const resources = resourceRows(f);
    tables.hawatchClusterEntry.push(clusterRow(f, nodes, resources));
    append(tables.hawatchNodeEntry, nodes);
    append(tables.hawatchResourceEntry, resources);
    append(tables.hawatchVrrpEntry, vrrpRows(f));
    append(tables.hawatchVipEntry, vipRows(f));
    append(tables.hawatchDrbdEntry, drbdRows(f));
    append(tables.hawatchIscsiEntry, iscsiRows(f));
    append(tables.hawatchAvailEntry, availRows(f, availability));
  });
  return {
    scalars: {
      hawatchCollectorVersion: collectorVersion,
      hawatchSnapshotTime: new Date(snapshot.takenAtMs),
      hawatchClusterCount: snapshot.clusters.length,
    },
    tables,
  };
};
