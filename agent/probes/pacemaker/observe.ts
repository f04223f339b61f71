// Pure mapping of a pacemaker report to Prometheus-style samples and per-object states.
// Enums are one-hot gauges with a label (never a state string as a value); output is sorted so that
// the same report always gives the same arrays.
import type { ObjectState, Sample } from '../../protocol/index.js';
import type { PacemakerNode, PacemakerReport, PacemakerResource, PacemakerRunning } from '../../protocol/pacemaker.js';
import { bool01 as b, oneHot, sampleSet, sortStates, type AddSample, type Availability, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_pacemaker_';

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const PACEMAKER_METRICS: readonly MetricDef[] = [
  { name: `${P}running`, labels: [], help: 'crm_mon reached the cluster on this node (0 = Pacemaker not running here)' },
  { name: `${P}cluster_state`, labels: ['state'], help: 'one-hot cluster state as this node sees it: quorate, maintenance, no-quorum, no-dc, not-running' },
  { name: `${P}dc_present`, labels: [], help: 'this node knows a DC' },
  { name: `${P}quorate`, labels: [], help: 'this node knows a DC and its partition has quorum' },
  { name: `${P}maintenance_mode`, labels: [], help: 'cluster property maintenance-mode is on' },
  { name: `${P}stop_all_resources`, labels: [], help: 'cluster property stop-all-resources is on' },
  { name: `${P}fencing_enabled`, labels: [], help: 'stonith-enabled / fencing-enabled (absent when not printed)' },
  { name: `${P}no_quorum_policy`, labels: ['policy'], help: 'one-hot no-quorum-policy (absent when not printed)' },
  { name: `${P}nodes_configured`, labels: [], help: 'nodes configured' },
  { name: `${P}resources_configured`, labels: [], help: 'resource instances configured' },
  { name: `${P}resources_disabled`, labels: [], help: 'resource instances disabled' },
  { name: `${P}resources_blocked`, labels: [], help: 'resource instances blocked' },
  { name: `${P}node_state`, labels: ['pcmk_node', 'state'], help: 'one-hot node state (see README for precedence)' },
  { name: `${P}node_online`, labels: ['pcmk_node'], help: 'node is online' },
  { name: `${P}node_standby`, labels: ['pcmk_node'], help: 'node is in standby' },
  { name: `${P}node_standby_on_fail`, labels: ['pcmk_node'], help: 'node was put in standby by an on-fail=standby failure' },
  { name: `${P}node_maintenance`, labels: ['pcmk_node'], help: 'node is in maintenance' },
  { name: `${P}node_pending`, labels: ['pcmk_node'], help: 'node is pending (joining)' },
  { name: `${P}node_unclean`, labels: ['pcmk_node'], help: 'node is unclean (needs fencing)' },
  { name: `${P}node_shutdown`, labels: ['pcmk_node'], help: 'node is shutting down' },
  { name: `${P}node_expected_up`, labels: ['pcmk_node'], help: 'node is expected up' },
  { name: `${P}node_is_dc`, labels: ['pcmk_node'], help: 'node is the DC' },
  { name: `${P}node_resources_running`, labels: ['pcmk_node'], help: 'resource instances active on the node' },
  { name: `${P}node_health`, labels: ['pcmk_node', 'health'], help: 'one-hot node health green/yellow/red (absent when not printed)' },
  { name: `${P}resource_active`, labels: ['resource', 'pcmk_node'], help: 'instances of the resource active on the node (only nodes where > 0)' },
  { name: `${P}resource_promoted`, labels: ['resource', 'pcmk_node'], help: 'promotable clone instance on the node is promoted (1) or unpromoted (0)' },
  { name: `${P}resource_active_instances`, labels: ['resource'], help: 'active instances of the resource on all nodes (0 = stopped)' },
  { name: `${P}resource_failed`, labels: ['resource'], help: 'some instance of the resource is failed' },
  { name: `${P}resource_blocked`, labels: ['resource'], help: 'some instance of the resource is blocked' },
  { name: `${P}resource_managed`, labels: ['resource'], help: 'every instance of the resource is managed' },
  { name: `${P}resource_disabled`, labels: ['resource'], help: 'target-role is Stopped' },
  { name: `${P}fail_count`, labels: ['resource', 'pcmk_node'], help: 'fail count of the resource on the node (INFINITY = 1000000)' },
  { name: `${P}migration_threshold`, labels: ['resource', 'pcmk_node'], help: 'migration-threshold next to a fail count (INFINITY = 1000000)' },
  { name: `${P}failed_actions`, labels: [], help: 'failed resource actions listed by crm_mon' },
  { name: `${P}fence_events`, labels: ['status'], help: 'fencing history entries by status: success, failed, pending' },
  { name: `${P}node_fence_events`, labels: ['pcmk_node', 'status'], help: 'fencing history entries targeting the node, by status' },
  { name: `${P}ticket_granted`, labels: ['ticket'], help: 'ticket is granted' },
  { name: `${P}ticket_standby`, labels: ['ticket'], help: 'ticket is in standby' },
  { name: `${P}bans`, labels: [], help: 'location constraints that ban a resource from a node' },
  { name: `${P}ban_weight`, labels: ['ban', 'resource', 'pcmk_node'], help: 'weight of the ban (-INFINITY = -1000000)' },
];

export const NODE_STATES = ['online', 'standby', 'maintenance', 'shutdown', 'pending', 'offline', 'unclean'] as const;
export type NodeState = (typeof NODE_STATES)[number];
export const CLUSTER_STATES = ['quorate', 'maintenance', 'no-quorum', 'no-dc', 'not-running'] as const;
export type ClusterState = (typeof CLUSTER_STATES)[number];
export const FENCE_STATUSES = ['success', 'failed', 'pending'] as const;
const HEALTHS = ['green', 'yellow', 'red'] as const;
const NO_QUORUM_POLICIES = ['stop', 'freeze', 'ignore', 'demote', 'fence', 'suicide'] as const;

const PROMOTED_ROLES = new Set(['Promoted', 'Master']);
const UNPROMOTED_ROLES = new Set(['Unpromoted', 'Slave']);
const STEADY_ROLES = new Set(['Started', 'Promoted', 'Unpromoted', 'Master', 'Slave']);

/** Node state, first match wins: unclean > pending > offline > shutdown > maintenance > standby > online. */
export const nodeState = (n: PacemakerNode): { state: NodeState; availability: Availability } => {
  if (n.unclean) return { state: 'unclean', availability: 'down' };
  if (n.pending) return { state: 'pending', availability: 'degraded' };
  if (!n.online) return { state: 'offline', availability: 'down' };
  if (n.shutdown) return { state: 'shutdown', availability: 'degraded' };
  if (n.maintenance) return { state: 'maintenance', availability: 'maintenance' };
  if (n.standby || n.standbyOnFail) return { state: 'standby', availability: 'degraded' };
  return { state: 'online', availability: 'up' };
};

/** Cluster state, first match wins: not-running > no-dc > no-quorum > maintenance > quorate. */
export const clusterState = (r: PacemakerReport): { state: ClusterState; availability: Availability } => {
  if (!r.running) return { state: 'not-running', availability: 'down' };
  if (r.dc === null) return { state: 'no-dc', availability: 'degraded' };
  if (!r.dc.withQuorum) return { state: 'no-quorum', availability: 'down' };
  if (r.maintenanceMode) return { state: 'maintenance', availability: 'maintenance' };
  return { state: 'quorate', availability: 'up' };
};

/**
 * The object id of a resource (instance): the resource id; for an instance of a clone `CLONE:N`; for a member
 * of a cloned group or of a bundle replica `CLONE:N/RESOURCE`.
 */
export const resourceStateId = (r: PacemakerResource): string => {
  if (r.instance === null) return r.id;
  const outer = r.clone ?? r.parents[0] ?? r.id;
  const direct = r.clone !== null && r.parents[r.parents.length - 1] === r.clone;
  return direct ? `${outer}:${r.instance}` : `${outer}:${r.instance}/${r.id}`;
};

/**
 * Resource state, first match wins: blocked > failed > unmanaged > inactive (disabled | role) > role.
 * `@NODES` is appended where the instance is active. A resource active only on nodes that are offline or
 * unclean is "unknown": crm_mon repeats the last known state until the node is fenced.
 */
export const resourceState = (
  r: PacemakerResource,
  nodes: ReadonlyMap<string, PacemakerNode>,
): { state: string; availability: Availability } => {
  const list = `@${r.nodes.join(',')}`;
  // ObjectState.state holds at most 128 characters; a resource active on many nodes gets a count instead.
  const at = r.nodes.length === 0 ? '' : list.length <= 100 ? list : `@${r.nodes.length}-nodes`;
  const lost =
    r.nodes.length > 0 &&
    r.nodes.every((name) => {
      const n = nodes.get(name);
      return n !== undefined && (n.unclean || !n.online);
    });
  if (r.blocked) return { state: `blocked${at}`, availability: 'down' };
  if (r.failed) return { state: `failed${at}`, availability: 'down' };
  if (!r.managed) return { state: `unmanaged${at}`, availability: 'maintenance' };
  if (!r.active || r.nodes.length === 0) {
    if ((r.targetRole ?? '').toLowerCase() === 'stopped') return { state: 'disabled', availability: 'maintenance' };
    return { state: r.role === 'Started' ? 'Stopped' : r.role, availability: r.role === 'Unknown' ? 'unknown' : 'down' };
  }
  if (lost) return { state: `${r.role}${at}`, availability: 'unknown' };
  if (STEADY_ROLES.has(r.role)) return { state: `${r.role}${at}`, availability: 'up' };
  if (r.role === 'Unknown') return { state: `${r.role}${at}`, availability: 'unknown' };
  // Starting, Stopping, Migrating, Promoting, Demoting ...: on its way somewhere.
  return { state: `${r.role}${at}`, availability: 'degraded' };
};

const clusterSamples = (r: PacemakerReport, add: AddSample): void => {
  oneHot(add, 'cluster_state', CLUSTER_STATES, clusterState(r).state);
  add('running', b(r.running));
  add('dc_present', b(r.running && r.dc !== null));
  add('quorate', b(r.running && r.dc !== null && r.dc.withQuorum));
};

const runningSamples = (r: PacemakerRunning, add: AddSample): void => {
  add('maintenance_mode', b(r.maintenanceMode));
  add('stop_all_resources', b(r.stopAllResources));
  if (r.fencingEnabled !== null) add('fencing_enabled', b(r.fencingEnabled));
  if (r.noQuorumPolicy !== null) oneHot(add, 'no_quorum_policy', NO_QUORUM_POLICIES, r.noQuorumPolicy, {}, 'policy');
  add('nodes_configured', r.nodesConfigured);
  add('resources_configured', r.resourcesConfigured);
  add('resources_disabled', r.resourcesDisabled);
  add('resources_blocked', r.resourcesBlocked);

  for (const n of r.nodes) {
    const l = { pcmk_node: n.name };
    oneHot(add, 'node_state', NODE_STATES, nodeState(n).state, l);
    add('node_online', b(n.online), l);
    add('node_standby', b(n.standby), l);
    add('node_standby_on_fail', b(n.standbyOnFail), l);
    add('node_maintenance', b(n.maintenance), l);
    add('node_pending', b(n.pending), l);
    add('node_unclean', b(n.unclean), l);
    add('node_shutdown', b(n.shutdown), l);
    add('node_expected_up', b(n.expectedUp), l);
    add('node_is_dc', b(n.isDc), l);
    add('node_resources_running', n.resourcesRunning, l);
    if (n.health !== null) oneHot(add, 'node_health', HEALTHS, n.health, l, 'health');
  }

  // Per resource id, over all its instances: the label is the id crm_mon prints (an anonymous clone's
  // instances share it), so a series stays put when an instance moves.
  const byId = new Map<string, PacemakerResource[]>();
  for (const res of r.resources) byId.set(res.id, [...(byId.get(res.id) ?? []), res]);
  for (const [id, list] of byId) {
    const l = { resource: id };
    const perNode = new Map<string, number>();
    const promoted = new Map<string, number>();
    let active = 0;
    for (const res of list) {
      if (!res.active) continue;
      for (const node of res.nodes) {
        active++;
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
        if (res.promotable && (PROMOTED_ROLES.has(res.role) || UNPROMOTED_ROLES.has(res.role))) {
          promoted.set(node, Math.max(promoted.get(node) ?? 0, b(PROMOTED_ROLES.has(res.role))));
        }
      }
    }
    for (const [node, v] of perNode) add('resource_active', v, { ...l, pcmk_node: node });
    for (const [node, v] of promoted) add('resource_promoted', v, { ...l, pcmk_node: node });
    add('resource_active_instances', active, l);
    add('resource_failed', b(list.some((x) => x.failed)), l);
    add('resource_blocked', b(list.some((x) => x.blocked)), l);
    add('resource_managed', b(list.every((x) => x.managed)), l);
    add('resource_disabled', b(list.some((x) => (x.targetRole ?? '').toLowerCase() === 'stopped')), l);
  }

  for (const f of r.failCounts) {
    const l = { resource: f.resource, pcmk_node: f.node };
    add('fail_count', f.failCount, l);
    if (f.migrationThreshold !== null) add('migration_threshold', f.migrationThreshold, l);
  }
  add('failed_actions', r.failedActions.length);

  for (const s of FENCE_STATUSES) add('fence_events', r.fenceHistory.filter((e) => e.status === s).length, { status: s });
  const targets = [...new Set(r.fenceHistory.map((e) => e.target))];
  for (const t of targets) {
    for (const s of FENCE_STATUSES) {
      add('node_fence_events', r.fenceHistory.filter((e) => e.target === t && e.status === s).length, { pcmk_node: t, status: s });
    }
  }

  for (const t of r.tickets) {
    add('ticket_granted', b(t.granted), { ticket: t.id });
    add('ticket_standby', b(t.standby), { ticket: t.id });
  }
  add('bans', r.bans.length);
  for (const ban of r.bans) add('ban_weight', ban.weight, { ban: ban.id, resource: ban.resource, pcmk_node: ban.node });
};

/** Samples for one report, sorted by metric then labels; no duplicates. */
export const pacemakerSamples = (r: PacemakerReport): Sample[] => {
  // A repeated series (a node listed twice in odd output) keeps its first value: no duplicate series.
  const { add, samples } = sampleSet(P);
  clusterSamples(r, add);
  if (r.running) runningSamples(r, add);
  return samples();
};

/** Object states for one report: the cluster, each node, each resource instance. Sorted by kind then id. */
export const pacemakerStates = (r: PacemakerReport): ObjectState[] => {
  const out: ObjectState[] = [{ kind: 'pcmk_cluster', id: 'cluster', ...clusterState(r) }];
  if (r.running) {
    const nodes = new Map(r.nodes.map((n) => [n.name, n] as const));
    const seen = new Set<string>();
    for (const n of r.nodes) {
      if (seen.has(`n\u0000${n.name}`)) continue;
      seen.add(`n\u0000${n.name}`);
      out.push({ kind: 'pcmk_node', id: n.name, ...nodeState(n) });
    }
    for (const res of r.resources) {
      // Ids are unique in normal output; `--group-by-node` output can repeat one, so number repeats.
      const base = resourceStateId(res);
      let id = base;
      for (let i = 2; seen.has(`r\u0000${id}`); i++) id = `${base}~${i}`;
      seen.add(`r\u0000${id}`);
      out.push({ kind: 'pcmk_resource', id, ...resourceState(res, nodes) });
    }
  }
  return sortStates(out);
};
