// The snmp-trap notifier: alert changes as HAWATCH-MIB notifications to NMS targets (traps or informs, v2c or
// v3), behind the alert delivery queue like every other notifier, so retries, the delivery log and the metrics
// apply. Every alert change is sent as hawatchAlertFiring / hawatchAlertResolved; a split-brain rule's change is
// also sent as hawatchSplitBrainDetected / Cleared, and PacemakerQuorumLost's as hawatchQuorumLost / Regained.
//
// Failure: an inform that no target acknowledges (timeout after its retries), or a send that fails, is a failed
// delivery: the queue retries it with backoff. A trap cannot fail that way (nothing answers a trap). Targets that
// did get a notification are remembered for the alert change, so a retry goes only to the ones that missed it.
import { pino, type Logger } from 'pino';
import { DeliveryError } from '../alerts/notify/errors.js';
import { evidenceText } from '../alerts/notify/format.js';
import type { Alert, AlertNotification, Notifier } from '../alerts/types.js';
import { SNMP_ERRORS, SnmpError } from './errors.js';
import { bundledMibDir, loadHawatchMib, type HawatchMib } from './mib.js';
import { checkTrapTarget, sendNotification, type NotificationName, type NotificationValues, type NotifyResult, type TrapTarget } from './notify.js';
import { alertObject, fitList } from './rows.js';

/** What a running SNMP agent lends the notifier: its loaded MIB and its sysUpTime. */
export interface SnmpAgentFace {
  mib: HawatchMib;
  /** hundredths of a second */
  upTime(): number;
}

export interface SnmpTrapNotifierOptions {
  name: string;
  targets: readonly TrapTarget[];
  /**
   * The collector's running SNMP agent, asked at every send (it may start after the queue): notifications then
   * carry the agent's sysUpTime. Without one, the MIB is loaded from `mibDir` and sysUpTime is the process's.
   */
  agent?: () => SnmpAgentFace | null;
  /** The folder holding HAWATCH-MIB.txt when no agent runs (default: the bundled mibs/). */
  mibDir?: string;
  /** For sendNotification's per-target lines; the queue logs every failed delivery itself. Default: silent. */
  logger?: Logger;
}

/** The correlated signal hawatchNotifySignal names for a split-brain rule; other rules' names in kebab case. */
const SPLIT_BRAIN_SIGNALS: Readonly<Record<string, string>> = {
  PacemakerSplitBrain: 'pacemaker-partition',
  VrrpSplitBrain: 'vrrp-multi-master',
  DrbdSplitBrain: 'drbd-dual-primary',
};
export const splitBrainSignal = (rule: string): string =>
  SPLIT_BRAIN_SIGNALS[rule] ?? rule.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export const isSplitBrainRule = (rule: string): boolean => rule.includes('SplitBrain');
export const QUORUM_RULE = 'PacemakerQuorumLost';

/** The nodes an alert involves: its node label and the nodes of its evidence, in name order. */
const involvedNodes = (a: Alert): string => {
  const nodes = new Set(a.evidence.map((e) => e.node));
  if (a.labels['node']) nodes.add(a.labels['node']);
  return fitList([...nodes].sort((x, y) => x.localeCompare(y)));
};

/** When the condition began (firing) or ended (resolved). */
const changeTime = (n: AlertNotification): Date =>
  new Date(n.kind === 'firing' ? (n.alert.firingAtMs ?? n.alert.startsAtMs) : (n.alert.endsAtMs ?? n.alert.updatedAtMs));

export interface PlannedNotification {
  name: NotificationName;
  values: NotificationValues;
}

/** The HAWATCH-MIB notifications one alert change is sent as, in send order. Pure. */
export const notificationsFor = (n: AlertNotification): PlannedNotification[] => {
  const a = n.alert;
  const firing = n.kind === 'firing';
  const time = changeTime(n);
  const evidence = evidenceText(a.evidence);
  const out: PlannedNotification[] = [
    {
      name: firing ? 'hawatchAlertFiring' : 'hawatchAlertResolved',
      values: {
        hawatchNotifyAlertId: a.fingerprint,
        hawatchNotifyCluster: a.cluster,
        hawatchNotifyRule: a.rule,
        hawatchNotifySeverity: a.severity,
        hawatchNotifyObject: alertObject(a),
        hawatchNotifySummary: a.summary,
        hawatchNotifyEvidence: evidence,
        hawatchNotifyTime: time,
      },
    },
  ];
  if (isSplitBrainRule(a.rule)) {
    out.push({
      name: firing ? 'hawatchSplitBrainDetected' : 'hawatchSplitBrainCleared',
      values: {
        hawatchNotifyCluster: a.cluster,
        hawatchNotifySignal: splitBrainSignal(a.rule),
        hawatchNotifyNodes: involvedNodes(a),
        hawatchNotifyEvidence: evidence,
        hawatchNotifyTime: time,
      },
    });
  } else if (a.rule === QUORUM_RULE) {
    out.push({
      name: firing ? 'hawatchQuorumLost' : 'hawatchQuorumRegained',
      values: { hawatchNotifyCluster: a.cluster, hawatchNotifyNodes: involvedNodes(a), hawatchNotifyEvidence: evidence, hawatchNotifyTime: time },
    });
  }
  return out;
};

/** Alert changes whose delivery is under way, with the targets that already have each notification. */
const MEMORY = 1000;

export const createSnmpTrapNotifier = (o: SnmpTrapNotifierOptions): Notifier => {
  if (o.targets.length === 0) throw new SnmpError(SNMP_ERRORS.config, `snmp-trap notifier ${o.name}: needs at least one target`);
  const names = new Set<string>();
  for (const t of o.targets) {
    checkTrapTarget(t);
    if (names.has(t.name)) throw new SnmpError(SNMP_ERRORS.config, `snmp-trap notifier ${o.name}: target name ${t.name} is used twice`);
    names.add(t.name);
  }
  const logger = o.logger ?? pino({ level: 'silent' });
  let ownMib: HawatchMib | null = null;
  const face = (): { mib: HawatchMib; upTime?: number } => {
    const agent = o.agent?.() ?? null;
    if (agent) return { mib: agent.mib, upTime: agent.upTime() };
    try {
      ownMib ??= loadHawatchMib(o.mibDir ?? bundledMibDir());
    } catch (e) {
      throw new DeliveryError('notify.config', `snmp-trap ${o.name}: ${(e as Error).message}`, {}, { cause: e });
    }
    return { mib: ownMib };
  };
  const delivered = new Map<string, Set<string>>();

  const deliverOne = async (n: AlertNotification): Promise<void> => {
    const { mib, upTime } = face();
    const key = `${n.kind}\u0000${n.alert.fingerprint}\u0000${n.alert.firingAtMs ?? ''}\u0000${n.alert.endsAtMs ?? ''}`;
    const done = delivered.get(key) ?? new Set<string>();
    const missed: string[] = [];
    const remember = (): void => {
      delivered.delete(key); // re-inserted last: Map order is the eviction order
      delivered.set(key, done);
      while (delivered.size > MEMORY) delivered.delete(delivered.keys().next().value as string);
    };
    try {
      for (const { name, values } of notificationsFor(n)) {
        const targets = o.targets.filter((t) => !done.has(`${t.name}\u0000${name}`));
        if (targets.length === 0) continue;
        let results: NotifyResult[];
        try {
          results = await sendNotification({ mib, targets, logger, ...(upTime === undefined ? {} : { upTime }) }, name, values);
        } catch (e) {
          // The MIB lacks the notification or a value does not fit its object: sending it again cannot help.
          const permanent = e instanceof SnmpError && e.code === SNMP_ERRORS.value;
          throw new DeliveryError('notify.config', `${name}: ${(e as Error).message}`, { permanent }, { cause: e });
        }
        for (const r of results) {
          if (r.ok) done.add(`${r.target}\u0000${name}`);
          else missed.push(`${name} to ${r.error?.message ?? r.target}`);
        }
      }
    } catch (e) {
      remember();
      throw e;
    }
    if (missed.length > 0) {
      remember();
      throw new DeliveryError('notify.unreachable', `not delivered: ${missed.join('; ')}`);
    }
    delivered.delete(key);
  };

  return {
    name: o.name,
    kind: 'snmp-trap',
    send: async (batch) => {
      for (const n of batch) await deliverOne(n);
    },
  };
};
