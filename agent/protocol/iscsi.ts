// What the iscsi probe reports: this node's open-iscsi initiator sessions (`iscsiadm -m session -P 3`, or the kernel's
// /sys/class/iscsi_session when iscsiadm cannot answer) and its configured node records (`iscsiadm -m node`), so a
// configured target without a session is visible.
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const IscsiDisk = Type.Object({
  host: Type.Integer({ minimum: 0 }),
  channel: Type.Integer({ minimum: 0 }),
  id: Type.Integer({ minimum: 0 }),
  lun: Type.Integer({ minimum: 0 }),
  /** block device name (sdb), null when the LUN has none */
  device: Nullable(Type.String()),
  /** SCSI device state: running, blocked, offline, transport-offline, ... */
  state: Nullable(Type.String()),
});
export type IscsiDisk = Static<typeof IscsiDisk>;

export const IscsiIface = Type.Object({
  name: Nullable(Type.String()),
  transport: Nullable(Type.String()),
  initiatorName: Nullable(Type.String()),
  ipAddress: Nullable(Type.String()),
  hwAddress: Nullable(Type.String()),
  netdev: Nullable(Type.String()),
});
export type IscsiIface = Static<typeof IscsiIface>;

export const IscsiSession = Type.Object({
  sid: Type.Integer({ minimum: 0 }),
  target: Type.String({ minLength: 1 }),
  /** tcp, iser, ... (flat listing only) */
  transport: Nullable(Type.String()),
  /** current portal; IPv6 without brackets; null when only sysfs was read */
  address: Nullable(Type.String()),
  port: Nullable(Type.Integer({ minimum: 0, maximum: 65535 })),
  /** target portal group tag; null when not set (-1) */
  tpgt: Nullable(Type.Integer({ minimum: 0 })),
  persistentAddress: Nullable(Type.String()),
  persistentPort: Nullable(Type.Integer({ minimum: 0, maximum: 65535 })),
  /** false = "non-flash" (a session made by iscsid), true = "flash" (offload adapter's own) */
  flash: Nullable(Type.Boolean()),
  iface: Nullable(IscsiIface),
  /** the kernel's session state: LOGGED_IN, FAILED, FREE; null when unknown */
  sessionState: Nullable(Type.String()),
  /** iscsid's connection state, spaces as underscores: LOGGED_IN, TRANSPORT_WAIT, IN_LOGIN, FREE, ...; null = unknown */
  connectionState: Nullable(Type.String()),
  /** iscsid's internal session state: NO_CHANGE, CLEANUP, REOPEN, REDIRECT; null = unknown */
  internalState: Nullable(Type.String()),
  recoveryTimeoutSeconds: Nullable(Type.Integer()),
  targetResetTimeoutSeconds: Nullable(Type.Integer()),
  lunResetTimeoutSeconds: Nullable(Type.Integer()),
  abortTimeoutSeconds: Nullable(Type.Integer()),
  hostNumber: Nullable(Type.Integer({ minimum: 0 })),
  hostState: Nullable(Type.String()),
  /** null when the output did not list devices (-P 0..2, sysfs) */
  disks: Nullable(Type.Array(IscsiDisk)),
});
export type IscsiSession = Static<typeof IscsiSession>;

/** A configured node record (`iscsiadm -m node`): a target at a portal the initiator knows about. */
export const IscsiNode = Type.Object({
  target: Type.String({ minLength: 1 }),
  address: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  tpgt: Nullable(Type.Integer({ minimum: 0 })),
  iface: Nullable(Type.String()),
});
export type IscsiNode = Static<typeof IscsiNode>;

export const IscsiProblem = Type.Object({
  source: Type.Union([Type.Literal('iscsiadm-session'), Type.Literal('iscsiadm-node'), Type.Literal('sysfs')]),
  code: Type.String(),
  message: Type.String({ maxLength: 4096 }),
});
export type IscsiProblem = Static<typeof IscsiProblem>;

export const IscsiReport = Type.Object({
  /** where `sessions` came from */
  sessionsSource: Type.Union([Type.Literal('iscsiadm'), Type.Literal('sysfs')]),
  /** `version` line of -P 3 (open-iscsi), when printed */
  iscsiadmVersion: Nullable(Type.String()),
  /** `iSCSI Transport Class version` line of -P 3, when printed */
  transportClassVersion: Nullable(Type.String()),
  sessions: Type.Array(IscsiSession),
  /** configured node records; null when not read */
  nodes: Nullable(Type.Array(IscsiNode)),
  /** what could not be read in this run (the rest of the report still is) */
  problems: Type.Array(IscsiProblem),
});
export type IscsiReport = Static<typeof IscsiReport>;
