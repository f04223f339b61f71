// What the heartbeat probe reports: one node's view of a legacy Heartbeat 3 cluster (Linux-HA), read with
// `cl_status` (`hbstatus -v`, or the single queries where -v gives no node list) and `uname -n`.
// This schema is part of the push protocol: the collector validates and reads it.
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const HeartbeatLink = Type.Object({
  /** interface name as in ha.cf (`eth0`), or the ping node's address */
  name: Type.String(),
  /** up | dead, as printed; null where it was not asked (the local node's links in single-query mode) */
  status: Nullable(Type.String()),
});
export type HeartbeatLink = Static<typeof HeartbeatLink>;

export const HeartbeatNode = Type.Object({
  name: Type.String(),
  /** active | up | init | dead | ping, as printed (heartbeat's node status) */
  status: Type.String(),
  /** normal | ping; null when not printed */
  type: Nullable(Type.String()),
  /** the node this agent runs on (heartbeat's own name = `uname -n`) */
  local: Type.Boolean(),
  links: Type.Array(HeartbeatLink),
});
export type HeartbeatNode = Static<typeof HeartbeatNode>;

/** A query that could not be read in this run (the report is then partial and the outcome failed). */
export const HeartbeatSourceError = Type.Object({
  source: Type.String(),
  code: Type.String(),
  message: Type.String(),
});
export type HeartbeatSourceError = Static<typeof HeartbeatSourceError>;

export const HeartbeatRunning = Type.Object({
  running: Type.Literal(true),
  /** `hbstatus -v` reads everything at once; `queries` = listnodes/nodestatus/nodetype/listhblinks/hblinkstatus */
  source: Type.Union([Type.Literal('verbose'), Type.Literal('queries')]),
  /** e.g. `3.0.6 (node: 958e11be...)` as printed by `hbstatus -v`; null otherwise */
  version: Nullable(Type.String()),
  /** `"haresources"` (v1 resource manager) or `pacemaker` ..., as printed by `hbstatus -v` */
  managedBy: Nullable(Type.String()),
  localNode: Nullable(Type.String()),
  nodes: Type.Array(HeartbeatNode),
  /** `cl_status rscstatus`: local | foreign | all | none | transition (haresources groups held here); null when not read */
  resources: Nullable(Type.String()),
  keepaliveSeconds: Nullable(Type.Number({ minimum: 0 })),
  deadtimeSeconds: Nullable(Type.Number({ minimum: 0 })),
  errors: Type.Array(HeartbeatSourceError),
});
export type HeartbeatRunning = Static<typeof HeartbeatRunning>;

/** heartbeat is not running on this node (`Heartbeat is stopped on this machine.`): a state, not a probe failure. */
export const HeartbeatNotRunning = Type.Object({
  running: Type.Literal(false),
  message: Type.String(),
});
export type HeartbeatNotRunning = Static<typeof HeartbeatNotRunning>;

export const HeartbeatReport = Type.Union([HeartbeatRunning, HeartbeatNotRunning]);
export type HeartbeatReport = Static<typeof HeartbeatReport>;
