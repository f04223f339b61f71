// Pure mapping of a corosync report to Prometheus-style samples and per-object states. Enums are one-hot
// gauges with a label or 0/1 gauges (never a state string as a value); output is sorted, so the same report
// always gives the same arrays.
import type { ObjectState, Sample } from '../../protocol/index.js';
import type { CorosyncLink, CorosyncMember, CorosyncReport, CorosyncRunning } from '../../protocol/corosync.js';
import { bool01 as b, oneHot, sampleSet, stateSet, type AddSample, type Availability, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_corosync_';

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const COROSYNC_METRICS: readonly MetricDef[] = [
  { name: `${P}running`, labels: [], help: 'the corosync tools reached corosync on this node (0 = corosync not running here)' },
  { name: `${P}quorum_state`, labels: ['state'], help: 'one-hot: quorate, not-quorate, not-running' },
  { name: `${P}quorate`, labels: [], help: "this node's partition has quorum (0 when corosync is not running)" },
  { name: `${P}activity_blocked`, labels: [], help: 'votequorum says "Activity blocked" (not quorate)' },
  { name: `${P}votes_expected`, labels: [], help: 'expected votes' },
  { name: `${P}votes_highest_expected`, labels: [], help: 'highest expected votes in the cluster' },
  { name: `${P}votes_present`, labels: [], help: 'votes present in this partition, the quorum device included' },
  { name: `${P}votes_quorum`, labels: [], help: 'votes needed for quorum' },
  { name: `${P}quorum_flag`, labels: ['flag'], help: 'votequorum flag set (1) or not (0): 2Node, Quorate, WaitForAll, LastManStanding, AutoTieBreaker, AllowDownscale, Qdevice' },
  { name: `${P}wait_for_all_waiting`, labels: [], help: 'wait_for_all is still holding quorum back (runtime.votequorum.wait_for_all_status; absent when not read)' },
  { name: `${P}members`, labels: [], help: "nodes in this node's current membership" },
  { name: `${P}local_nodeid`, labels: [], help: "this node's corosync node id" },
  { name: `${P}ring_seq`, labels: [], help: 'sequence number of the current ring (membership) id; changes on every membership change' },
  { name: `${P}member_joined`, labels: ['nodeid'], help: 'runtime.members status: joined (1) or left (0)' },
  { name: `${P}member_joins`, labels: ['nodeid'], help: 'times the node joined since this corosync started' },
  { name: `${P}member_votes`, labels: ['nodeid'], help: 'votes of a node in the current membership' },
  { name: `${P}member_qdevice_alive`, labels: ['nodeid'], help: "the node's quorum device client is alive (nodes with a registered device)" },
  { name: `${P}member_qdevice_cast_vote`, labels: ['nodeid'], help: "the node's quorum device casts its vote" },
  { name: `${P}member_qdevice_master_wins`, labels: ['nodeid'], help: "the node's quorum device has master_wins set" },
  { name: `${P}qdevice_votes`, labels: [], help: 'votes the quorum device gives now (0 when it casts none)' },
  { name: `${P}qdevice_votes_configured`, labels: [], help: "the quorum device's configured votes" },
  { name: `${P}links`, labels: [], help: 'links (knet) or rings (2.x) corosync-cfgtool shows' },
  { name: `${P}link_connected`, labels: ['nodeid', 'link'], help: 'link to a peer node is connected' },
  { name: `${P}peer_links_connected`, labels: ['nodeid'], help: 'connected links to a peer node (0 = unreachable)' },
  { name: `${P}ring_faulty`, labels: ['link'], help: 'corosync 2.x ring marked FAULTY' },
];

export const QUORUM_STATES = ['quorate', 'not-quorate', 'not-running'] as const;
export type QuorumState = (typeof QUORUM_STATES)[number];
/** The flags corosync-quorumtool prints (2.4-3.1); others it prints get a series too. */
export const QUORUM_FLAGS = ['2Node', 'Quorate', 'WaitForAll', 'LastManStanding', 'AutoTieBreaker', 'AllowDownscale', 'Qdevice'] as const;

export const quorumState = (r: CorosyncReport): { state: QuorumState; availability: Availability } => {
  if (!r.running) return { state: 'not-running', availability: 'down' };
  return r.quorum.quorate ? { state: 'quorate', availability: 'up' } : { state: 'not-quorate', availability: 'down' };
};

export const memberState = (m: CorosyncMember): { state: string; availability: Availability } => {
  if (m.status === 'joined') return { state: 'joined', availability: 'up' };
  if (m.status === 'left') return { state: 'left', availability: 'down' };
  return { state: m.status.slice(0, 128) || 'unknown', availability: 'unknown' };
};

/** Object id of one peer on one link: `node<ID>:link<N>`. */
export const linkStateId = (nodeId: number, linkId: number): string => `node${nodeId}:link${linkId}`;

const peerState = (status: string): { state: string; availability: Availability } => {
  if (status === 'connected') return { state: 'connected', availability: 'up' };
  if (status === 'disconnected') return { state: 'disconnected', availability: 'down' };
  // "knet error", "config error" (3.0.4-3.1.0): the link's state is not known.
  return { state: status.slice(0, 128), availability: 'unknown' };
};

/** Peer links: every node but the local one, on every link that lists nodes. */
const peerLinks = (r: CorosyncRunning): { link: CorosyncLink; nodeId: number; status: string; connected: boolean }[] =>
  r.links.flatMap((link) =>
    link.peers.filter((p) => !p.local && p.nodeId !== r.localNodeId).map((p) => ({ link, nodeId: p.nodeId, status: p.status, connected: p.connected })),
  );

const runningSamples = (r: CorosyncRunning, add: AddSample): void => {
  const vq = r.votequorum;
  if (vq) {
    add('activity_blocked', b(vq.activityBlocked));
    add('votes_expected', vq.expectedVotes);
    add('votes_highest_expected', vq.highestExpected);
    add('votes_present', vq.totalVotes);
    add('votes_quorum', vq.quorum);
    for (const f of new Set<string>([...QUORUM_FLAGS, ...vq.flags])) add('quorum_flag', b(vq.flags.includes(f)), { flag: f });
  }
  if (r.runtime?.waitForAllStatus != null) add('wait_for_all_waiting', b(r.runtime.waitForAllStatus));
  add('members', r.quorum.nodes ?? r.members.filter((m) => m.inQuorumMembership).length);
  if (r.localNodeId !== null) add('local_nodeid', r.localNodeId);
  if (r.quorum.ringSeq !== null) add('ring_seq', r.quorum.ringSeq);

  for (const m of r.members) {
    const l = { nodeid: String(m.nodeId) };
    if (m.status === 'joined' || m.status === 'left') add('member_joined', b(m.status === 'joined'), l);
    if (m.joinCount !== null) add('member_joins', m.joinCount, l);
    if (m.votes !== null) add('member_votes', m.votes, l);
    if (m.qdevice?.registered) {
      add('member_qdevice_alive', b(m.qdevice.alive), l);
      add('member_qdevice_cast_vote', b(m.qdevice.castVote), l);
      add('member_qdevice_master_wins', b(m.qdevice.masterWins), l);
    }
  }
  if (r.qdevice) {
    add('qdevice_votes', r.qdevice.votes);
    add('qdevice_votes_configured', r.qdevice.configuredVotes);
  }

  add('links', r.links.length);
  const perPeer = new Map<number, number>();
  for (const p of peerLinks(r)) {
    add('link_connected', b(p.connected), { nodeid: String(p.nodeId), link: String(p.link.linkId) });
    perPeer.set(p.nodeId, (perPeer.get(p.nodeId) ?? 0) + b(p.connected));
  }
  for (const [nodeId, n] of perPeer) add('peer_links_connected', n, { nodeid: String(nodeId) });
  for (const link of r.links) if (link.faulty !== null) add('ring_faulty', b(link.faulty), { link: String(link.linkId) });
};

/** Samples for one report, sorted by metric then labels; no duplicates. */
export const corosyncSamples = (r: CorosyncReport): Sample[] => {
  const { add, samples } = sampleSet(P);
  add('running', b(r.running));
  oneHot(add, 'quorum_state', QUORUM_STATES, quorumState(r).state);
  add('quorate', b(r.running && r.quorum.quorate));
  if (r.running) runningSamples(r, add);
  return samples();
};

/** Object states: the quorum, each member (by node id), each peer link (`node<ID>:link<N>`) or 2.x ring (`link<N>`). */
export const corosyncStates = (r: CorosyncReport): ObjectState[] => {
  const { put: push, states } = stateSet();
  push({ kind: 'corosync_quorum', id: 'quorum', ...quorumState(r) });
  if (r.running) {
    for (const m of r.members) push({ kind: 'corosync_member', id: String(m.nodeId), ...memberState(m) });
    for (const p of peerLinks(r)) push({ kind: 'corosync_link', id: linkStateId(p.nodeId, p.link.linkId), ...peerState(p.status) });
    for (const link of r.links) {
      if (link.faulty === null) continue;
      push({ kind: 'corosync_link', id: `link${link.linkId}`, ...(link.faulty ? { state: 'faulty', availability: 'down' as const } : { state: 'active', availability: 'up' as const }) });
    }
  }
  return states();
};
