// The alert lifecycle: findings → pending → firing (after the rule's `for`) → resolved, with a stable
// fingerprint, evidence and every change stored. Stale data is unknown: when an alert's condition disappears only
// because a node in its evidence went silent, the alert stays as it is (neither raised nor cleared by silence).
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { ModelSnapshot } from '../model/model.js';
import type { Alert, AlertNotification, Finding } from './types.js';
import type { Rule, RuleContext } from './rules/types.js';

export const fingerprintOf = (rule: string, cluster: string, labels: Record<string, string>): string => {
  const canonical = JSON.stringify([rule, cluster, Object.keys(labels).sort().map((k) => [k, labels[k]])]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
};

interface AlertRow {
  fingerprint: string; rule: string; cluster: string; severity: Alert['severity']; labels: string; summary: string; description: string;
  runbook: string; status: Alert['status']; starts_ms: number; firing_ms: number | null; ends_ms: number | null; evidence: string; updated_ms: number;
  acked_ms: number | null; acked_by: string | null; historical: number;
}

/**
 * An alert with what the engine alone keeps: `historical` (it fired only on evidence that arrived late, for a state
 * already over: stored, never paged as new). The stored row adds who acknowledged it (see StoredAlert).
 */
export type EngineAlert = Alert & { historical?: boolean };

export interface StoredAlert extends Alert {
  historical: boolean;
  ackedAtMs: number | null;
  ackedBy: string | null;
}

const fromRow = (r: AlertRow): StoredAlert => ({
  fingerprint: r.fingerprint,
  rule: r.rule,
  cluster: r.cluster,
  severity: r.severity,
  labels: JSON.parse(r.labels) as Record<string, string>,
  summary: r.summary,
  description: r.description,
  runbook: r.runbook,
  status: r.status,
  startsAtMs: r.starts_ms,
  firingAtMs: r.firing_ms,
  endsAtMs: r.ends_ms,
  evidence: JSON.parse(r.evidence) as Alert['evidence'],
  updatedAtMs: r.updated_ms,
  historical: r.historical === 1,
  ackedAtMs: r.acked_ms,
  ackedBy: r.acked_by,
});

export type AckResult = { ok: true; alert: StoredAlert; already: boolean } | { ok: false; reason: 'not_found' | 'not_firing'; alert: StoredAlert | null };

/** Alerts in SQLite: the current row per fingerprint plus a history row per status change. */
export class AlertStore {
  private readonly stmt;
  constructor(private readonly db: Db) {
    this.stmt = {
      upsert: db.prepare(`
        INSERT INTO alerts (fingerprint, rule, cluster, severity, labels, summary, description, runbook, status, starts_ms, firing_ms, ends_ms, evidence, updated_ms, historical)
        VALUES (@fingerprint, @rule, @cluster, @severity, @labels, @summary, @description, @runbook, @status, @startsAtMs, @firingAtMs, @endsAtMs, @evidence, @updatedAtMs, @historical)
        ON CONFLICT (fingerprint) DO UPDATE SET rule = excluded.rule, cluster = excluded.cluster, severity = excluded.severity, labels = excluded.labels,
          summary = excluded.summary, description = excluded.description, runbook = excluded.runbook, status = excluded.status,
          starts_ms = excluded.starts_ms, firing_ms = excluded.firing_ms, ends_ms = excluded.ends_ms, evidence = excluded.evidence, updated_ms = excluded.updated_ms,
          historical = excluded.historical,
          -- An acknowledgement belongs to one incident: the same fingerprint starting again is unacknowledged.
          acked_ms = CASE WHEN alerts.starts_ms = excluded.starts_ms THEN alerts.acked_ms END,
          acked_by = CASE WHEN alerts.starts_ms = excluded.starts_ms THEN alerts.acked_by END`),
      ack: db.prepare("UPDATE alerts SET acked_ms = ?, acked_by = ? WHERE fingerprint = ? AND status = 'firing' AND acked_ms IS NULL"),
      acked: db.prepare("SELECT fingerprint FROM alerts WHERE status = 'firing' AND acked_ms IS NOT NULL"),
      history: db.prepare('INSERT INTO alert_history (fingerprint, at_ms, from_status, to_status, evidence) VALUES (?, ?, ?, ?, ?)'),
      open: db.prepare("SELECT * FROM alerts WHERE status IN ('pending', 'firing')"),
      recent: db.prepare('SELECT * FROM alerts WHERE status IN (\'pending\', \'firing\') OR updated_ms >= ? ORDER BY updated_ms DESC LIMIT ?'),
      one: db.prepare('SELECT * FROM alerts WHERE fingerprint = ?'),
      historyOf: db.prepare('SELECT at_ms, from_status, to_status, evidence FROM alert_history WHERE fingerprint = ? ORDER BY at_ms, id'),
      deletePending: db.prepare("DELETE FROM alerts WHERE fingerprint = ? AND status = 'pending'"),
    };
  }

  /** Store the changes; `alsoInTransaction` (queueing their notifications) commits or rolls back with them. */
  save(changes: readonly { alert: Alert; from: Alert['status'] | null; to: Alert['status'] | 'cancelled' }[], alsoInTransaction?: () => void): void {
    this.db.transaction(() => {
      for (const c of changes) {
        if (c.to === 'cancelled') this.stmt.deletePending.run(c.alert.fingerprint);
        else {
          const a = c.alert as EngineAlert;
          this.stmt.upsert.run({
            fingerprint: a.fingerprint, rule: a.rule, cluster: a.cluster, severity: a.severity, labels: JSON.stringify(a.labels), summary: a.summary,
            description: a.description, runbook: a.runbook, status: a.status, startsAtMs: a.startsAtMs, firingAtMs: a.firingAtMs, endsAtMs: a.endsAtMs,
            evidence: JSON.stringify(a.evidence), updatedAtMs: a.updatedAtMs, historical: a.historical === true ? 1 : 0,
          });
        }
        if (c.from !== c.to) this.stmt.history.run(c.alert.fingerprint, c.alert.updatedAtMs, c.from, c.to, JSON.stringify(c.alert.evidence));
      }
      alsoInTransaction?.();
    })();
  }

  open(): StoredAlert[] {
    return (this.stmt.open.all() as AlertRow[]).map(fromRow);
  }

  /** Open alerts and those that changed since `sinceMs`, newest first. */
  recent(sinceMs: number, limit = 500): StoredAlert[] {
    return (this.stmt.recent.all(sinceMs, limit) as AlertRow[]).map(fromRow);
  }

  get(fingerprint: string): StoredAlert | null {
    const r = this.stmt.one.get(fingerprint) as AlertRow | undefined;
    return r ? fromRow(r) : null;
  }

  /**
   * Acknowledge a firing alert (MTTA = firing → first acknowledgement). A second acknowledgement keeps the first
   * (`already`); pending and resolved alerts cannot be acknowledged.
   */
  ack(fingerprint: string, by: string, atMs: number): AckResult {
    const changed = this.stmt.ack.run(atMs, by, fingerprint).changes;
    const alert = this.get(fingerprint);
    if (alert === null) return { ok: false, reason: 'not_found', alert: null };
    if (changed === 1) return { ok: true, alert, already: false };
    if (alert.status === 'firing' && alert.ackedAtMs !== null) return { ok: true, alert, already: true };
    return { ok: false, reason: 'not_firing', alert };
  }

  /** Fingerprints of firing alerts that someone acknowledged (they are not re-notified). */
  acknowledged(): Set<string> {
    return new Set((this.stmt.acked.all() as { fingerprint: string }[]).map((r) => r.fingerprint));
  }

  history(fingerprint: string): { atMs: number; from: string | null; to: string; evidence: Alert['evidence'] }[] {
    return (this.stmt.historyOf.all(fingerprint) as { at_ms: number; from_status: string | null; to_status: string; evidence: string }[]).map((h) => ({
      atMs: h.at_ms,
      from: h.from_status,
      to: h.to_status,
      evidence: JSON.parse(h.evidence) as Alert['evidence'],
    }));
  }
}

export interface AlertEngineOptions {
  rules: readonly Rule[];
  store: AlertStore;
  /** Queue notifications for delivery; runs inside the transaction that stores the alert changes. */
  deliver?: (notifications: readonly AlertNotification[]) => void;
  /** Recent transitions for rules that need history (flapping, failover); without it those rules find nothing. */
  history?: RuleContext;
  /**
   * Late evidence: an alert that starts firing while every evidence item is older than this is stored as
   * historical and not paged (an agent's buffered observations after a network cut describe a state that may be
   * over). `fixedMs` is one lateness for all; otherwise each node's stale threshold (staleAfterIntervals × its push
   * interval). Absent: every alert is current.
   */
  lateEvidence?: { fixedMs?: number; staleAfterIntervals?: number };
}

export class AlertEngine {
  private readonly active = new Map<string, EngineAlert>();
  private readonly rulesByName: Map<string, Rule>;

  constructor(private readonly opts: AlertEngineOptions) {
    this.rulesByName = new Map(opts.rules.map((r) => [r.name, r]));
    for (const a of opts.store.open()) this.active.set(a.fingerprint, a);
  }

  /** Pending and firing alerts, most severe first (historical ones carry `historical: true`). */
  openAlerts(): EngineAlert[] {
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    return [...this.active.values()].sort((a, b) => rank[a.severity] - rank[b.severity] || a.startsAtMs - b.startsAtMs).map((a) => structuredClone(a));
  }

  /** Evaluate every rule on one snapshot; store what changed; return what notifiers must be told. */
  evaluate(snapshot: ModelSnapshot): AlertNotification[] {
    const now = snapshot.takenAtMs;
    const findings: { rule: Rule; f: Finding }[] = [];
    for (const rule of this.opts.rules) {
      for (const f of rule.evaluate(snapshot, this.opts.history)) findings.push({ rule, f });
    }
    const changes: { alert: Alert; from: Alert['status'] | null; to: Alert['status'] | 'cancelled' }[] = [];
    const notify: AlertNotification[] = [];
    const seen = new Set<string>();
    for (const { rule, f } of findings) {
      const fp = fingerprintOf(f.rule, f.cluster, f.labels);
      if (seen.has(fp)) continue; // one finding per fingerprint and evaluation
      seen.add(fp);
      const prev = this.active.get(fp);
      const alert: EngineAlert = prev
        ? { ...prev, severity: f.severity, summary: f.summary, description: f.description, evidence: f.evidence, updatedAtMs: now }
        : {
            fingerprint: fp, rule: f.rule, cluster: f.cluster, severity: f.severity, labels: f.labels, summary: f.summary, description: f.description,
            runbook: rule.runbook, status: 'pending', startsAtMs: now, firingAtMs: null, endsAtMs: null, evidence: f.evidence, updatedAtMs: now,
          };
      const from = prev?.status ?? null;
      const wasHistorical = prev?.historical === true;
      const late = this.allLate(alert, snapshot);
      if (alert.status === 'pending' && now - alert.startsAtMs >= rule.forMs) {
        alert.status = 'firing';
        alert.firingAtMs = now;
        // Born from late evidence only: record it, do not page it as new.
        if (late) alert.historical = true;
        notify.push({ kind: 'firing', alert: structuredClone(alert) });
      } else if (wasHistorical && !late) {
        // Fresh evidence says the condition still holds: it is current after all (the dispatcher pages it now).
        delete alert.historical;
      }
      this.active.set(fp, alert);
      // Evidence refreshes are kept in memory; the row is written on status changes, when first seen, and when
      // an alert stops being historical.
      if (from !== alert.status) changes.push({ alert, from, to: alert.status });
      else if (wasHistorical !== (alert.historical === true)) changes.push({ alert, from, to: alert.status });
    }
    for (const [fp, alert] of this.active) {
      if (seen.has(fp)) continue;
      // Silence is not health: if a node behind the evidence is now stale, the condition is unknown; keep it.
      if (this.evidenceStale(alert, snapshot)) continue;
      this.active.delete(fp);
      if (alert.status === 'firing') {
        const resolved: Alert = { ...alert, status: 'resolved', endsAtMs: now, updatedAtMs: now };
        changes.push({ alert: resolved, from: 'firing', to: 'resolved' });
        notify.push({ kind: 'resolved', alert: structuredClone(resolved) });
      } else {
        // A pending alert that clears before its `for` never paged: it was a blip.
        changes.push({ alert: { ...alert, updatedAtMs: now }, from: 'pending', to: 'cancelled' });
      }
    }
    const deliver = this.opts.deliver;
    if (changes.length) this.opts.store.save(changes, deliver && notify.length ? () => deliver(notify) : undefined);
    return notify;
  }

  /** Every evidence item is older than its lateness, and from a node whose agent is pushing again (not stale). */
  private allLate(alert: Alert, snapshot: ModelSnapshot): boolean {
    const late = this.opts.lateEvidence;
    if (late === undefined || alert.evidence.length === 0) return false;
    const cluster = snapshot.clusters.find((c) => c.name === alert.cluster);
    return alert.evidence.every((e) => {
      const node = cluster?.nodes.find((n) => n.name === e.node);
      // A silent node's last word is old by definition (AgentStale's evidence): that is not late news.
      if (node === undefined || node.agentState !== 'up') return false;
      const limit = late.fixedMs ?? (late.staleAfterIntervals ?? 3) * node.agent.intervalMs;
      return snapshot.takenAtMs - e.atMs > limit;
    });
  }

  private evidenceStale(alert: Alert, snapshot: ModelSnapshot): boolean {
    const cluster = snapshot.clusters.find((c) => c.name === alert.cluster);
    if (!cluster) return false;
    const stale = new Set(cluster.nodes.filter((n) => n.agentState === 'stale').map((n) => n.name));
    return alert.evidence.some((e) => stale.has(e.node));
  }

  /** When the earliest pending alert passes its rule's `for` (so the caller can evaluate right then), or null. */
  nextDueMs(): number | null {
    let due: number | null = null;
    for (const a of this.active.values()) {
      if (a.status !== 'pending') continue;
      const t = a.startsAtMs + (this.rulesByName.get(a.rule)?.forMs ?? 0);
      if (due === null || t < due) due = t;
    }
    return due;
  }

  rule(name: string): Rule | undefined {
    return this.rulesByName.get(name);
  }
}
