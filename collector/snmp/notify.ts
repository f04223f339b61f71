// HAWATCH-MIB notifications to NMS targets: SNMPv2c or SNMPv3 (authPriv), as traps or acknowledged informs.
// The notification and its objects come from the MIB (OBJECTS order); values are encoded like the tables'.
// A delivery failure is a result per target, never a throw: the alerting code decides what to log or retry.
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import snmp from 'net-snmp';
import type { SnmpV3User } from './agent.js';
import { SNMP_ERRORS, SnmpError } from './errors.js';
import { mibObject, oidString, type HawatchMib } from './mib.js';
import type { HaAlertSeverity } from './rows.js';
import { encodeValue } from './values.js';

export type NotificationName =
  | 'hawatchSplitBrainDetected'
  | 'hawatchSplitBrainCleared'
  | 'hawatchQuorumLost'
  | 'hawatchQuorumRegained'
  | 'hawatchAlertFiring'
  | 'hawatchAlertResolved';

/** Values of the notification objects; each notification needs the ones its OBJECTS clause names. */
export interface NotificationValues {
  hawatchNotifyCluster?: string;
  /** node names, comma-separated */
  hawatchNotifyNodes?: string;
  /** kind/id, e.g. vrrp/51 */
  hawatchNotifyObject?: string;
  /** pacemaker-partition, vrrp-multi-master, vip-multi-holder, drbd-dual-primary */
  hawatchNotifySignal?: string;
  hawatchNotifyAlertId?: string;
  hawatchNotifyRule?: string;
  hawatchNotifySeverity?: HaAlertSeverity;
  hawatchNotifySummary?: string;
  hawatchNotifyEvidence?: string;
  hawatchNotifyTime?: Date;
}

export interface TrapTarget {
  /** For logs and results, e.g. "librenms". */
  name: string;
  host: string;
  /** default 162 */
  port?: number;
  version: '2c' | '3';
  /** v2c */
  community?: string;
  /** v3: sent authPriv */
  user?: SnmpV3User;
  /** inform: acknowledged and retried; trap: sent once. */
  mode: 'trap' | 'inform';
  /**
   * v3 traps only: the hex snmpEngineID the receiver registered the user under (snmptrapd `createUser -e`).
   * Informs discover the receiver's engine instead.
   */
  engineId?: string;
  /** default 3000 */
  timeoutMs?: number;
  /** informs; default 2 */
  retries?: number;
}

export interface NotifyOptions {
  mib: HawatchMib;
  targets: readonly TrapTarget[];
  logger: Logger;
  /** sysUpTime to send, in hundredths of a second (RunningSnmpAgent.upTime()); default: the process uptime. */
  upTime?: number;
}

export interface NotifyResult {
  target: string;
  ok: boolean;
  error?: SnmpError;
}

const AUTH = { sha: snmp.AuthProtocols.sha, sha256: snmp.AuthProtocols.sha256 } as const;

/** Check a target once, e.g. when the config is loaded. */
export const checkTrapTarget = (t: TrapTarget): void => {
  const fail = (why: string) => {
    throw new SnmpError(SNMP_ERRORS.config, `snmp trap target ${t.name}: ${why}`);
  };
  if (t.version === '2c' && !t.community) fail('v2c needs a community');
  if (t.version === '3') {
    if (!t.user) fail('v3 needs a user');
    if (t.user && (t.user.authKey.length < 8 || t.user.privKey.length < 8)) fail('authKey and privKey need at least 8 characters');
    if (t.mode === 'trap' && !t.engineId) fail('a v3 trap needs engineId (the receiver keys the user by it); use mode inform to discover it');
  }
  if (t.port !== undefined && (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)) fail(`bad port ${t.port}`);
};

/** The varbinds of a notification in its OBJECTS order; throws when a value is missing or does not fit. */
export const notificationVarbinds = (mib: HawatchMib, name: NotificationName, values: NotificationValues): snmp.Varbind[] => {
  const n = mib.notifications.get(name);
  if (!n) throw new SnmpError(SNMP_ERRORS.mib, `HAWATCH-MIB has no notification ${name}`);
  return n.objects.map((objectName) => {
    const v = (values as Record<string, string | Date | undefined>)[objectName];
    if (v === undefined) throw new SnmpError(SNMP_ERRORS.value, `${name} needs a value for ${objectName}`);
    const o = mibObject(mib, objectName);
    const e = encodeValue(o, v);
    // accessible-for-notify objects are sent as scalar instances (.0)
    return { oid: `${oidString(o.oid)}.0`, type: e.type, value: e.value };
  });
};

const sendOne = (o: NotifyOptions, t: TrapTarget, trapOid: string, varbinds: snmp.Varbind[]): Promise<NotifyResult> =>
  new Promise((resolve) => {
    const port = t.port ?? 162;
    const common = {
      port,
      trapPort: port,
      timeout: t.timeoutMs ?? 3000,
      retries: t.mode === 'inform' ? (t.retries ?? 2) : 0,
      transport: isIP(t.host) === 6 ? ('udp6' as const) : ('udp4' as const),
    };
    let session: snmp.Session;
    try {
      if (t.version === '3') {
        const u = t.user as SnmpV3User;
        session = snmp.createV3Session(
          t.host,
          { name: u.name, level: snmp.SecurityLevel.authPriv, authProtocol: AUTH[u.authProtocol], authKey: u.authKey, privProtocol: snmp.PrivProtocols.aes, privKey: u.privKey },
          { ...common, ...(t.engineId === undefined ? {} : { engineID: t.engineId }) },
        );
      } else {
        session = snmp.createSession(t.host, t.community ?? '', { ...common, version: snmp.Version2c });
      }
    } catch (e) {
      resolve({ target: t.name, ok: false, error: new SnmpError(SNMP_ERRORS.notify, `${t.name}: ${(e as Error).message}`, { cause: e }) });
      return;
    }
    let done = false;
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      session.close();
      if (error === null) resolve({ target: t.name, ok: true });
      else resolve({ target: t.name, ok: false, error: new SnmpError(SNMP_ERRORS.notify, `${t.name} (${t.host}:${port}): ${error.message}`, { cause: error }) });
    };
    // Without a listener an 'error' event would be thrown out of the socket callback.
    session.on('error', (e: Error) => finish(e));
    const options = o.upTime === undefined ? {} : { upTime: o.upTime };
    if (t.mode === 'inform') session.inform(trapOid, varbinds, options, (error) => finish(error ?? null));
    else session.trap(trapOid, varbinds, options, (error) => finish(error ?? null));
  });

/** Send one notification to every target; resolves with one result per target. */
export const sendNotification = async (o: NotifyOptions, name: NotificationName, values: NotificationValues): Promise<NotifyResult[]> => {
  const n = o.mib.notifications.get(name);
  if (!n) throw new SnmpError(SNMP_ERRORS.mib, `HAWATCH-MIB has no notification ${name}`);
  for (const t of o.targets) checkTrapTarget(t);
  const varbinds = notificationVarbinds(o.mib, name, values);
  const results = await Promise.all(o.targets.map((t) => sendOne(o, t, oidString(n.oid), varbinds)));
  for (const r of results) {
    if (r.ok) o.logger.debug({ notification: name, target: r.target }, 'snmp notification sent');
    else o.logger.warn({ notification: name, target: r.target, err: r.error?.message }, 'snmp notification not delivered');
  }
  return results;
};
