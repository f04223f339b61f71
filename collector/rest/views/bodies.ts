// Pure: response bodies of the model-backed resources, from one snapshot. Each request computes a cluster's
// facts once (ClusterFacts) and every body it answers with, $expand included, is built from them.
import type { ClusterView, ModelSnapshot } from '../../model/model.js';
import type { PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import type { CorosyncRunning } from '../../../agent/protocol/corosync.js';
import { iso, link, paths, Verdict, worst, type Health, type State, type Status } from '../odata.js';
import { runningCorosync, type Fresh } from './reports.js';
import {
  disagreements,
  failCountsOf,
  pacemakerNodeNames,
  pacemakerSeenBy,
  partitions,
  referenceReport,
  summarizeResources,
  type Disagreement,
  type Partition,
  type ResourceSummary,
} from './pacemaker.js';
import { outOfSync, replicatedVolumeRows, syncDone, type ReplicatedVolumeRow } from './drbd.js';
import { virtualRouterRows, type VirtualRouterRow } from './vrrp.js';
import { storageSessionRows, type StorageSessionRow } from './iscsi.js';

export interface ClusterFacts {
  cluster: ClusterView;
  reference: Fresh<PacemakerRunning> | null;
  resources: Map<string, ResourceSummary>;
  disagreements: Map<string, Disagreement[]>;
  nodeNames: string[];
  partitions: Partition[];
  corosync: Fresh<CorosyncRunning>[];
  routers: VirtualRouterRow[];
  volumes: ReplicatedVolumeRow[];
  sessions: StorageSessionRow[];
}

export const clusterFacts = (cluster: ClusterView): ClusterFacts => {
  const reference = referenceReport(cluster);
  const resources = reference ? summarizeResources(reference.report) : new Map<string, ResourceSummary>();
  const names = new Set([...cluster.nodes.map((n) => n.name), ...pacemakerNodeNames(cluster)]);
  return {
    cluster,
    reference,
    resources,
    disagreements: reference ? disagreements(cluster, reference, resources) : new Map(),
    nodeNames: [...names].sort((a, b) => a.localeCompare(b)),
    partitions: partitions(cluster),
    corosync: runningCorosync(cluster),
    routers: virtualRouterRows(cluster),
    volumes: replicatedVolumeRows(cluster),
    sessions: storageSessionRows(cluster),
  };
};

const status = (state: State, health: Health, rollup: Health = health): Status => ({ State: state, Health: health, HealthRollup: rollup });
const nodeLink = (f: ClusterFacts, n: string) => link(paths.node(f.cluster.name, n));

// ---- nodes

const ONLINE_VIEWS = new Set(['online']);

export const nodeVerdict = (f: ClusterFacts, name: string): { state: State; verdict: Verdict } => {
  const v = new Verdict();
  const n = f.cluster.nodes.find((x) => x.name === name);
  if (n?.agentState === 'stale') {
    v.add('Critical', 'agent silent: its data is unknown');
    return { state: 'UnavailableOffline', verdict: v };
  }
  for (const p of Object.values(n?.probes ?? {})) {
    if (p.status === 'failed' || p.status === 'timeout') v.add('Warning', `probe ${p.probe}: ${p.status}${p.error ? ` (${p.error.code})` : ''}`);
  }
  const views = Object.entries(pacemakerSeenBy(f.cluster, name));
  for (const [by, view] of views) {
    if (ONLINE_VIEWS.has(view)) continue;
    v.add(view === 'standby' || view === 'maintenance' ? 'Warning' : 'Critical', `${by} sees ${name} ${view}`);
  }
  if (n) return { state: 'Enabled', verdict: v };
  // Known from its peers only: its state is what they see.
  const vs = views.map(([, x]) => x);
  const state: State = vs.some((x) => x === 'online' || x === 'maintenance') ? 'Enabled' : vs.some((x) => x === 'standby') ? 'StandbyOffline' : 'UnavailableOffline';
  return { state, verdict: v };
};

export const nodeBody = (f: ClusterFacts, name: string) => {
  if (!f.nodeNames.includes(name)) return null;
  const c = f.cluster;
  const n = c.nodes.find((x) => x.name === name) ?? null;
  const { state, verdict } = nodeVerdict(f, name);
  const pcmkNode = f.reference?.report.nodes.find((x) => x.name === name) ?? null;
  const active = [...f.resources.values()].filter((r) => r.activeNodes.includes(name)).map((r) => link(paths.resource(c.name, r.id)));
  return {
    '@odata.id': paths.node(c.name, name),
    '@odata.type': '#HawatchNode.v1_0_0.HawatchNode',
    Id: name,
    Name: name,
    cimClass: 'CIM_ComputerSystem',
    Status: status(state, verdict.health),
    StatusReasons: verdict.reasons,
    Agent: n === null
      ? null
      : {
          Instance: n.agent.instance,
          Version: n.agent.version,
          State: n.agentState,
          LastPush: iso(n.agent.lastSeenMs),
          PushIntervalSeconds: n.agent.intervalMs / 1000,
          LastSequence: n.agent.lastSeq,
        },
    Probes: Object.values(n?.probes ?? {}).map((p) => ({
      Name: p.probe,
      Status: p.status,
      ObservedAt: iso(p.atMs),
      DurationSeconds: p.durationMs / 1000,
      Error: p.error,
    })),
    Pacemaker: {
      SeenBy: pacemakerSeenBy(c, name),
      Type: pcmkNode?.type ?? null,
      IsDesignatedController: c.pacemaker.dcs.some((d) => d.name === name),
    },
    Links: {
      Cluster: link(paths.cluster(c.name)),
      ParticipatingIn: { '@odata.id': paths.cluster(c.name), cimAssociation: 'CIM_ParticipatingCS' },
      Resources: active,
    },
  };
};

// ---- resources

const resourceVerdict = (f: ClusterFacts, r: ResourceSummary): { state: State; verdict: Verdict } => {
  const v = new Verdict();
  const target = r.instances[0]?.targetRole ?? null;
  const disabled = (target ?? '').toLowerCase() === 'stopped';
  if (r.failed) v.add('Critical', `${r.id} has failed`);
  if (r.blocked) v.add('Critical', `${r.id} is blocked`);
  if (!r.active && !disabled) v.add('Critical', `${r.id} is not running (${r.role})`);
  if (!r.managed) v.add('Warning', `${r.id} is unmanaged`);
  if (r.orphaned) v.add('Warning', `${r.id} is orphaned (no longer configured)`);
  if (r.active && !['Started', 'Promoted', 'Unpromoted', 'Master', 'Slave'].includes(r.role)) v.add('Warning', `${r.id} is ${r.role}`);
  if (f.reference) {
    for (const fc of failCountsOf(f.reference.report, r.id)) if (fc.failCount > 0) v.add('Warning', `fail count ${fc.failCount} on ${fc.node}`);
  }
  for (const d of f.disagreements.get(r.id) ?? []) {
    v.add('Warning', d.present ? `${d.reporter} sees ${r.id} ${d.role}${d.nodes.length ? ` on ${d.nodes.join(', ')}` : ''}` : `${d.reporter} does not list ${r.id}`);
  }
  return { state: r.active ? 'Enabled' : disabled ? 'Disabled' : 'UnavailableOffline', verdict: v };
};

export const resourceBody = (f: ClusterFacts, id: string) => {
  const r = f.resources.get(id);
  if (!r || !f.reference) return null;
  const c = f.cluster.name;
  const ref = f.reference;
  const first = r.instances[0];
  const { state, verdict } = resourceVerdict(f, r);
  const fcs = failCountsOf(ref.report, id);
  return {
    '@odata.id': paths.resource(c, id),
    '@odata.type': '#HawatchResource.v1_0_0.HawatchResource',
    Id: id,
    Name: id,
    cimClass: 'CIM_Service',
    Status: status(state, verdict.health),
    StatusReasons: verdict.reasons,
    ResourceAgent: r.agent,
    Role: r.role,
    TargetRole: first?.targetRole ?? null,
    Active: r.active,
    Managed: r.managed,
    Failed: r.failed,
    Blocked: r.blocked,
    Orphaned: r.orphaned,
    Group: first?.group ?? null,
    Clone: first?.clone ?? null,
    Promotable: first?.promotable ?? false,
    FailCount: fcs.reduce((s, x) => s + x.failCount, 0),
    FailCounts: fcs.map((x) => ({ Node: nodeLink(f, x.node), FailCount: x.failCount, MigrationThreshold: x.migrationThreshold })),
    Instances: r.instances.map((x) => ({
      Instance: x.instance,
      Role: x.role,
      Active: x.active,
      Failed: x.failed,
      Blocked: x.blocked,
      Managed: x.managed,
      Nodes: x.nodes.map((n) => nodeLink(f, n)),
    })),
    ReportedBy: nodeLink(f, ref.node.name),
    Disagreements: (f.disagreements.get(id) ?? []).map((d) => ({
      ReportedBy: nodeLink(f, d.reporter),
      Present: d.present,
      Role: d.role,
      Nodes: d.nodes.map((n) => nodeLink(f, n)),
      Failed: d.failed,
      Managed: d.managed,
    })),
    Links: { Cluster: link(paths.cluster(c)), Nodes: r.activeNodes.map((n) => nodeLink(f, n)) },
  };
};

// ---- VRRP, DRBD

export const virtualRouterBody = (f: ClusterFacts, id: string) => {
  const r = f.routers.find((x) => x.id === id);
  if (!r) return null;
  const c = f.cluster.name;
  return {
    '@odata.id': paths.virtualRouter(c, r.id),
    '@odata.type': '#HawatchVirtualRouter.v1_0_0.HawatchVirtualRouter',
    Id: r.id,
    Name: r.names.join(', '),
    cimClass: 'CIM_RedundancySet',
    Status: status('Enabled', r.health),
    StatusReasons: r.reasons,
    VRID: r.vrid,
    Family: r.family,
    Masters: r.masters.map((n) => nodeLink(f, n)),
    Instances: r.instances.map((x) => ({
      Node: nodeLink(f, x.node),
      InstanceName: x.instance.name,
      State: x.instance.state,
      ClaimedState: x.instance.claimedState,
      Priority: x.instance.priority,
      EffectivePriority: x.instance.effectivePriority,
      Interface: x.instance.interface,
      InterfaceUp: x.instance.interfaceUp,
      LastEvent: x.instance.lastEvent,
      ObservedAt: iso(x.atMs),
    })),
    VirtualAddresses: r.vips.map((v) => ({ Address: v.address, Family: v.family, HeldBy: v.heldBy.map((n) => nodeLink(f, n)) })),
    Links: { Cluster: link(paths.cluster(c)) },
  };
};

export const replicatedVolumeBody = (f: ClusterFacts, id: string) => {
  const r = f.volumes.find((x) => x.id === id);
  if (!r) return null;
  const c = f.cluster.name;
  return {
    '@odata.id': paths.replicatedVolume(c, r.id),
    '@odata.type': '#HawatchReplicatedVolume.v1_0_0.HawatchReplicatedVolume',
    Id: r.id,
    Name: r.id,
    cimClass: 'CIM_StorageVolume',
    Status: status('Enabled', r.health),
    StatusReasons: r.reasons,
    Primaries: r.primaries.map((n) => nodeLink(f, n)),
    Replicas: r.replicas.map((x) => ({
      Node: nodeLink(f, x.node),
      Role: x.resource.role,
      DiskStates: x.resource.devices.map((d) => d.diskState),
      Quorum: x.resource.devices.length === 0 || x.resource.devices.some((d) => d.quorum === null) ? null : x.resource.devices.every((d) => d.quorum === true),
      Suspended: x.resource.suspended,
      SplitBrainSeenAt: x.splitBrainSeenAt,
      ObservedAt: iso(x.atMs),
      Peers: x.resource.connections.map((p) => ({
        Peer: p.name,
        PeerNode: f.nodeNames.includes(p.name) ? nodeLink(f, p.name) : null,
        ConnectionState: p.connectionState,
        PeerRole: p.peerRole,
        ReplicationStates: p.peerDevices.map((d) => d.replicationState),
        PeerDiskStates: p.peerDevices.map((d) => d.peerDiskState),
        OutOfSyncBytes: outOfSync(p.peerDevices.map((d) => d.outOfSyncBytes)),
        SyncDonePercent: syncDone(p.peerDevices.map((d) => d.syncDonePercent)),
      })),
    })),
    Links: { Cluster: link(paths.cluster(c)) },
  };
};

export const storageSessionBody = (f: ClusterFacts, id: string) => {
  const r = f.sessions.find((x) => x.id === id);
  if (!r) return null;
  const c = f.cluster.name;
  return {
    '@odata.id': paths.storageSession(c, r.id),
    '@odata.type': '#HawatchStorageSession.v1_0_0.HawatchStorageSession',
    Id: r.id,
    Name: r.id,
    cimClass: 'CIM_iSCSISession',
    Status: status('Enabled', r.health),
    StatusReasons: r.reasons,
    LoggedIn: r.loggedIn.map((n) => nodeLink(f, n)),
    ExpectedOwner: null,
    Nodes: r.perNode.map((n) => ({
      Node: nodeLink(f, n.node),
      Configured: n.records === null ? null : n.records.length > 0,
      ObservedAt: iso(n.atMs),
      Sessions: n.sessions.map((s) => ({
        SID: s.sid,
        SessionState: s.sessionState,
        ConnectionState: s.connectionState,
        Portal: s.address === null ? null : `${s.address.includes(':') ? `[${s.address}]` : s.address}${s.port === null ? '' : `:${s.port}`}`,
        PersistentPortal:
          s.persistentAddress === null ? null : `${s.persistentAddress.includes(':') ? `[${s.persistentAddress}]` : s.persistentAddress}${s.persistentPort === null ? '' : `:${s.persistentPort}`}`,
        Iface: s.iface?.name ?? null,
        Disks: (s.disks ?? []).flatMap((d) => (d.device === null ? [] : [d.device])),
      })),
    })),
    Links: { Cluster: link(paths.cluster(c)) },
  };
};

// ---- cluster

const votesOf = (f: ClusterFacts, members: readonly string[]) => {
  const co = f.corosync.find((x) => members.includes(x.node.name) && x.report.votequorum !== null);
  const vq = co?.report.votequorum;
  if (!co || !vq) return null;
  return {
    Quorate: co.report.quorum.quorate,
    ExpectedVotes: vq.expectedVotes,
    TotalVotes: vq.totalVotes,
    QuorumVotes: vq.quorum,
    Flags: vq.flags,
    ReportedBy: nodeLink(f, co.node.name),
  };
};

const quorumOf = (f: ClusterFacts) => {
  if (f.corosync.length > 0) {
    // The quorate view if there is one, else the view of the largest membership.
    const ranked = [...f.corosync].sort(
      (a, b) => Number(b.report.quorum.quorate) - Number(a.report.quorum.quorate) || (b.report.quorum.nodes ?? 0) - (a.report.quorum.nodes ?? 0) || a.node.name.localeCompare(b.node.name),
    );
    const best = ranked[0];
    if (best) return { Quorate: best.report.quorum.quorate, Source: 'corosync' as const, Votes: votesOf(f, [best.node.name]) };
  }
  if (f.partitions.length > 0 && f.partitions.some((p) => p.withQuorum !== null)) {
    return { Quorate: f.partitions.some((p) => p.withQuorum === true), Source: 'pacemaker' as const, Votes: null };
  }
  return { Quorate: null, Source: null, Votes: null };
};

export const clusterVerdict = (f: ClusterFacts): { own: Verdict; rollup: Health } => {
  const c = f.cluster;
  const own = new Verdict();
  const quorate = c.pacemaker.dcs.filter((d) => d.withQuorum);
  if (quorate.length > 1) own.add('Critical', `${quorate.length} partitions each have a DC with quorum: ${quorate.map((d) => d.name).join(', ')}`);
  else if (c.pacemaker.dcs.length > 0 && quorate.length === 0) own.add('Critical', 'no partition has quorum');
  else if (c.pacemaker.dcs.length > 1) own.add('Warning', `partitioned: DCs ${c.pacemaker.dcs.map((d) => d.name).join(', ')}`);
  const q = quorumOf(f);
  if (q.Source === 'corosync' && q.Quorate === false) own.add('Critical', 'corosync: no member reports quorum');
  const below: Health[] = [
    ...f.nodeNames.map((n) => nodeVerdict(f, n).verdict.health),
    ...[...f.resources.values()].map((r) => resourceVerdict(f, r).verdict.health),
    ...f.routers.map((r) => r.health),
    ...f.volumes.map((r) => r.health),
    ...f.sessions.map((r) => r.health),
  ];
  return { own, rollup: worst([own.health, ...below]) };
};

export const clusterBody = (f: ClusterFacts) => {
  const c = f.cluster;
  const { own, rollup } = clusterVerdict(f);
  return {
    '@odata.id': paths.cluster(c.name),
    '@odata.type': '#HawatchCluster.v1_0_0.HawatchCluster',
    Id: c.name,
    Name: c.name,
    cimClass: 'CIM_Cluster',
    Status: status('Enabled', own.health, rollup),
    StatusReasons: own.reasons,
    Pacemaker: {
      NodesConfigured: c.pacemaker.nodesConfigured,
      DesignatedControllers: c.pacemaker.dcs.map((d) => ({ Name: d.name, WithQuorum: d.withQuorum, ReportedBy: d.reportedBy })),
    },
    ViewFrom: f.reference ? nodeLink(f, f.reference.node.name) : null,
    Quorum: quorumOf(f),
    Partitions: f.partitions.map((p) => ({
      DesignatedController: p.dc === null ? null : nodeLink(f, p.dc),
      WithQuorum: p.withQuorum,
      Members: p.members.map((n) => nodeLink(f, n)),
      SeenOnline: p.seenOnline,
      Votes: votesOf(f, p.members),
    })),
    Nodes: link(paths.nodes(c.name)),
    'Nodes@odata.count': c.nodes.length,
    UnmonitoredNodes: f.nodeNames.filter((n) => !c.nodes.some((x) => x.name === n)).map((n) => nodeLink(f, n)),
    Resources: link(paths.resources(c.name)),
    VirtualRouters: link(paths.virtualRouters(c.name)),
    ReplicatedVolumes: link(paths.replicatedVolumes(c.name)),
    StorageSessions: link(paths.storageSessions(c.name)),
    Events: link(paths.events(c.name)),
  };
};

// ---- collections

export const collectionBody = (id: string, type: string, name: string, description: string, members: string[]) => ({
  '@odata.id': id,
  '@odata.type': `#${type}.${type}`,
  Name: name,
  Description: description,
  Members: members.map(link),
  'Members@odata.count': members.length,
});

export const clusterCollections = {
  nodes: (f: ClusterFacts) =>
    collectionBody(
      paths.nodes(f.cluster.name),
      'HawatchNodeCollection',
      `Nodes of ${f.cluster.name}`,
      'Nodes whose hawatch agent reports to this collector; nodes that only their peers\' reports name are in the cluster\'s UnmonitoredNodes.',
      f.cluster.nodes.map((n) => paths.node(f.cluster.name, n.name)),
    ),
  resources: (f: ClusterFacts) =>
    collectionBody(
      paths.resources(f.cluster.name),
      'HawatchResourceCollection',
      `Resources of ${f.cluster.name}`,
      f.reference ? `Pacemaker resources as ${f.reference.node.name}'s crm_mon shows them (the reference view).` : 'No fresh member reports a running Pacemaker.',
      [...f.resources.keys()].map((r) => paths.resource(f.cluster.name, r)),
    ),
  virtualRouters: (f: ClusterFacts) =>
    collectionBody(
      paths.virtualRouters(f.cluster.name),
      'HawatchVirtualRouterCollection',
      `Virtual routers of ${f.cluster.name}`,
      'VRRP virtual routers from the fresh vrrp reports of the members.',
      f.routers.map((r) => paths.virtualRouter(f.cluster.name, r.id)),
    ),
  replicatedVolumes: (f: ClusterFacts) =>
    collectionBody(
      paths.replicatedVolumes(f.cluster.name),
      'HawatchReplicatedVolumeCollection',
      `Replicated volumes of ${f.cluster.name}`,
      'DRBD resources from the fresh drbd reports of the members.',
      f.volumes.map((r) => paths.replicatedVolume(f.cluster.name, r.id)),
    ),
  storageSessions: (f: ClusterFacts) =>
    collectionBody(
      paths.storageSessions(f.cluster.name),
      'HawatchStorageSessionCollection',
      `Storage sessions of ${f.cluster.name}`,
      'iSCSI targets from the fresh iscsi reports of the members.',
      f.sessions.map((r) => paths.storageSession(f.cluster.name, r.id)),
    ),
};

export const clustersBody = (snap: ModelSnapshot) =>
  collectionBody(paths.clusters, 'HawatchClusterCollection', 'Clusters', 'The clusters whose agents report to this collector.', snap.clusters.map((c) => paths.cluster(c.name)));
