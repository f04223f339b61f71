// What the corosync probe reports: one node's view of corosync membership, links and votequorum, read from
// `corosync-quorumtool -s`, `corosync-cfgtool -s` and `corosync-cmapctl -b runtime.members` (corosync 2.x and 3.x).
// This schema is part of the push protocol: the collector validates and reads it.
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const NodeId = Type.Integer({ minimum: 0, maximum: 4294967295 });
const Count = Type.Integer({ minimum: 0 });

/** The Qdevice column of quorumtool's membership list (`A,V,NMW`, `NR`). */
export const CorosyncQdeviceState = Type.Object({
  /** false for `NR`: no quorum device registered on that node */
  registered: Type.Boolean(),
  alive: Type.Boolean(),
  castVote: Type.Boolean(),
  masterWins: Type.Boolean(),
});
export type CorosyncQdeviceState = Static<typeof CorosyncQdeviceState>;

/** One row of quorumtool's membership list (nodes in this node's current membership). */
export const CorosyncQuorumMember = Type.Object({
  nodeId: NodeId,
  /** null when quorumtool has no votequorum handle (quorum provider not votequorum) */
  votes: Nullable(Count),
  /** as printed: the node name, or an address with `-i`; "" when the column is empty */
  name: Type.String(),
  local: Type.Boolean(),
  /** null when the list has no Qdevice column (no device registered and no `-p`) */
  qdevice: Nullable(CorosyncQdeviceState),
});
export type CorosyncQuorumMember = Static<typeof CorosyncQuorumMember>;

/** The last row of the list when a quorum device is registered (node id 0). */
export const CorosyncQdevice = Type.Object({
  name: Type.String(),
  /** votes the device gives now: quorumtool prints 0 when this node's device does not cast a vote */
  votes: Count,
  /** the device's configured votes (printed as `(votes N)` when it casts none) */
  configuredVotes: Count,
});
export type CorosyncQdevice = Static<typeof CorosyncQdevice>;

export const CorosyncVotequorum = Type.Object({
  expectedVotes: Count,
  highestExpected: Count,
  totalVotes: Count,
  /** votes needed for quorum */
  quorum: Count,
  /** quorumtool prints "Activity blocked" next to the quorum when the partition is not quorate */
  activityBlocked: Type.Boolean(),
  /** as printed, e.g. ["2Node", "Quorate", "WaitForAll"] */
  flags: Type.Array(Type.String()),
});
export type CorosyncVotequorum = Static<typeof CorosyncVotequorum>;

/** `corosync-quorumtool -s`: the "Quorum information" section (absent in `-l` output). */
export const CorosyncQuorumInfo = Type.Object({
  /** quorumtool's ctime() string, the node's local time without a zone: kept as printed */
  date: Nullable(Type.String()),
  provider: Nullable(Type.String()),
  /** "Nodes:" = size of this node's current membership */
  nodes: Nullable(Count),
  nodeId: Nullable(NodeId),
  /** as printed: `1.1e` (3.x, hex rep-node.seq), `1084783375/40` (2.x, decimal), or a bare sequence number */
  ringId: Nullable(Type.String()),
  ringNodeId: Nullable(NodeId),
  ringSeq: Nullable(Count),
  quorate: Type.Boolean(),
});
export type CorosyncQuorumInfo = Static<typeof CorosyncQuorumInfo>;

/** One node of one link as `corosync-cfgtool -s` shows it. */
export const CorosyncLinkPeer = Type.Object({
  nodeId: NodeId,
  local: Type.Boolean(),
  /** localhost | connected | disconnected | "knet error" | "config error" ... as printed (3.x) */
  status: Type.String(),
  connected: Type.Boolean(),
  /** printed by 3.0.x only (`link enabled:1`, `(not enabled)`); null otherwise */
  enabled: Nullable(Type.Boolean()),
});
export type CorosyncLinkPeer = Static<typeof CorosyncLinkPeer>;

export const CorosyncLink = Type.Object({
  /** knet link number (3.x) or ring number (2.x) */
  linkId: Count,
  /** knet link transport (`udp`, `sctp`), null when not printed (udp/udpu transports, 2.x, 3.0) */
  transport: Nullable(Type.String()),
  address: Nullable(Type.String()),
  /** per node (3.x knet); empty for 2.x rings and for `status = OK` links */
  peers: Type.Array(CorosyncLinkPeer),
  /** the single status text of a 2.x ring or of a 3.x udp/udpu or brief link, as printed; null with per-node lines */
  status: Nullable(Type.String()),
  /** 2.x rings: status says FAULTY; null where the output has no such notion */
  faulty: Nullable(Type.Boolean()),
});
export type CorosyncLink = Static<typeof CorosyncLink>;

/** One member as this node knows it: runtime.members (which keeps nodes that left) merged with quorumtool's list. */
export const CorosyncMember = Type.Object({
  nodeId: NodeId,
  /** from quorumtool's list (current members only) or the cmap nodelist; null when unknown */
  name: Nullable(Type.String()),
  /** joined | left (runtime.members), or joined for a node only quorumtool lists */
  status: Type.String(),
  local: Type.Boolean(),
  /** in this node's current quorum membership (quorumtool's list) */
  inQuorumMembership: Type.Boolean(),
  votes: Nullable(Count),
  joinCount: Nullable(Count),
  configVersion: Nullable(Count),
  /** ring/link addresses in link order, from runtime.members.N.ip */
  addresses: Type.Array(Type.String()),
  qdevice: Nullable(CorosyncQdeviceState),
});
export type CorosyncMember = Static<typeof CorosyncMember>;

/** runtime.votequorum.* keys worth keeping (all optional: corosync sets them as it needs them). */
export const CorosyncRuntimeVotequorum = Type.Object({
  thisNodeId: Nullable(NodeId),
  twoNode: Nullable(Type.Boolean()),
  /** wait_for_all_status: 1 while wait_for_all still holds quorum back */
  waitForAllStatus: Nullable(Type.Boolean()),
  qdeviceCanOperate: Nullable(Type.Boolean()),
  qdeviceMasterWins: Nullable(Type.Boolean()),
  evBarrier: Nullable(Count),
  lowestNodeId: Nullable(NodeId),
  highestNodeId: Nullable(NodeId),
});
export type CorosyncRuntimeVotequorum = Static<typeof CorosyncRuntimeVotequorum>;

/** A source that could not be read in this run (the report is then partial and the outcome failed). */
export const CorosyncSourceError = Type.Object({
  source: Type.String(),
  code: Type.String(),
  message: Type.String(),
});
export type CorosyncSourceError = Static<typeof CorosyncSourceError>;

export const CorosyncRunning = Type.Object({
  running: Type.Literal(true),
  localNodeId: Nullable(NodeId),
  /** `knet`, `udpu`, `udp` (3.1+ cfgtool prints it), null when not printed */
  transport: Nullable(Type.String()),
  quorum: CorosyncQuorumInfo,
  /** null when the quorum provider is not votequorum */
  votequorum: Nullable(CorosyncVotequorum),
  qdevice: Nullable(CorosyncQdevice),
  members: Type.Array(CorosyncMember),
  links: Type.Array(CorosyncLink),
  /** null when runtime.votequorum was not read */
  runtime: Nullable(CorosyncRuntimeVotequorum),
  errors: Type.Array(CorosyncSourceError),
});
export type CorosyncRunning = Static<typeof CorosyncRunning>;

/** corosync is not running here (the tools cannot connect): a state of its own, not a probe failure. */
export const CorosyncNotRunning = Type.Object({
  running: Type.Literal(false),
  /** what the tools printed, one line per tool */
  messages: Type.Array(Type.String()),
});
export type CorosyncNotRunning = Static<typeof CorosyncNotRunning>;

export const CorosyncReport = Type.Union([CorosyncRunning, CorosyncNotRunning]);
export type CorosyncReport = Static<typeof CorosyncReport>;
