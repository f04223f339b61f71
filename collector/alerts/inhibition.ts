// Inhibition as Alertmanager does it: while a firing alert matches a rule's source matchers, alerts matching its
// target matchers whose `equal` labels have the same values are inhibited: stored and shown, never paged. A node
// that is down explains the alerts about that node; a partition without quorum explains resources not running.
import type { Alert } from './types.js';
import { alertLabels } from './notify/format.js';
import { compileMatchers, matchersMatch, matcherProblems, type CompiledMatcher, type Matcher } from './silences.js';

export interface InhibitRule {
  /** For logs and the AlertService resource. */
  name: string;
  sourceMatchers: Matcher[];
  targetMatchers: Matcher[];
  /** Labels that must have the same value on source and target (a label both lack counts as equal, as in Alertmanager). */
  equal: string[];
}

const eq = (name: string, value: string): Matcher => ({ name, value, isRegex: false, isEqual: true });
const re = (name: string, value: string, isEqual = true): Matcher => ({ name, value, isRegex: true, isEqual });

/** Alerts that must page even while their node is down: they are about the failure itself, or about fencing it. */
const NEVER_INHIBITED_BY_NODE_DOWN = 'PacemakerSplitBrain|VrrpSplitBrain|PacemakerResourceActiveTwice|PacemakerFencingFailed';

export const DEFAULT_INHIBIT_RULES: readonly InhibitRule[] = [
  {
    // Offline or UNCLEAN (the rule's critical variant): the agent going stale, probes failing, VRRP faults and
    // resource failures on that node are its consequences. Split brain and failed fencing are not.
    name: 'node-down',
    sourceMatchers: [eq('alertname', 'PacemakerNodeOffline')],
    targetMatchers: [re('node', '.+'), re('alertname', NEVER_INHIBITED_BY_NODE_DOWN, false)],
    equal: ['cluster', 'node'],
  },
  {
    // Without quorum Pacemaker stops resources (no-quorum-policy): "not running" is the consequence, not news.
    name: 'quorum-lost-resources',
    sourceMatchers: [eq('alertname', 'PacemakerQuorumLost')],
    targetMatchers: [eq('alertname', 'PacemakerResourceNotRunning')],
    equal: ['cluster'],
  },
  {
    // Failover information (severity info) in a cluster that lost quorum adds nothing to the quorum page.
    name: 'quorum-lost-info',
    sourceMatchers: [eq('alertname', 'PacemakerQuorumLost')],
    targetMatchers: [eq('severity', 'info')],
    equal: ['cluster'],
  },
];

/** Problems of configured rules, one line each (empty when fine). */
export const inhibitRuleProblems = (rules: readonly InhibitRule[], where = 'alerting.inhibitRules'): string[] =>
  rules.flatMap((r, i) => {
    const at = `${where}[${r.name || i}]`;
    return [...matcherProblems(r.sourceMatchers, `${at}.sourceMatchers`), ...matcherProblems(r.targetMatchers, `${at}.targetMatchers`)];
  });

interface Compiled {
  rule: InhibitRule;
  source: CompiledMatcher[];
  target: CompiledMatcher[];
}

export class Inhibitor {
  private readonly compiled: Compiled[];

  constructor(readonly rules: readonly InhibitRule[]) {
    this.compiled = rules.map((rule) => ({ rule, source: compileMatchers(rule.sourceMatchers), target: compileMatchers(rule.targetMatchers) }));
  }

  /**
   * For each inhibited alert among `alerts`, the fingerprints of the alerts inhibiting it. Sources are firing alerts
   * that are not historical (a state already over explains nothing now); an alert never inhibits itself.
   */
  inhibitedBy(alerts: readonly (Alert & { historical?: boolean })[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (this.compiled.length === 0) return out;
    const labelled = alerts.map((a) => ({ a, labels: alertLabels(a) }));
    const sources = labelled.filter((x) => x.a.status === 'firing' && x.a.historical !== true);
    for (const c of this.compiled) {
      const active = sources.filter((s) => matchersMatch(c.source, s.labels));
      if (active.length === 0) continue;
      for (const t of labelled) {
        if (t.a.status === 'resolved' || !matchersMatch(c.target, t.labels)) continue;
        for (const s of active) {
          if (s.a.fingerprint === t.a.fingerprint) continue;
          if (!c.rule.equal.every((k) => (s.labels[k] ?? '') === (t.labels[k] ?? ''))) continue;
          const list = out.get(t.a.fingerprint) ?? [];
          if (!list.includes(s.a.fingerprint)) list.push(s.a.fingerprint);
          out.set(t.a.fingerprint, list);
        }
      }
    }
    for (const l of out.values()) l.sort();
    return out;
  }
}
