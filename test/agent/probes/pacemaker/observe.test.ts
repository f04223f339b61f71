// Samples and states derived from a report: precedence rules, one-hot encoding, ids, ordering.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLUSTER_STATES,
  NODE_STATES,
  clusterState,
  nodeState,
  pacemakerSamples,
  pacemakerStates,
  resourceState,
  resourceStateId,
} from '../../../../agent/probes/pacemaker/observe.js';
import { parseCrmMonXml } from '../../../../agent/probes/pacemaker/parse.js';
import type { PacemakerNode, PacemakerResource, PacemakerRunning } from '../../../../agent/protocol/pacemaker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'pacemaker');
const golden = (c: string): PacemakerRunning => {
  const r = parseCrmMonXml(readFileSync(join(GOLDEN, c, 'input.xml'), 'utf8'));
  if (!r.ok || !r.value.running) throw new Error(c);
  return r.value;
};

const N = (over: Partial<PacemakerNode> = {}): PacemakerNode => ({
  name: 'n1',
  id: '1',
  online: true,
  standby: false,
  standbyOnFail: false,
  maintenance: false,
  pending: false,
  unclean: false,
  shutdown: false,
  expectedUp: true,
  isDc: false,
  health: 'green',
  type: 'member',
  resourcesRunning: 0,
  ...over,
});

const R = (over: Partial<PacemakerResource> = {}): PacemakerResource => ({
  id: 'r',
  agent: 'ocf:pacemaker:Dummy',
  role: 'Started',
  targetRole: null,
  active: true,
  orphaned: false,
  blocked: false,
  managed: true,
  failed: false,
  failureIgnored: false,
  nodes: ['n1'],
  parents: [],
  clone: null,
  group: null,
  promotable: false,
  instance: null,
  ...over,
});

const nodesMap = (...ns: PacemakerNode[]) => new Map(ns.map((n) => [n.name, n] as const));

describe('node state precedence: unclean > pending > offline > shutdown > maintenance > standby > online', () => {
  it.each([
    [{}, 'online', 'up'],
    [{ standby: true }, 'standby', 'degraded'],
    [{ standbyOnFail: true }, 'standby', 'degraded'],
    [{ standby: true, maintenance: true }, 'maintenance', 'maintenance'],
    [{ maintenance: true, shutdown: true }, 'shutdown', 'degraded'],
    [{ online: false, shutdown: true, maintenance: true }, 'offline', 'down'],
    [{ online: false, pending: true }, 'pending', 'degraded'],
    [{ online: false, pending: true, unclean: true }, 'unclean', 'down'],
    [{ online: true, unclean: true }, 'unclean', 'down'],
  ] as const)('%o → %s / %s', (over, state, availability) => {
    expect(nodeState(N(over))).toEqual({ state, availability });
  });
});

describe('cluster state precedence: not-running > no-dc > no-quorum > maintenance > quorate', () => {
  const base = golden('live-01-healthy');
  it('maps each case', () => {
    expect(clusterState({ running: false, code: 102, message: 'Not connected', errors: [] })).toEqual({ state: 'not-running', availability: 'down' });
    expect(clusterState({ ...base, dc: null, maintenanceMode: true })).toEqual({ state: 'no-dc', availability: 'degraded' });
    expect(clusterState({ ...base, dc: { name: 'node1', id: '1', withQuorum: false }, maintenanceMode: true })).toEqual({ state: 'no-quorum', availability: 'down' });
    expect(clusterState({ ...base, maintenanceMode: true })).toEqual({ state: 'maintenance', availability: 'maintenance' });
    expect(clusterState(base)).toEqual({ state: 'quorate', availability: 'up' });
  });
});

describe('resource state precedence: blocked > failed > unmanaged > inactive > role', () => {
  const nodes = nodesMap(N(), N({ name: 'n2', online: false, unclean: true }), N({ name: 'n3' }));
  it.each([
    [{ blocked: true, failed: true, managed: false }, 'blocked@n1', 'down'],
    [{ failed: true, managed: false }, 'failed@n1', 'down'],
    [{ failed: true, active: false, nodes: [], role: 'Stopped' }, 'failed', 'down'],
    [{ managed: false }, 'unmanaged@n1', 'maintenance'],
    [{ managed: false, active: false, nodes: [], role: 'Stopped' }, 'unmanaged', 'maintenance'],
    [{ active: false, nodes: [], role: 'Stopped', targetRole: 'Stopped' }, 'disabled', 'maintenance'],
    [{ active: false, nodes: [], role: 'Stopped', targetRole: 'stopped' }, 'disabled', 'maintenance'],
    [{ active: false, nodes: [], role: 'Stopped' }, 'Stopped', 'down'],
    [{ role: 'Promoted', promotable: true }, 'Promoted@n1', 'up'],
    [{ role: 'Slave', promotable: true }, 'Slave@n1', 'up'],
    [{ role: 'Starting' }, 'Starting@n1', 'degraded'],
    [{ role: 'Unknown' }, 'Unknown@n1', 'unknown'],
    [{ nodes: ['n2'] }, 'Started@n2', 'unknown'],
    [{ nodes: ['n1', 'n3'] }, 'Started@n1,n3', 'up'],
  ] as const)('%o → %s / %s', (over, state, availability) => {
    expect(resourceState(R(over as Partial<PacemakerResource>), nodes)).toEqual({ state, availability });
  });

  it('keeps the state within the protocol limit for a resource active on very many nodes', () => {
    const many = Array.from({ length: 40 }, (_, i) => `cluster-node-${i}`);
    const s = resourceState(R({ nodes: many }), new Map());
    expect(s.state).toBe('Started@40-nodes');
  });
});

describe('resource state ids', () => {
  it('resource id; CLONE:N for clone instances; CLONE:N/RESOURCE inside cloned groups and bundle replicas', () => {
    expect(resourceStateId(R({ id: 'vip', group: 'g', parents: ['g'] }))).toBe('vip');
    expect(resourceStateId(R({ id: 'stateful', clone: 'stateful-clone', parents: ['stateful-clone'], instance: '2' }))).toBe('stateful-clone:2');
    expect(resourceStateId(R({ id: 'proxy', clone: 'cg', group: 'g:1', parents: ['cg', 'g:1'], instance: '1' }))).toBe('cg:1/proxy');
    expect(resourceStateId(R({ id: 'httpd', parents: ['httpd-bundle'], instance: '0' }))).toBe('httpd-bundle:0/httpd');
  });
});

describe('pacemakerSamples / pacemakerStates', () => {
  it('encodes enums one-hot: exactly one node_state and one cluster_state is 1', () => {
    const r = golden('live-08-node3-crashed-fencing-failing');
    const s = pacemakerSamples(r);
    const cs = s.filter((x) => x.metric === 'hawatch_pacemaker_cluster_state');
    expect(cs.map((x) => x.labels['state']).sort()).toEqual([...CLUSTER_STATES].sort());
    expect(cs.filter((x) => x.value === 1).map((x) => x.labels['state'])).toEqual(['quorate']);
    for (const n of ['node1', 'node2', 'node3']) {
      const ns = s.filter((x) => x.metric === 'hawatch_pacemaker_node_state' && x.labels['pcmk_node'] === n);
      expect(ns).toHaveLength(NODE_STATES.length);
      expect(ns.filter((x) => x.value === 1)).toHaveLength(1);
    }
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_node_state', labels: { pcmk_node: 'node3', state: 'unclean' }, value: 1 });
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_node_unclean', labels: { pcmk_node: 'node3' }, value: 1 });
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_fence_events', labels: { status: 'pending' }, value: 1 });
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_node_fence_events', labels: { pcmk_node: 'node3', status: 'pending' }, value: 1 });
    // Every value is a number: no state strings as values.
    expect(s.every((x) => typeof x.value === 'number' && Number.isFinite(x.value))).toBe(true);
  });

  it('aggregates clone instances per resource id: active per node, promoted per node, instances in total', () => {
    const s = pacemakerSamples(golden('live-01-healthy'));
    const pick = (m: string) => s.filter((x) => x.metric === m && x.labels['resource'] === 'stateful').map((x) => [x.labels['pcmk_node'] ?? '', x.value]);
    expect(pick('hawatch_pacemaker_resource_active')).toEqual([
      ['node1', 1],
      ['node2', 1],
      ['node3', 1],
    ]);
    expect(pick('hawatch_pacemaker_resource_promoted')).toEqual([
      ['node1', 0],
      ['node2', 1],
      ['node3', 0],
    ]);
    expect(pick('hawatch_pacemaker_resource_active_instances')).toEqual([['', 3]]);
  });

  it('reports a stopped resource with active_instances 0 and no resource_active series', () => {
    const s = pacemakerSamples(golden('live-12-quorum-lost'));
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_resource_active_instances', labels: { resource: 'vip_app' }, value: 0 });
    expect(s.some((x) => x.metric === 'hawatch_pacemaker_resource_active' && x.labels['resource'] === 'vip_app')).toBe(false);
  });

  it('keeps running/quorate/cluster_state when Pacemaker is not running (metrics do not vanish)', () => {
    const s = pacemakerSamples({ running: false, code: 102, message: 'Not connected', errors: [] });
    expect(s.filter((x) => x.metric !== 'hawatch_pacemaker_cluster_state')).toEqual([
      { metric: 'hawatch_pacemaker_dc_present', labels: {}, value: 0 },
      { metric: 'hawatch_pacemaker_quorate', labels: {}, value: 0 },
      { metric: 'hawatch_pacemaker_running', labels: {}, value: 0 },
    ]);
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_cluster_state', labels: { state: 'not-running' }, value: 1 });
  });

  it('is deterministic and sorted, whatever the order of nodes, bans and history in the report', () => {
    const r = golden('live-12-quorum-lost');
    const shuffled: PacemakerRunning = {
      ...r,
      nodes: [...r.nodes].reverse(),
      bans: [...r.bans].reverse(),
      fenceHistory: [...r.fenceHistory].reverse(),
      failCounts: [...r.failCounts].reverse(),
    };
    expect(pacemakerSamples(shuffled)).toEqual(pacemakerSamples(r));
    expect(pacemakerStates(shuffled)).toEqual(pacemakerStates(r));
    const st = pacemakerStates(r);
    const keys = st.map((x) => `${x.kind}\u0000${x.id}`);
    expect(keys).toEqual([...keys].sort());
    const sm = pacemakerSamples(r).map((x) => x.metric);
    expect(sm).toEqual([...sm].sort());
  });

  it('gives split-brain evidence: on each side of pcmk2-split-brain its own node is a quorate DC', () => {
    const s = pacemakerSamples(golden('timeline-pcmk2-split-brain-n2-0041'));
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_node_is_dc', labels: { pcmk_node: 'n2' }, value: 1 });
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_quorate', labels: {}, value: 1 });
    expect(s).toContainEqual({ metric: 'hawatch_pacemaker_resource_active', labels: { resource: 'dummy', pcmk_node: 'n2' }, value: 1 });
  });
});
