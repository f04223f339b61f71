// Noise control between the alert engine and the delivery queue, after Alertmanager's dispatcher: which alerts
// page, when, and together with which. Each tick looks at the open alerts and at the notification log (what was
// sent, per alert and incident) and decides:
//   - an alert that is historical (late evidence), silenced (silence or maintenance window) or inhibited is not
//     paged; when that ends while it still fires, it is paged then;
//   - a firing alert that was not sent is sent; one that was sent, is not acknowledged and is not suppressed is
//     sent again after repeatInterval;
//   - a resolve is sent only for an incident whose firing was sent (even if it is silenced by now: on-call has an
//     open page to close);
//   - notifications are batched per group (groupBy labels) after the group's wait: 0 for critical by default, so a
//     split brain still pages within the evaluation delay.
// The log is durable, so a restart neither re-pages what was sent nor forgets to resolve it; a group waiting when
// the collector stops is sent by the first ticks after the start.
import Type, { type Static } from 'typebox';
import { ConfigError } from '../../common/config-file.js';
import type { Db } from '../store/db.js';
import type { Migration } from '../store/migrations.js';
import type { EngineAlert, StoredAlert } from './engine.js';
import { DEFAULT_INHIBIT_RULES, Inhibitor, inhibitRuleProblems, type InhibitRule } from './inhibition.js';
import { alertLabels, labelSetString, sortKeys } from './notify/format.js';
import type { NotificationGroup } from './notify/types.js';
import type { SilenceStore } from './silences.js';
import type { Alert, AlertNotification } from './types.js';

export const ALERT_NOISE_MIGRATION: Migration = {
  version: 101,
  name: 'alert noise control: historical alerts, notification log, delivery groups',
  sql: `
    -- 1: the alert fired only on late evidence (a state already over); stored, never paged as new.
    ALTER TABLE alerts ADD COLUMN historical INTEGER NOT NULL DEFAULT 0;
    -- What was paged, per alert and incident (starts_ms): repeat timing, and whether a resolve is owed.
    CREATE TABLE alert_notifications (
      fingerprint TEXT PRIMARY KEY,
      starts_ms INTEGER NOT NULL,
      group_key TEXT NOT NULL,
      first_sent_ms INTEGER NOT NULL,
      last_sent_ms INTEGER NOT NULL,
      -- The alert as last sent (JSON): the resolve is built from it if the alert row has moved on.
      alert TEXT NOT NULL
    ) STRICT;
    -- Rows of one group travel in one message to receivers that take groups (the webhook).
    ALTER TABLE alert_deliveries ADD COLUMN group_key TEXT;
    ALTER TABLE alert_deliveries ADD COLUMN group_labels TEXT;
  `,
};

const LabelName = Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' });

const MatcherConfig = Type.Object(
  {
    name: LabelName,
    value: Type.String(),
    isRegex: Type.Boolean({ default: false }),
    isEqual: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export const InhibitRuleConfig = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    sourceMatchers: Type.Array(MatcherConfig, { minItems: 1 }),
    targetMatchers: Type.Array(MatcherConfig, { minItems: 1 }),
    equal: Type.Array(LabelName, { default: [] }),
  },
  { additionalProperties: false },
);

/** The collector YAML's `alerting:` block (documented in collector/alerts/README.md). */
export const AlertingConfig = Type.Object(
  {
    /** Labels that make a notification group; `...` alone groups by every label (one alert per group). */
    groupBy: Type.Array(Type.Union([LabelName, Type.Literal('...')]), { default: ['cluster', 'alertname'], maxItems: 16 }),
    /**
     * How long a new group collects alerts before its first notification. Shorter than Alertmanager's 30 s: the
     * rules already wait out their own `for`, and a node fault's warnings arrive within a few seconds of each other.
     */
    groupWaitSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 10 }),
    /** The same for a group with a critical alert in it: a split brain must page at once. */
    groupWaitCriticalSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 0 }),
    /** A firing alert that nobody acknowledged is sent again this often. */
    repeatIntervalSeconds: Type.Number({ minimum: 60, maximum: 7 * 86_400, default: 4 * 3600 }),
    /** Evidence older than this when its alert starts firing is late (default: each node's stale threshold). */
    lateEvidenceSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    /** Replaces the built-in rules (node down, quorum lost); [] turns inhibition off. */
    inhibitRules: Type.Optional(Type.Array(InhibitRuleConfig, { maxItems: 100 })),
  },
  { additionalProperties: false, default: {} },
);
export type AlertingConfig = Static<typeof AlertingConfig>;

export interface AlertingSettings {
  groupBy: readonly string[];
  groupWaitMs: number;
  groupWaitCriticalMs: number;
  repeatIntervalMs: number;
  /** undefined: each node's stale threshold. */
  lateEvidenceMs: number | undefined;
  inhibitRules: readonly InhibitRule[];
}

/** The validated block as the dispatcher uses it; regexes and matcher sets are checked here (ConfigError). */
export const alertingSettings = (c: AlertingConfig, source = 'alerting'): AlertingSettings => {
  const rules: InhibitRule[] =
    c.inhibitRules === undefined
      ? DEFAULT_INHIBIT_RULES.map((r) => structuredClone(r))
      : c.inhibitRules.map((r, i) => ({ name: r.name ?? `rule-${i}`, sourceMatchers: r.sourceMatchers, targetMatchers: r.targetMatchers, equal: r.equal }));
  const problems = inhibitRuleProblems(rules);
  if (c.groupBy.includes('...') && c.groupBy.length > 1) problems.push('alerting.groupBy: "..." (every label) stands alone');
  if (problems.length > 0) throw new ConfigError(source, problems);
  return {
    groupBy: c.groupBy,
    groupWaitMs: c.groupWaitSeconds * 1000,
    groupWaitCriticalMs: c.groupWaitCriticalSeconds * 1000,
    repeatIntervalMs: c.repeatIntervalSeconds * 1000,
    lateEvidenceMs: c.lateEvidenceSeconds === undefined ? undefined : c.lateEvidenceSeconds * 1000,
    inhibitRules: rules,
  };
};

/** The group an alert belongs to: its groupBy labels (Alertmanager leaves out labels the alert lacks). */
export const groupOf = (a: Alert, groupBy: readonly string[]): NotificationGroup => {
  const all = alertLabels(a);
  const labels = groupBy.length === 1 && groupBy[0] === '...' ? all : sortKeys(Object.fromEntries(groupBy.filter((k) => all[k] !== undefined).map((k) => [k, all[k] as string])));
  // As the root route of Alertmanager names it; receivers that thread by groupKey get one thread per group.
  return { key: `{}:${labelSetString(labels)}`, labels };
};

export interface DispatchLogger {
  info: (obj: object, msg: string) => void;
  warn: (obj: object, msg: string) => void;
}

export interface DispatcherOptions {
  db: Db;
  settings: AlertingSettings;
  silences: SilenceStore;
  /** Fingerprints of acknowledged firing alerts (AlertStore.acknowledged). */
  acknowledged: () => ReadonlySet<string>;
  /** The stored alert (AlertStore.get): the resolve of an incident that ended is built from it. */
  lookup: (fingerprint: string) => StoredAlert | null;
  /** Hand one group's batch to delivery (DeliveryQueue.enqueue); returns rows queued (0: nobody to deliver to). */
  enqueue: (batch: readonly AlertNotification[], group: NotificationGroup) => number;
  logger: DispatchLogger;
}

export type SuppressionReason = 'historical' | 'silenced' | 'inhibited';

export interface Suppression {
  silencedBy: string[];
  inhibitedBy: string[];
  historical: boolean;
}

interface LogRow {
  fingerprint: string;
  starts_ms: number;
  group_key: string;
  first_sent_ms: number;
  last_sent_ms: number;
  alert: string;
}

type Want = { n: AlertNotification; why: 'new' | 'repeat' | 'resolve' };

export class NotificationDispatcher {
  readonly inhibitor: Inhibitor;
  private readonly stmt;
  /** Groups waiting out their groupWait: key → when they are due. */
  private readonly waiting = new Map<string, number>();
  /** What was last logged about a suppressed alert, so each change is logged once. */
  private readonly told = new Map<string, string>();

  constructor(private readonly o: DispatcherOptions) {
    this.inhibitor = new Inhibitor(o.settings.inhibitRules);
    this.stmt = {
      all: o.db.prepare('SELECT * FROM alert_notifications'),
      upsert: o.db.prepare(
        `INSERT INTO alert_notifications (fingerprint, starts_ms, group_key, first_sent_ms, last_sent_ms, alert) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (fingerprint) DO UPDATE SET group_key = excluded.group_key, last_sent_ms = excluded.last_sent_ms, alert = excluded.alert,
           first_sent_ms = CASE WHEN alert_notifications.starts_ms = excluded.starts_ms THEN alert_notifications.first_sent_ms ELSE excluded.first_sent_ms END,
           starts_ms = excluded.starts_ms`,
      ),
      remove: o.db.prepare('DELETE FROM alert_notifications WHERE fingerprint = ? AND starts_ms = ?'),
    };
  }

  /** Why an open alert does not page right now (empty lists and false: it would). */
  suppression(a: EngineAlert, open: readonly EngineAlert[], atMs: number, inhibited?: Map<string, string[]>): Suppression {
    if (a.status === 'resolved') return { silencedBy: [], inhibitedBy: [], historical: a.historical === true };
    return {
      silencedBy: this.o.silences.matches(a, atMs),
      inhibitedBy: (inhibited ?? this.inhibitor.inhibitedBy(open)).get(a.fingerprint) ?? [],
      historical: a.historical === true,
    };
  }

  /** Firing alerts whose current incident was sent: the ones a receiver holds (Alertmanager leases). */
  notifiedFiring(open: readonly EngineAlert[]): EngineAlert[] {
    const log = this.log();
    return open.filter((a) => a.status === 'firing' && log.get(a.fingerprint)?.starts_ms === a.startsAtMs);
  }

  /** Decide and hand over what is due at `now`, given the engine's open (pending and firing) alerts. */
  tick(now: number, open: readonly EngineAlert[]): void {
    const s = this.o.settings;
    const log = this.log();
    const acked = this.o.acknowledged();
    const inhibited = this.inhibitor.inhibitedBy(open);
    const wants = new Map<string, { group: NotificationGroup; items: Want[]; critical: boolean }>();
    const want = (a: Alert, w: Want) => {
      const group = groupOf(a, s.groupBy);
      const g = wants.get(group.key) ?? { group, items: [], critical: false };
      g.items.push(w);
      g.critical ||= a.severity === 'critical';
      wants.set(group.key, g);
    };
    const firing = new Map<string, EngineAlert>();
    for (const a of open) {
      if (a.status !== 'firing') continue;
      firing.set(a.fingerprint, a);
      const sup = this.suppression(a, open, now, inhibited);
      const reasons: SuppressionReason[] = [];
      if (sup.historical) reasons.push('historical');
      if (sup.silencedBy.length > 0) reasons.push('silenced');
      if (sup.inhibitedBy.length > 0) reasons.push('inhibited');
      this.tell(a, reasons, sup);
      if (reasons.length > 0) continue;
      const sent = log.get(a.fingerprint);
      if (sent === undefined || sent.starts_ms !== a.startsAtMs) want(a, { n: { kind: 'firing', alert: a }, why: 'new' });
      else if (!acked.has(a.fingerprint) && now - sent.last_sent_ms >= s.repeatIntervalMs) want(a, { n: { kind: 'firing', alert: a }, why: 'repeat' });
    }
    for (const row of log.values()) {
      if (firing.get(row.fingerprint)?.startsAtMs === row.starts_ms) continue;
      // The incident that was paged is over (resolved, or replaced by a new one): close it on the receivers.
      want(JSON.parse(row.alert) as Alert, { n: { kind: 'resolved', alert: this.resolvedFrom(row, now) }, why: 'resolve' });
    }
    for (const fp of this.told.keys()) if (!firing.has(fp)) this.told.delete(fp);

    for (const key of this.waiting.keys()) if (!wants.has(key)) this.waiting.delete(key); // nothing left to say
    for (const [key, g] of wants) {
      const wait = g.critical ? Math.min(s.groupWaitCriticalMs, s.groupWaitMs) : s.groupWaitMs;
      const due = Math.min(this.waiting.get(key) ?? Infinity, now + wait);
      if (due > now) {
        this.waiting.set(key, due);
        continue;
      }
      this.waiting.delete(key);
      this.flush(now, g.group, g.items);
    }
  }

  /** When the earliest waiting group is due, or null. */
  nextDueMs(): number | null {
    let due: number | null = null;
    for (const t of this.waiting.values()) if (due === null || t < due) due = t;
    return due;
  }

  private flush(now: number, group: NotificationGroup, items: readonly Want[]): void {
    this.o.db.transaction(() => {
      const queued = this.o.enqueue(
        items.map((w) => w.n),
        group,
      );
      for (const w of items) {
        const a = w.n.alert;
        if (w.n.kind === 'resolved') this.stmt.remove.run(a.fingerprint, a.startsAtMs);
        // With nobody to deliver to nothing counts as sent: a destination added later still gets the page.
        else if (queued > 0) this.stmt.upsert.run(a.fingerprint, a.startsAtMs, group.key, now, now, JSON.stringify(a));
      }
    })();
    const counts = { firing: items.filter((w) => w.why === 'new').length, repeat: items.filter((w) => w.why === 'repeat').length, resolved: items.filter((w) => w.why === 'resolve').length };
    this.o.logger.info({ group: group.key, ...counts, alerts: items.map((w) => w.n.alert.fingerprint) }, 'alert notifications handed to delivery');
  }

  private resolvedFrom(row: LogRow, now: number): Alert {
    const stored = this.o.lookup(row.fingerprint);
    if (stored !== null && stored.startsAtMs === row.starts_ms && stored.status === 'resolved') {
      const { historical: _h, ackedAtMs: _a, ackedBy: _b, ...alert } = stored;
      return alert;
    }
    const sent = JSON.parse(row.alert) as Alert;
    return { ...sent, status: 'resolved', endsAtMs: Math.max(now, sent.startsAtMs), updatedAtMs: now };
  }

  private tell(a: EngineAlert, reasons: readonly SuppressionReason[], sup: Suppression): void {
    const said = reasons.join(',');
    if ((this.told.get(a.fingerprint) ?? '') === said) return;
    this.told.set(a.fingerprint, said);
    if (said === '') return;
    const ctx = { alert: a.rule, fingerprint: a.fingerprint, cluster: a.cluster, labels: a.labels, silencedBy: sup.silencedBy, inhibitedBy: sup.inhibitedBy };
    if (sup.historical) this.o.logger.warn({ ...ctx, evidence: a.evidence }, 'alert fired on late evidence only (a state that may be over): stored as historical, not paged');
    else this.o.logger.info(ctx, `alert is ${said}: stored, not paged`);
  }

  private log(): Map<string, LogRow> {
    return new Map((this.stmt.all.all() as LogRow[]).map((r) => [r.fingerprint, r]));
  }
}
