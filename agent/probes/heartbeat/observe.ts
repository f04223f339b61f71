// Pure mapping of a heartbeat report to Prometheus-style samples and per-object states. Enums are one-hot
// gauges with a label or 0/1 gauges (never a state string as a value); output is sorted.
import type { ObjectState, Sample } from '../../protocol/index.js';
import type { HeartbeatNode, HeartbeatReport, HeartbeatRunning } from '../../protocol/heartbeat.js';
import { bool01 as b, oneHot, sampleSet, sortStates, type AddSample, type Availability, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_heartbeat_';

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const HEARTBEAT_METRICS: readonly MetricDef[] = [
  { name: `${P}running`, labels: [], help: 'heartbeat runs on this node (0 = "Heartbeat is stopped on this machine.")' },
  { name: `${P}nodes`, labels: [], help: 'nodes in the cluster (ha.cf node lines and ping nodes)' },
  { name: `${P}node_status`, labels: ['hb_node', 'status'], help: "one-hot node status as this node sees it: active, up, init, dead, ping" },
  { name: `${P}node_alive`, labels: ['hb_node'], help: 'heard from the node (active, up, init, ping) = 1; dead = 0' },
  { name: `${P}node_ping`, labels: ['hb_node'], help: 'node type is ping (1) or normal (0)' },
  { name: `${P}link_up`, labels: ['hb_node', 'link'], help: 'heartbeat link to a peer node is up (links to the local node are not tracked)' },
  { name: `${P}node_links_up`, labels: ['hb_node'], help: 'links to a peer node that are up (0 = no heartbeat from it)' },
  { name: `${P}resources`, labels: ['holds'], help: 'one-hot haresources groups held here (rscstatus): none, local, foreign, all, transition' },
  { name: `${P}keepalive_seconds`, labels: [], help: 'keepalive interval (ha.cf keepalive)' },
  { name: `${P}deadtime_seconds`, labels: [], help: 'time after which a silent node is declared dead (ha.cf deadtime)' },
];

export const NODE_STATUSES = ['active', 'up', 'init', 'dead', 'ping'] as const;
export const RESOURCE_HOLDS = ['none', 'local', 'foreign', 'all', 'transition'] as const;
const ALIVE = new Set(['active', 'up', 'init', 'ping']);

/** active and ping (a reachable ping node) are up; up/init (heard, not yet active) degraded; dead down. */
export const nodeState = (n: HeartbeatNode): { state: string; availability: Availability } => {
  switch (n.status) {
    case 'active':
    case 'ping':
      return { state: n.status, availability: 'up' };
    case 'up':
    case 'init':
      return { state: n.status, availability: 'degraded' };
    case 'dead':
      return { state: 'dead', availability: 'down' };
    default:
      return { state: n.status.slice(0, 128) || 'unknown', availability: 'unknown' };
  }
};

const linkState = (status: string): { state: string; availability: Availability } => {
  if (status === 'up') return { state: 'up', availability: 'up' };
  if (status === 'dead') return { state: 'dead', availability: 'down' };
  return { state: status.slice(0, 128), availability: 'unknown' };
};

/** Object id of one link: `NODE:LINK`. */
export const linkStateId = (node: string, link: string): string => `${node}:${link}`;

const runningSamples = (r: HeartbeatRunning, add: AddSample): void => {
  add('nodes', r.nodes.length);
  for (const n of r.nodes) {
    const l = { hb_node: n.name };
    oneHot(add, 'node_status', NODE_STATUSES, n.status, l, 'status');
    if (n.status !== 'unknown') add('node_alive', b(ALIVE.has(n.status)), l);
    if (n.type !== null) add('node_ping', b(n.type === 'ping'), l);
    const known = n.links.filter((x): x is { name: string; status: string } => x.status !== null);
    for (const link of known) add('link_up', b(link.status === 'up'), { ...l, link: link.name });
    if (!n.local && known.length > 0) add('node_links_up', known.filter((x) => x.status === 'up').length, l);
  }
  if (r.resources !== null) oneHot(add, 'resources', RESOURCE_HOLDS, r.resources, {}, 'holds');
  if (r.keepaliveSeconds !== null) add('keepalive_seconds', r.keepaliveSeconds);
  if (r.deadtimeSeconds !== null) add('deadtime_seconds', r.deadtimeSeconds);
};

/** Samples for one report, sorted by metric then labels; no duplicates. */
export const heartbeatSamples = (r: HeartbeatReport): Sample[] => {
  const { add, samples } = sampleSet(P);
  add('running', b(r.running));
  if (r.running) runningSamples(r, add);
  return samples();
};

/** Object states: the daemon, each node, each link to a peer (`NODE:LINK`). Sorted by kind, then id. */
export const heartbeatStates = (r: HeartbeatReport): ObjectState[] => {
  const out: ObjectState[] = [
    r.running ? { kind: 'heartbeat_daemon', id: 'heartbeat', state: 'running', availability: 'up' } : { kind: 'heartbeat_daemon', id: 'heartbeat', state: 'stopped', availability: 'down' },
  ];
  if (r.running) {
    const seen = new Set<string>();
    for (const n of r.nodes) {
      if (seen.has(`n\u0000${n.name}`)) continue;
      seen.add(`n\u0000${n.name}`);
      out.push({ kind: 'heartbeat_node', id: n.name, ...nodeState(n) });
      for (const link of n.links) {
        const id = linkStateId(n.name, link.name);
        if (link.status === null || seen.has(`l\u0000${id}`)) continue;
        seen.add(`l\u0000${id}`);
        out.push({ kind: 'heartbeat_link', id, ...linkState(link.status) });
      }
    }
  }
  return sortStates(out);
};
