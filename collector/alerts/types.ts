// Alerts: what rules find, how an alert lives (pending → firing → resolved), and what notifiers receive.
export type Severity = 'critical' | 'warning' | 'info';

/** One piece of evidence: which node said what, and when. Stored with the alert so on-call sees why. */
export interface Evidence {
  node: string;
  probe: string;
  /** ms since the epoch of the observation */
  atMs: number;
  /** What that node's observation says, in words (e.g. "VI_1 MASTER, 10.99.0.100 on eth0"). */
  says: string;
}

/** A rule's finding at one evaluation: "this condition holds now". The engine turns findings into alerts. */
export interface Finding {
  rule: string;
  cluster: string;
  severity: Severity;
  /** Identify the alert together with rule and cluster (e.g. {vrid: '51'}, {node: 'n3'}); stable across evaluations. */
  labels: Record<string, string>;
  summary: string;
  description: string;
  evidence: Evidence[];
}

export type AlertStatus = 'pending' | 'firing' | 'resolved';

export interface Alert {
  /** Stable: a hash of rule, cluster and labels. The same problem always has the same fingerprint. */
  fingerprint: string;
  rule: string;
  cluster: string;
  severity: Severity;
  labels: Record<string, string>;
  summary: string;
  description: string;
  /** One line: what to check first. */
  runbook: string;
  status: AlertStatus;
  /** When the condition was first seen. */
  startsAtMs: number;
  /** When it became firing (after the rule's `for`), or null while pending. */
  firingAtMs: number | null;
  /** When it resolved, or null. */
  endsAtMs: number | null;
  evidence: Evidence[];
  updatedAtMs: number;
}

/** What notifiers are told: an alert started firing, or a firing alert resolved. Pending alerts never page. */
export interface AlertNotification {
  kind: 'firing' | 'resolved';
  alert: Alert;
}

/** A delivery channel (Alertmanager, webhook, PagerDuty, SNMP trap). Throws on failure; the queue retries. */
export interface Notifier {
  readonly name: string;
  readonly kind: 'alertmanager' | 'webhook' | 'pagerduty' | 'snmp-trap';
  send(batch: readonly AlertNotification[]): Promise<void>;
}
