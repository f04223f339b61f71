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
  evaluate(snapshot: ModelSnapshot): Finding[];
}

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

export const finding = (
  rule: Pick<Rule, 'name' | 'severity'>,
  cluster: string,
  labels: Record<string, string>,
  summary: string,
  description: string,
  evidence: Finding['evidence'],
  severity?: Severity,
): Finding => ({ rule: rule.name, cluster, severity: severity ?? rule.severity, labels, summary, description, evidence });
