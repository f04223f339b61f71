// What the drbd probe reports: one node's view of its DRBD resources, read from DRBD 9 `drbdsetup status --json`,
// a `drbdsetup events2` snapshot, or DRBD 8.x `/proc/drbd`, plus the helper calls a long-lived
// `drbdsetup events2 --timestamps` stream has shown since the agent started.
// All sizes and counters that DRBD prints in KiB (or counts in sectors) are converted to bytes here.
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const DrbdPeerDevice = Type.Object({
  volume: Type.Integer({ minimum: 0 }),
  /** Off, Established, SyncSource, SyncTarget, PausedSyncS, VerifyS, Ahead, ... as printed (DRBD 8.x: mapped from cs) */
  replicationState: Type.String(),
  /** UpToDate, Inconsistent, Outdated, DUnknown, Diskless, ... as printed */
  peerDiskState: Type.String(),
  /** the peer is an intentional diskless client; null when not printed */
  peerClient: Nullable(Type.Boolean()),
  /** `no`, `user`, `peer`, `dependency` ... as printed; null when not printed */
  resyncSuspended: Nullable(Type.String()),
  /** resync/verify progress 0..100 while one runs (`done:` / `percent-resync-done` / /proc/drbd `sync'ed:`), else null */
  syncDonePercent: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
  /** estimated seconds until the resync is done, when the tool says */
  syncEtaSeconds: Nullable(Type.Number({ minimum: 0 })),
  outOfSyncBytes: Nullable(Type.Number({ minimum: 0 })),
  receivedBytes: Nullable(Type.Number({ minimum: 0 })),
  sentBytes: Nullable(Type.Number({ minimum: 0 })),
  /** requests sent to the peer and not yet answered */
  pending: Nullable(Type.Integer({ minimum: 0 })),
  /** requests received from the peer and not yet answered */
  unacked: Nullable(Type.Integer({ minimum: 0 })),
});
export type DrbdPeerDevice = Static<typeof DrbdPeerDevice>;

export const DrbdConnection = Type.Object({
  /** DRBD 9 node id of the peer; null for DRBD 8.x */
  peerNodeId: Nullable(Type.Integer({ minimum: 0 })),
  /** DRBD 9 connection name (usually the peer's host name); `peer` for DRBD 8.x */
  name: Type.String({ minLength: 1 }),
  /** StandAlone, Connecting, Connected, Disconnecting, NetworkFailure, ...; DRBD 8.x: WFConnection, WFReportParams too */
  connectionState: Type.String(),
  /** Primary, Secondary, Unknown */
  peerRole: Type.String(),
  congested: Nullable(Type.Boolean()),
  apInFlightBytes: Nullable(Type.Number({ minimum: 0 })),
  rsInFlightBytes: Nullable(Type.Number({ minimum: 0 })),
  peerDevices: Type.Array(DrbdPeerDevice),
});
export type DrbdConnection = Static<typeof DrbdConnection>;

export const DrbdDevice = Type.Object({
  volume: Type.Integer({ minimum: 0 }),
  minor: Nullable(Type.Integer({ minimum: 0 })),
  /** UpToDate, Inconsistent, Outdated, Consistent, Diskless, Attaching, Detaching, Failed, Negotiating, DUnknown */
  diskState: Type.String(),
  /** intentional diskless client */
  client: Nullable(Type.Boolean()),
  quorum: Nullable(Type.Boolean()),
  open: Nullable(Type.Boolean()),
  backingDevice: Nullable(Type.String()),
  sizeBytes: Nullable(Type.Number({ minimum: 0 })),
  readBytes: Nullable(Type.Number({ minimum: 0 })),
  writtenBytes: Nullable(Type.Number({ minimum: 0 })),
  alWrites: Nullable(Type.Number({ minimum: 0 })),
  bmWrites: Nullable(Type.Number({ minimum: 0 })),
  upperPending: Nullable(Type.Integer({ minimum: 0 })),
  lowerPending: Nullable(Type.Integer({ minimum: 0 })),
});
export type DrbdDevice = Static<typeof DrbdDevice>;

export const DrbdResource = Type.Object({
  /** DRBD 9 resource name; DRBD 8.x (/proc/drbd has no names): `drbd<minor>` */
  name: Type.String({ minLength: 1 }),
  nodeId: Nullable(Type.Integer({ minimum: 0 })),
  /** Primary, Secondary, Unknown */
  role: Type.String(),
  suspended: Nullable(Type.Boolean()),
  /** none, drain, flush, barrier */
  writeOrdering: Nullable(Type.String()),
  mayPromote: Nullable(Type.Boolean()),
  promotionScore: Nullable(Type.Integer()),
  devices: Type.Array(DrbdDevice),
  connections: Type.Array(DrbdConnection),
});
export type DrbdResource = Static<typeof DrbdResource>;

/** One `call helper` / `response helper` line of `drbdsetup events2` (split-brain handlers, fence-peer, ...). */
export const DrbdHelperEvent = Type.Object({
  /** ISO 8601 from `--timestamps`, or when the agent read the line; null when neither is known */
  at: Nullable(Type.String()),
  kind: Type.Union([Type.Literal('call'), Type.Literal('response')]),
  resource: Type.String(),
  /** connection name and volume when the helper is about one peer / volume */
  peer: Nullable(Type.String()),
  volume: Nullable(Type.Integer({ minimum: 0 })),
  /** split-brain, initial-split-brain, before-resync-target, fence-peer, quorum-lost, ... */
  helper: Type.String(),
  /** the helper's exit status (response lines only) */
  status: Nullable(Type.Integer()),
});
export type DrbdHelperEvent = Static<typeof DrbdHelperEvent>;

export const DrbdReport = Type.Object({
  source: Type.Union([Type.Literal('drbdsetup-status-json'), Type.Literal('drbd-events2'), Type.Literal('proc-drbd')]),
  /** false: the DRBD kernel module is not loaded (drbdsetup exit 20 "Failed to modprobe drbd", no /proc/drbd) */
  moduleLoaded: Type.Boolean(),
  /** from /proc/drbd's `version:` line, when read */
  kernelVersion: Nullable(Type.String()),
  resources: Type.Array(DrbdResource),
  /** DRBD 8.x minors printed as `cs:Unconfigured` */
  unconfiguredMinors: Type.Array(Type.Integer({ minimum: 0 })),
  /** helper calls seen (bounded, oldest first): in the parsed events2 text, or by the probe's events2 watcher */
  helperEvents: Type.Array(DrbdHelperEvent),
  /** the last split-brain helper call seen (split-brain, initial-split-brain, pri-lost-after-sb), or null */
  splitBrainHelperSeen: Nullable(DrbdHelperEvent),
});
export type DrbdReport = Static<typeof DrbdReport>;
