// A rule is a small pure function over one model snapshot: "which problems hold right now".
import type { ModelSnapshot, ClusterView } from '../../model/model.js';
import type { Finding, Severity } from '../types.js';

export interface Rule {
  name: string;
  severity: Severity;
  /** How long a finding must hold before it fires (pages). Split brain fires at once; gaps need a grace. */
  forMs: number;
  /** One line for on-call: what to check first. */
  runbook: string;
  /** Pure: the same snapshot and history give the same findings. Rules that need no history ignore `ctx`. */
  evaluate(snapshot: ModelSnapshot, ctx?: RuleContext): Finding[];
}

/** One stored change of an object's state as one node saw it (a row of the `transitions` table). */
export interface TransitionRecord {
  /** the reporting node */
  node: string;
  probe: string;
  /** e.g. vrrp_instance, pcmk_resource, drbd_peer (the agents' ObjectState kinds) */
  kind: string;
  /** the object's id as the probe states it, e.g. VI_1, dummy, r0/peer/0 */
  object: string;
  from: string | null;
  to: string;
  atMs: number;
}

/**
 * Recent history for rules that need more than the latest snapshot (flapping, "failover happened"). Answers are
 * bounded: an implementation may cut a long window (collector/alerts/rules/history.ts keeps at most one hour).
 */
export interface RuleContext {
  /** Transitions of one kind in one cluster with `atMs` >= sinceMs, oldest first. */
  transitions(cluster: string, kind: string, sinceMs: number): readonly TransitionRecord[];
}

/** What rules see when the engine has no history: nothing happened (history rules then find nothing). */
export const NO_HISTORY: RuleContext = { transitions: () => [] };

/** Reports of one probe from the nodes whose agents are fresh and whose probe run succeeded. Stale data is unknown. */
export const freshReports = <R>(cluster: ClusterView, probe: string): { node: string; atMs: number; report: R }[] => {
  const out: { node: string; atMs: number; report: R }[] = [];
  for (const n of cluster.nodes) {
    if (n.agentState !== 'up') continue;
    const p = n.probes[probe];
    if (!p || p.status !== 'ok' || p.report === null) continue;
    out.push({ node: n.name, atMs: p.atMs, report: p.report as R });
  }
  return out;
};

/** Names of the nodes whose agents are fresh: history from the others is not evidence of anything new. */
export const freshNodes = (cluster: ClusterView): Set<string> => new Set(cluster.nodes.filter((n) => n.agentState === 'up').map((n) => n.name));

export const finding = (
  rule: Pick<Rule, 'name' | 'severity'>,
  cluster: string,
  labels: Record<string, string>,
  summary: string,
  description: string,
  evidence: Finding['evidence'],
  severity?: Severity,
): Finding => ({ rule: rule.name, cluster, severity: severity ?? rule.severity, labels, summary, description, evidence });
