// Pure: one model snapshot → the rows of every HAWATCH-MIB table. No I/O, no clock (the snapshot's time is used).
// Keys are the MIB's column names, so view.ts needs no mapping and a test holds TABLE_COLUMNS against the MIB.
// Cell values are in MIB terms: enum labels, booleans for TruthValue, Date for DateAndTime, the text form of an
// address for HaInetAddress, integers in the object's units (TimeTicks in 1/100 s, HaFixedPercent in 1/1000 %).
// null means "unknown": that cell has no instance, as the MIB's DESCRIPTIONs say.
// Tables the model holds no data for yet (VRRP, VIPs, DRBD, iSCSI, availability, alerts) have their row builder
// here returning []: filling one later is that one function.
import type { PacemakerNode, PacemakerReport, PacemakerResource, PacemakerRunning } from '../../agent/protocol/pacemaker.js';
import type { ClusterView, ModelSnapshot, NodeView } from '../model/model.js';

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
  hawatchVrrpVrid: number;
  hawatchVrrpInterface: string;
  hawatchVrrpState: HaVrrpState;
  hawatchVrrpPriority: number | null;
  hawatchVrrpEffectivePriority: number | null;
  hawatchVrrpHoldsVip: boolean | null;
  hawatchVrrpMasterCount: number;
}

export interface VipRow {
  index: [cluster: number, vip: number];
  hawatchVipAddressType: HaInetAddressType;
  /** text form, e.g. 192.0.2.10 or 2001:db8::10 */
  hawatchVipAddress: string;
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
  hawatchIscsiPortalAddress: string;
  hawatchIscsiPortalPort: number;
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
  /** thousandths of a percent */
  hawatchAvailUptime: number;
  hawatchAvailObjective: number | null;
  hawatchAvailDowntime: number;
  hawatchAvailExcluded: number;
  hawatchAvailIncidents: number;
  hawatchAvailMtbf: number | null;
  hawatchAvailMttr: number | null;
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
    'hawatchAvailMttr',
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
}

export const clusterFacts = (cluster: ClusterView, index: number): ClusterFacts => {
  const fresh = freshReports(cluster);
  const running = fresh.filter(isRunning);
  const dc = chooseDc(cluster.pacemaker.dcs);
  const names = new Set(cluster.nodes.map((n) => n.name));
  for (const r of running) for (const n of r.report.nodes) names.add(n.name);
  return {
    cluster,
    index,
    fresh,
    running,
    dc,
    reference: referenceReport(running, dc),
    nodeNames: [...names].sort((a, b) => a.localeCompare(b)),
    nodesByReporter: new Map(running.map((r) => [r.node, new Map(r.report.nodes.map((n) => [n.name, n]))])),
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

// The model holds no keepalived, address, DRBD, iSCSI, SLA or alert data yet: these tables are registered empty.
export const vrrpRows = (_f: ClusterFacts): VrrpRow[] => [];
export const vipRows = (_f: ClusterFacts): VipRow[] => [];
export const drbdRows = (_f: ClusterFacts): DrbdRow[] => [];
export const iscsiRows = (_f: ClusterFacts): IscsiRow[] => [];
export const availRows = (_f: ClusterFacts): AvailRow[] => [];
export const alertRows = (_snapshot: ModelSnapshot): AlertRow[] => [];

// push(...rows) would hit the engine's argument limit on very large clusters.
const append = <T>(into: T[], rows: readonly T[]): void => {
  for (const r of rows) into.push(r);
};

/** Every table's rows from one snapshot, each table in index order. */
export const buildRows = (snapshot: ModelSnapshot, collectorVersion: string): SnmpRows => {
  const tables: SnmpTables = {
    hawatchClusterEntry: [],
    hawatchNodeEntry: [],
    hawatchResourceEntry: [],
    hawatchVrrpEntry: [],
    hawatchVipEntry: [],
    hawatchDrbdEntry: [],
    hawatchIscsiEntry: [],
    hawatchAvailEntry: [],
    hawatchAlertEntry: alertRows(snapshot),
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
    append(tables.hawatchAvailEntry, availRows(f));
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
