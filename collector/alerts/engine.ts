// The alert lifecycle: findings → pending → firing (after the rule's `for`) → resolved, with a stable
// fingerprint, evidence and every change stored. Stale data is unknown: when an alert's condition disappears only
// because a node in its evidence went silent, the alert stays as it is (neither raised nor cleared by silence).
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { ModelSnapshot } from '../model/model.js';
import type { Alert, AlertNotification, Finding } from './types.js';
import type { Rule } from './rules/types.js';

export const fingerprintOf = (rule: string, cluster: string, labels: Record<string, string>): string => {
  const canonical = JSON.stringify([rule, cluster, Object.keys(labels).sort().map((k) => [k, labels[k]])]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
};

interface AlertRow {
  fingerprint: string; rule: string; cluster: string; severity: Alert['severity']; labels: string; summary: string; description: string;
  runbook: string; status: Alert['status']; starts_ms: number; firing_ms: number | null; ends_ms: number | null; evidence: string; updated_ms: number;
}

const fromRow = (r: AlertRow): Alert => ({
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
});

/** Alerts in SQLite: the current row per fingerprint plus a history row per status change. */
export class AlertStore {
  private readonly stmt;
  constructor(private readonly db: Db) {
    this.stmt = {
      upsert: db.prepare(`
        INSERT INTO alerts (fingerprint, rule, cluster, severity, labels, summary, description, runbook, status, starts_ms, firing_ms, ends_ms, evidence, updated_ms)
        VALUES (@fingerprint, @rule, @cluster, @severity, @labels, @summary, @description, @runbook, @status, @startsAtMs, @firingAtMs, @endsAtMs, @evidence, @updatedAtMs)
        ON CONFLICT (fingerprint) DO UPDATE SET rule = excluded.rule, cluster = excluded.cluster, severity = excluded.severity, labels = excluded.labels,
          summary = excluded.summary, description = excluded.description, runbook = excluded.runbook, status = excluded.status,
          starts_ms = excluded.starts_ms, firing_ms = excluded.firing_ms, ends_ms = excluded.ends_ms, evidence = excluded.evidence, updated_ms = excluded.updated_ms`),
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
        else this.stmt.upsert.run({ ...c.alert, labels: JSON.stringify(c.alert.labels), evidence: JSON.stringify(c.alert.evidence) });
        if (c.from !== c.to) this.stmt.history.run(c.alert.fingerprint, c.alert.updatedAtMs, c.from, c.to, JSON.stringify(c.alert.evidence));
      }
      alsoInTransaction?.();
    })();
  }

  open(): Alert[] {
    return (this.stmt.open.all() as AlertRow[]).map(fromRow);
  }

  /** Open alerts and those that changed since `sinceMs`, newest first. */
  recent(sinceMs: number, limit = 500): Alert[] {
    return (this.stmt.recent.all(sinceMs, limit) as AlertRow[]).map(fromRow);
  }

  get(fingerprint: string): Alert | null {
    const r = this.stmt.one.get(fingerprint) as AlertRow | undefined;
    return r ? fromRow(r) : null;
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
}

export class AlertEngine {
  private readonly active = new Map<string, Alert>();
  private readonly rulesByName: Map<string, Rule>;

  constructor(private readonly opts: AlertEngineOptions) {
    this.rulesByName = new Map(opts.rules.map((r) => [r.name, r]));
    for (const a of opts.store.open()) this.active.set(a.fingerprint, a);
  }

  /** Pending and firing alerts, most severe first. */
  openAlerts(): Alert[] {
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    return [...this.active.values()].sort((a, b) => rank[a.severity] - rank[b.severity] || a.startsAtMs - b.startsAtMs).map((a) => structuredClone(a));
  }

  /** Evaluate every rule on one snapshot; store what changed; return what notifiers must be told. */
  evaluate(snapshot: ModelSnapshot): AlertNotification[] {
    const now = snapshot.takenAtMs;
    const findings: { rule: Rule; f: Finding }[] = [];
    for (const rule of this.opts.rules) {
      for (const f of rule.evaluate(snapshot)) findings.push({ rule, f });
    }
    const changes: { alert: Alert; from: Alert['status'] | null; to: Alert['status'] | 'cancelled' }[] = [];
    const notify: AlertNotification[] = [];
    const seen = new Set<string>();
    for (const { rule, f } of findings) {
      const fp = fingerprintOf(f.rule, f.cluster, f.labels);
      if (seen.has(fp)) continue; // one finding per fingerprint and evaluation
      seen.add(fp);
      const prev = this.active.get(fp);
      const alert: Alert = prev
        ? { ...prev, severity: f.severity, summary: f.summary, description: f.description, evidence: f.evidence, updatedAtMs: now }
        : {
            fingerprint: fp, rule: f.rule, cluster: f.cluster, severity: f.severity, labels: f.labels, summary: f.summary, description: f.description,
            runbook: rule.runbook, status: 'pending', startsAtMs: now, firingAtMs: null, endsAtMs: null, evidence: f.evidence, updatedAtMs: now,
          };
      const from = prev?.status ?? null;
      if (alert.status === 'pending' && now - alert.startsAtMs >= rule.forMs) {
        alert.status = 'firing';
        alert.firingAtMs = now;
        notify.push({ kind: 'firing', alert: structuredClone(alert) });
      }
      this.active.set(fp, alert);
      // Evidence refreshes are kept in memory; the row is written on status changes and when first seen.
      if (from !== alert.status) changes.push({ alert, from, to: alert.status });
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
