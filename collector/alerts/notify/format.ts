// What every notifier says about an alert: Prometheus-style labels and annotations, evidence as compact text.
import type { Alert, Evidence } from '../types.js';

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Alertmanager refuses label names outside [a-zA-Z_][a-zA-Z0-9_]* (prometheus/common model.LabelName). */
export const labelName = (k: string): string => {
  const s = k.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s || '_';
};

/**
 * The label set on-call routes by: the alert's own labels, then alertname (the rule), severity and cluster, which
 * win over a rule label of the same name as in Prometheus. Empty values are dropped: Alertmanager drops them too,
 * and every notifier must show the same set.
 */
export const alertLabels = (a: Alert): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.labels)) if (v !== '') out[labelName(k)] = v;
  out['alertname'] = a.rule;
  out['severity'] = a.severity;
  out['cluster'] = a.cluster;
  return sortKeys(out);
};

const MAX_EVIDENCE_LINES = 20;
const MAX_EVIDENCE_CHARS = 4000;

/** One line per observation, oldest first, bounded so a chatty rule cannot make a page unreadable. */
export const evidenceText = (evidence: readonly Evidence[]): string => {
  const lines = [...evidence].sort((x, y) => x.atMs - y.atMs).map((e) => `${iso(e.atMs)} ${e.node} ${e.probe}: ${e.says}`);
  const kept: string[] = [];
  let chars = 0;
  for (const l of lines) {
    if (kept.length >= MAX_EVIDENCE_LINES || chars + l.length > MAX_EVIDENCE_CHARS) break;
    kept.push(l);
    chars += l.length + 1;
  }
  if (kept.length < lines.length) kept.push(`… ${lines.length - kept.length} more`);
  return kept.join('\n');
};

const isUrl = (s: string): boolean => /^https?:\/\/\S+$/.test(s.trim());

/** Annotations as Prometheus users know them; the runbook is a link (runbook_url) or a line of advice (runbook). */
export const alertAnnotations = (a: Alert): Record<string, string> => {
  const out: Record<string, string> = { summary: a.summary, description: a.description };
  if (a.runbook !== '') out[isUrl(a.runbook) ? 'runbook_url' : 'runbook'] = a.runbook.trim();
  if (a.evidence.length > 0) out['evidence'] = evidenceText(a.evidence);
  // hawatch's own identity of the alert, so a receiver can link back to /api/v1/Alerts.
  out['hawatch_fingerprint'] = a.fingerprint;
  return out;
};

/** Where on-call reads the alert in hawatch, when the collector's external URL is known. */
export const alertUrl = (externalUrl: string | undefined, a: Alert): string | undefined =>
  externalUrl === undefined ? undefined : `${externalUrl.replace(/\/+$/, '')}/api/v1/Alerts/${encodeURIComponent(a.fingerprint)}`;

export const sortKeys = (o: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Alertmanager's LabelSet.String(): {a="x", b="y"}, sorted, Go-quoted (groupKey is built from it). */
export const labelSetString = (ls: Readonly<Record<string, string>>): string =>
  `{${Object.entries(sortKeys({ ...ls }))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
