// What the pacemaker probe reports: one node's view of the cluster, read from
// `crm_mon --output-as=xml --include=all` (Pacemaker 2.1+/3.x) or legacy `crm_mon --as-xml` (1.1).
// This schema is part of the push protocol: the collector validates and reads it.
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const PacemakerNode = Type.Object({
  name: Type.String(),
  id: Type.String(),
  online: Type.Boolean(),
  standby: Type.Boolean(),
  standbyOnFail: Type.Boolean(),
  maintenance: Type.Boolean(),
  pending: Type.Boolean(),
  unclean: Type.Boolean(),
  shutdown: Type.Boolean(),
  expectedUp: Type.Boolean(),
  isDc: Type.Boolean(),
  /** green | yellow | red, or null where the tool does not report it (Pacemaker 1.1). */
  health: Nullable(Type.String()),
  /** member | remote | guest | ping | unknown */
  type: Type.String(),
  resourcesRunning: Type.Integer({ minimum: 0 }),
});
export type PacemakerNode = Static<typeof PacemakerNode>;

export const PacemakerResource = Type.Object({
  id: Type.String(),
  /** e.g. ocf:pacemaker:Dummy, stonith:fence_dummy */
  agent: Type.String(),
  /** Started, Stopped, Promoted, Unpromoted, Master, Slave, Starting, Stopping, Migrating, Unknown ... as crm_mon prints it */
  role: Type.String(),
  /** Promoted|Unpromoted|Started|Stopped as configured (target-role), null if not set */
  targetRole: Nullable(Type.String()),
  active: Type.Boolean(),
  orphaned: Type.Boolean(),
  blocked: Type.Boolean(),
  managed: Type.Boolean(),
  failed: Type.Boolean(),
  failureIgnored: Type.Boolean(),
  /** Nodes the resource is active on, as crm_mon lists them. */
  nodes: Type.Array(Type.String()),
  /** Enclosing group/clone/bundle ids, outermost first. */
  parents: Type.Array(Type.String()),
  /** The enclosing clone's id (for clone instances), or null. */
  clone: Nullable(Type.String()),
  group: Nullable(Type.String()),
  promotable: Type.Boolean(),
  /**
   * Instance within the enclosing clone or bundle: the bundle's replica id, else the instance's position in
   * crm_mon's list (= its instance number). Needed because Pacemaker 2.1+ prints every instance of an anonymous
   * clone with the same id. null outside clones and bundles.
   */
  instance: Nullable(Type.String()),
});
export type PacemakerResource = Static<typeof PacemakerResource>;

export const PacemakerFailCount = Type.Object({
  node: Type.String(),
  resource: Type.String(),
  failCount: Type.Integer({ minimum: 0 }),
  /** null = Pacemaker's default (INFINITY = 1000000) is not stated in the output */
  migrationThreshold: Nullable(Type.Integer({ minimum: 0 })),
});
export type PacemakerFailCount = Static<typeof PacemakerFailCount>;

export const PacemakerFailedAction = Type.Object({
  resource: Type.String(),
  node: Type.String(),
  operation: Type.String(),
  /** operation interval in ms (0 = one-off) */
  intervalMs: Type.Integer({ minimum: 0 }),
  rc: Nullable(Type.Integer()),
  rcText: Nullable(Type.String()),
  status: Nullable(Type.String()),
  exitReason: Nullable(Type.String()),
  /** ISO 8601 or the tool's own time string when it cannot be read */
  lastRcChange: Nullable(Type.String()),
});
export type PacemakerFailedAction = Static<typeof PacemakerFailedAction>;

export const PacemakerFenceEvent = Type.Object({
  target: Type.String(),
  action: Type.String(),
  /** success | failed | pending */
  status: Type.String(),
  delegate: Nullable(Type.String()),
  client: Nullable(Type.String()),
  origin: Nullable(Type.String()),
  completed: Nullable(Type.String()),
  exitReason: Nullable(Type.String()),
});
export type PacemakerFenceEvent = Static<typeof PacemakerFenceEvent>;

export const PacemakerTicket = Type.Object({
  id: Type.String(),
  granted: Type.Boolean(),
  standby: Type.Boolean(),
  lastGranted: Nullable(Type.String()),
});
export type PacemakerTicket = Static<typeof PacemakerTicket>;

export const PacemakerBan = Type.Object({
  id: Type.String(),
  resource: Type.String(),
  node: Type.String(),
  weight: Type.Integer(),
  promotedOnly: Type.Boolean(),
});
export type PacemakerBan = Static<typeof PacemakerBan>;

export const PacemakerRunning = Type.Object({
  running: Type.Literal(true),
  /** the crm_mon XML format: "2.x" = --output-as=xml (api-version attribute), "legacy" = --as-xml (Pacemaker 1.1) */
  format: Type.Union([Type.Literal('pacemaker-result'), Type.Literal('legacy-crm_mon')]),
  apiVersion: Nullable(Type.String()),
  pacemakerVersion: Nullable(Type.String()),
  stack: Nullable(Type.String()),
  /** pacemakerd's own state (running, shutting_down, ...) as printed by Pacemaker 2.1+; null when absent (1.1, CIB_file). */
  pacemakerdState: Nullable(Type.String()),
  dc: Nullable(Type.Object({ name: Type.String(), id: Type.String(), withQuorum: Type.Boolean() })),
  lastUpdate: Nullable(Type.String()),
  lastChange: Nullable(Type.String()),
  nodesConfigured: Type.Integer({ minimum: 0 }),
  resourcesConfigured: Type.Integer({ minimum: 0 }),
  resourcesDisabled: Type.Integer({ minimum: 0 }),
  resourcesBlocked: Type.Integer({ minimum: 0 }),
  /** stonith-enabled (2.1) or fencing-enabled (3.x); null when not printed */
  fencingEnabled: Nullable(Type.Boolean()),
  maintenanceMode: Type.Boolean(),
  stopAllResources: Type.Boolean(),
  noQuorumPolicy: Nullable(Type.String()),
  nodes: Type.Array(PacemakerNode),
  resources: Type.Array(PacemakerResource),
  failCounts: Type.Array(PacemakerFailCount),
  failedActions: Type.Array(PacemakerFailedAction),
  fenceHistory: Type.Array(PacemakerFenceEvent),
  tickets: Type.Array(PacemakerTicket),
  bans: Type.Array(PacemakerBan),
});
export type PacemakerRunning = Static<typeof PacemakerRunning>;

/** crm_mon could not reach the cluster (exit 102 "Not connected"): a state of its own, not a probe failure. */
export const PacemakerNotRunning = Type.Object({
  running: Type.Literal(false),
  code: Type.Integer(),
  message: Type.String(),
  errors: Type.Array(Type.String()),
});
export type PacemakerNotRunning = Static<typeof PacemakerNotRunning>;

export const PacemakerReport = Type.Union([PacemakerRunning, PacemakerNotRunning]);
export type PacemakerReport = Static<typeof PacemakerReport>;
