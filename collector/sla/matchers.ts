// Which stored maintenance windows and which alerts concern one SLA object. Pure: labels in, booleans out.
//
// An SLA object has labels like an alert's: cluster always; node, resource or address by kind (a cluster object has
// only cluster). Maintenance windows come from the silences table (migration 4, kind 'maintenance'), with
// Alertmanager-style matchers {name, value, isRegex, isEqual}; a window concerns the object when every matcher
// matches. A matcher on a name the object lacks (alertname, or node for a resource) matches only when its value is
// empty (`node=""`: "no node label"), so a window aimed at one alert never excludes a whole cluster from the SLA.
// Regexes are anchored, as in Alertmanager. A window without matchers names nothing.
import { matcherMatches as alertMatcherMatches, type Matcher } from '../alerts/silences.js';
import type { SlaKind, SlaTarget } from './store.js';

export type { Matcher };

/** The label an object of each kind carries its id under (none for a cluster). */
export const OBJECT_LABEL: Readonly<Record<SlaKind, string | null>> = Object.freeze({ resource: 'resource', vip: 'address', node: 'node', cluster: null });

/** The labels an SLA object is matched by. */
export const targetLabels = (t: SlaTarget): Record<string, string> => {
  const key = OBJECT_LABEL[t.kind];
  return key === null ? { cluster: t.cluster } : { cluster: t.cluster, [key]: t.object };
};

/** Alertmanager's matching (the silences' own), except that a label the object lacks never matches a non-empty value. */
export const matcherMatches = (m: Matcher, labels: Readonly<Record<string, string>>): boolean =>
  Object.hasOwn(labels, m.name) || m.value === '' ? alertMatcherMatches(m, labels) : false;

export const matchersMatch = (matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean =>
  matchers.length > 0 && matchers.every((m) => matcherMatches(m, labels));

/** Matchers from the stored JSON; null when it is not a list of well-formed matchers (then the window is ignored). */
export const parseMatchers = (json: string): Matcher[] | null => {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(raw)) return null;
  const out: Matcher[] = [];
  for (const x of raw) {
    if (typeof x !== 'object' || x === null) return null;
    const m = x as Record<string, unknown>;
    if (typeof m['name'] !== 'string' || typeof m['value'] !== 'string') return null;
    // Alertmanager's API defaults: isEqual true, isRegex false.
    out.push({ name: m['name'], value: m['value'], isRegex: m['isRegex'] === true, isEqual: m['isEqual'] !== false });
  }
  return out;
};

/** The routers (VRID, instance names) a virtual address belongs to, for alerts that name the router only. */
export interface VipRouters {
  readonly vrids: readonly string[];
  readonly instances: readonly string[];
}

const NARROWER = ['resource', 'address', 'vrid', 'instance'] as const;

/**
 * An alert is about the narrowest object its labels name (as hawatchAlertObject reads them): a resource, a virtual
 * address (or, without an address label, the VRRP router the address belongs to), a node, else the cluster.
 * Only alerts of the object's own cluster are passed in.
 */
export const alertIsAbout = (labels: Readonly<Record<string, string>>, t: SlaTarget, vip?: VipRouters): boolean => {
  switch (t.kind) {
    case 'resource':
      return labels['resource'] === t.object;
    case 'vip':
      if (labels['address'] !== undefined) return labels['address'] === t.object;
      if (vip === undefined || labels['resource'] !== undefined) return false;
      if (labels['vrid'] !== undefined) return vip.vrids.includes(labels['vrid']);
      return labels['instance'] !== undefined && vip.instances.includes(labels['instance']);
    case 'node':
      return labels['node'] === t.object && NARROWER.every((k) => labels[k] === undefined);
    case 'cluster':
      return labels['node'] === undefined && NARROWER.every((k) => labels[k] === undefined);
  }
};
