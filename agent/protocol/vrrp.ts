// What the vrrp probe reports: this node's keepalived VRRP instances (state, priorities, VIPs) and, from
// `ip -j addr show`, which of the VIPs really sit on this node's interfaces. keepalived's state is the claim,
// the addresses are the ground truth; the collector compares both across nodes (two MASTERs for one VRID,
// one VIP on two nodes). This schema is part of the push protocol: the collector validates and reads it.
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/**
 * Instance (and sync group) states. INIT/BACKUP/MASTER/FAULT are VRRP's (FAULT is keepalived's); STOP is
 * written to the notify FIFO when keepalived shuts down; DELETED when a reload removed the instance
 * (`notify_deleted`); UNKNOWN when nothing says (or keepalived printed `{UNKNOWN}`).
 */
export const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP', 'DELETED', 'UNKNOWN'] as const;
export const VrrpStateName = Type.Union([
  Type.Literal('INIT'),
  Type.Literal('BACKUP'),
  Type.Literal('MASTER'),
  Type.Literal('FAULT'),
  Type.Literal('STOP'),
  Type.Literal('DELETED'),
  Type.Literal('UNKNOWN'),
]);
export type VrrpStateName = Static<typeof VrrpStateName>;

/** Where an instance's state came from this run. */
export const VrrpStateSource = Type.Union([
  Type.Literal('keepalived-fifo'),
  Type.Literal('keepalived-json'),
  Type.Literal('keepalived-data'),
  Type.Literal('process'),
  Type.Literal('none'),
]);
export type VrrpStateSource = Static<typeof VrrpStateSource>;

export const VrrpSourceName = Type.Union([
  Type.Literal('keepalived-fifo'),
  Type.Literal('keepalived-json'),
  Type.Literal('keepalived-data'),
  Type.Literal('keepalived-stats'),
  Type.Literal('keepalived-conf'),
  Type.Literal('ip-addr-json'),
]);
export type VrrpSourceName = Static<typeof VrrpSourceName>;

export const VrrpVip = Type.Object({
  /** Canonical text form (IPv6 compressed, lower case), as `ip` prints it. */
  address: Type.String(),
  family: Type.Union([Type.Literal('inet'), Type.Literal('inet6')]),
  /** As configured; null when none was given (keepalived then uses /32 or /128). */
  prefixLength: Nullable(Type.Integer({ minimum: 0, maximum: 128 })),
  /** `dev` of the entry; null means the instance's interface. */
  device: Nullable(Type.String()),
  label: Nullable(Type.String()),
  /** From `virtual_ipaddress_excluded`: set with the VIPs but not carried in adverts. */
  excluded: Type.Boolean(),
  /** On one of this node's interfaces per `ip -j addr show`; null when that was not read. */
  present: Nullable(Type.Boolean()),
  /** The interface it sits on, when present. */
  presentOn: Nullable(Type.String()),
  /** keepalived's own flag (`set` in its dumps): it believes it added the address; null without a dump. */
  keepalivedSet: Nullable(Type.Boolean()),
});
export type VrrpVip = Static<typeof VrrpVip>;

/** keepalived's per-instance counters (JSON or stats dump, as of the dump). */
export const VrrpStats = Type.Object({
  advertRcvd: Type.Integer({ minimum: 0 }),
  advertSent: Type.Integer({ minimum: 0 }),
  becomeMaster: Type.Integer({ minimum: 0 }),
  releaseMaster: Type.Integer({ minimum: 0 }),
  packetLenErr: Type.Integer({ minimum: 0 }),
  advertIntervalErr: Type.Integer({ minimum: 0 }),
  ipTtlErr: Type.Integer({ minimum: 0 }),
  invalidTypeRcvd: Type.Integer({ minimum: 0 }),
  addrListErr: Type.Integer({ minimum: 0 }),
  invalidAuthtype: Type.Integer({ minimum: 0 }),
  authtypeMismatch: Type.Integer({ minimum: 0 }),
  authFailure: Type.Integer({ minimum: 0 }),
  priZeroRcvd: Type.Integer({ minimum: 0 }),
  priZeroSent: Type.Integer({ minimum: 0 }),
});
export type VrrpStats = Static<typeof VrrpStats>;

export const VrrpInstance = Type.Object({
  name: Type.String({ minLength: 1 }),
  vrid: Nullable(Type.Integer({ minimum: 0, maximum: 255 })),
  /** The configured (base) interface. */
  interface: Nullable(Type.String()),
  /** The VMAC interface (`use_vmac`), null without one. */
  vmacInterface: Nullable(Type.String()),
  /** VRRP protocol version (2 or 3), when known. */
  version: Nullable(Type.Integer()),
  state: VrrpStateName,
  stateSource: VrrpStateSource,
  /** What keepalived last said when `state` was overridden (keepalived not running): e.g. MASTER after a crash. */
  claimedState: Nullable(VrrpStateName),
  /** `state` line of keepalived.conf (the initial state), as written. */
  configuredState: Nullable(Type.String()),
  /** Configured (base) priority. */
  priority: Nullable(Type.Integer()),
  /** Priority after tracking weights, from the newest of FIFO and dump. */
  effectivePriority: Nullable(Type.Integer()),
  /** Priority of the current master as this node last heard it (dump; 0 while this node is MASTER). */
  masterPriority: Nullable(Type.Integer()),
  /** Address of the current master (data dump, BACKUP only). */
  masterRouter: Nullable(Type.String()),
  /** The last notify-FIFO word for this instance, including events such as MASTER_RX_LOWER_PRI. */
  lastEvent: Nullable(Type.String()),
  /** keepalived's last state transition, seconds since the epoch (dump). */
  lastTransition: Nullable(Type.Number()),
  /** Carrier of the (base) interface: UP and LOWER_UP in `ip -j addr show`; null when unknown. */
  interfaceUp: Nullable(Type.Boolean()),
  vips: Type.Array(VrrpVip),
  stats: Nullable(VrrpStats),
});
export type VrrpInstance = Static<typeof VrrpInstance>;

export const VrrpGroup = Type.Object({
  name: Type.String({ minLength: 1 }),
  state: VrrpStateName,
  stateSource: VrrpStateSource,
  /** Member instances (keepalived.conf or data dump); empty when only the FIFO named the group. */
  members: Type.Array(Type.String()),
});
export type VrrpGroup = Static<typeof VrrpGroup>;

export const VrrpProblem = Type.Object({
  source: Type.String(),
  code: Type.String(),
  message: Type.String({ maxLength: 4096 }),
});
export type VrrpProblem = Static<typeof VrrpProblem>;

export const VrrpReport = Type.Object({
  keepalived: Type.Object({
    /** null when not checked (option off, or a recording). */
    running: Nullable(Type.Boolean()),
    pid: Nullable(Type.Integer({ minimum: 1 })),
    /** From `keepalived --version`, e.g. "2.2.7". */
    version: Nullable(Type.String()),
  }),
  /** The notify-FIFO reader, null when the probe is not watching one. */
  fifo: Nullable(
    Type.Object({
      path: Type.String(),
      open: Type.Boolean(),
      lines: Type.Integer({ minimum: 0 }),
      badLines: Type.Integer({ minimum: 0 }),
    }),
  ),
  /** mtime of the JSON dump that was read, ms since the epoch. */
  jsonDumpAt: Nullable(Type.Number()),
  /** Sources that contributed to this report. */
  sources: Type.Array(VrrpSourceName),
  instances: Type.Array(VrrpInstance),
  groups: Type.Array(VrrpGroup),
  /** Sources that were there but could not be used; the report is built from the rest. */
  problems: Type.Array(VrrpProblem),
});
export type VrrpReport = Static<typeof VrrpReport>;
