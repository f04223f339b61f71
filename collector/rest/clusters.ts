// CIM-like, Redfish-flavoured read views of the model: /api/v1, Clusters and their Nodes.
// Each answer is built from one model snapshot. The REST issue widens this tree; the shapes here are its start.
import type { FastifyInstance } from 'fastify';
import type { ClusterModel, ClusterView, NodeView } from '../model/model.js';
import type { PacemakerReport } from '../../agent/protocol/index.js';
import { ApiError } from './errors.js';

type Health = 'OK' | 'Warning' | 'Critical';
const worst = (hs: Health[]): Health => (hs.includes('Critical') ? 'Critical' : hs.includes('Warning') ? 'Warning' : 'OK');

const base = '/api/v1';
const clusterPath = (c: string) => `${base}/Clusters/${encodeURIComponent(c)}`;
const nodePath = (c: string, n: string) => `${clusterPath(c)}/Nodes/${encodeURIComponent(n)}`;

/** How each fresh reporter sees `node` in its crm_mon output; the collector's value is in comparing them. */
const pacemakerSeenBy = (cluster: ClusterView, node: string): Record<string, string> => {
  const seen: Record<string, string> = {};
  for (const reporter of cluster.nodes) {
    if (reporter.agentState !== 'up') continue;
    const p = reporter.probes['pacemaker'];
    if (!p || p.status !== 'ok' || p.report === null) continue;
    const r = p.report as PacemakerReport;
    if (!r.running) {
      if (reporter.name === node) seen[reporter.name] = 'cluster-stack-down';
      continue;
    }
    const n = r.nodes.find((x) => x.name === node);
    if (!n) continue;
    seen[reporter.name] = n.unclean
      ? 'unclean'
      : !n.online
        ? n.pending ? 'pending' : 'offline'
        : n.maintenance ? 'maintenance' : n.standby ? 'standby' : 'online';
  }
  return seen;
};

const nodeHealth = (cluster: ClusterView, n: NodeView): { health: Health; state: string; reasons: string[] } => {
  const reasons: string[] = [];
  if (n.agentState === 'stale') return { health: 'Critical', state: 'UnavailableOffline', reasons: ['agent silent: its data is unknown'] };
  const hs: Health[] = [];
  for (const p of Object.values(n.probes)) {
    if (p.status === 'failed' || p.status === 'timeout') {
      hs.push('Warning');
      reasons.push(`probe ${p.probe}: ${p.status}${p.error ? ` (${p.error.code})` : ''}`);
    }
  }
  const views = Object.entries(pacemakerSeenBy(cluster, n.name));
  for (const [by, v] of views) {
    if (v === 'online') continue;
    hs.push(v === 'standby' || v === 'maintenance' ? 'Warning' : 'Critical');
    reasons.push(`${by} sees ${n.name} ${v}`);
  }
  return { health: worst(hs), state: 'Enabled', reasons };
};

const nodeResource = (cluster: ClusterView, n: NodeView) => {
  const h = nodeHealth(cluster, n);
  return {
    '@odata.id': nodePath(cluster.name, n.name),
    '@odata.type': '#HawatchNode.v1_0_0.HawatchNode',
    cimClass: 'CIM_ComputerSystem',
    Id: n.name,
    Name: n.name,
    Status: { State: h.state, Health: h.health, HealthRollup: h.health },
    StatusReasons: h.reasons,
    Agent: {
      Instance: n.agent.instance,
      Version: n.agent.version,
      State: n.agentState,
      LastPush: new Date(n.agent.lastSeenMs).toISOString(),
      PushIntervalSeconds: n.agent.intervalMs / 1000,
      LastSequence: n.agent.lastSeq,
    },
    Probes: Object.values(n.probes).map((p) => ({
      Name: p.probe,
      Status: p.status,
      ObservedAt: new Date(p.atMs).toISOString(),
      DurationSeconds: p.durationMs / 1000,
      Error: p.error,
    })),
    Pacemaker: { SeenBy: pacemakerSeenBy(cluster, n.name) },
    Links: { Cluster: { '@odata.id': clusterPath(cluster.name) }, ParticipatingIn: { '@odata.id': clusterPath(cluster.name), cimAssociation: 'CIM_ParticipatingCS' } },
  };
};

const clusterResource = (c: ClusterView) => {
  const nodeHealths = c.nodes.map((n) => nodeHealth(c, n).health);
  const quorateDcs = c.pacemaker.dcs.filter((d) => d.withQuorum);
  const own: Health = quorateDcs.length > 1 ? 'Critical' : c.pacemaker.dcs.length > 0 && quorateDcs.length === 0 ? 'Critical' : 'OK';
  return {
    '@odata.id': clusterPath(c.name),
    '@odata.type': '#HawatchCluster.v1_0_0.HawatchCluster',
    cimClass: 'CIM_Cluster',
    Id: c.name,
    Name: c.name,
    Status: { State: 'Enabled', Health: own, HealthRollup: worst([own, ...nodeHealths]) },
    Pacemaker: {
      NodesConfigured: c.pacemaker.nodesConfigured,
      DesignatedControllers: c.pacemaker.dcs.map((d) => ({ Name: d.name, WithQuorum: d.withQuorum, ReportedBy: d.reportedBy })),
    },
    Nodes: { '@odata.id': `${clusterPath(c.name)}/Nodes` },
    'Nodes@odata.count': c.nodes.length,
  };
};

const findCluster = (model: ClusterModel, name: string): ClusterView => {
  const c = model.snapshot().clusters.find((x) => x.name === name);
  if (!c) throw new ApiError(404, 'hawatch.rest.not_found', `no cluster named ${name}`);
  return c;
};

export const registerClusterRoutes = (app: FastifyInstance, model: ClusterModel): void => {
  const read = { config: { role: 'read' as const } };
  app.get(base, read, async () => ({
    '@odata.id': base,
    '@odata.type': '#ServiceRoot.v1_0_0.ServiceRoot',
    Id: 'hawatch',
    Name: 'hawatch collector',
    Clusters: { '@odata.id': `${base}/Clusters` },
  }));
  app.get(`${base}/Clusters`, read, async () => {
    const clusters = model.snapshot().clusters;
    return {
      '@odata.id': `${base}/Clusters`,
      '@odata.type': '#HawatchClusterCollection.HawatchClusterCollection',
      Name: 'Clusters',
      Members: clusters.map((c) => ({ '@odata.id': clusterPath(c.name) })),
      'Members@odata.count': clusters.length,
    };
  });
  app.get<{ Params: { cluster: string } }>(`${base}/Clusters/:cluster`, read, async (req) => clusterResource(findCluster(model, req.params.cluster)));
  app.get<{ Params: { cluster: string } }>(`${base}/Clusters/:cluster/Nodes`, read, async (req) => {
    const c = findCluster(model, req.params.cluster);
    return {
      '@odata.id': `${clusterPath(c.name)}/Nodes`,
      '@odata.type': '#HawatchNodeCollection.HawatchNodeCollection',
      Name: `Nodes of ${c.name}`,
      Members: c.nodes.map((n) => ({ '@odata.id': nodePath(c.name, n.name) })),
      'Members@odata.count': c.nodes.length,
    };
  });
  app.get<{ Params: { cluster: string; node: string } }>(`${base}/Clusters/:cluster/Nodes/:node`, read, async (req) => {
    const c = findCluster(model, req.params.cluster);
    const n = c.nodes.find((x) => x.name === req.params.node);
    if (!n) throw new ApiError(404, 'hawatch.rest.not_found', `no node named ${req.params.node} in cluster ${c.name}`);
    return nodeResource(c, n);
  });
};
