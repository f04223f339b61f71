// Pure: the cluster-wide Pacemaker view built from every fresh member's crm_mon report.
// One report is the reference (the designated controller's view of its partition); the others are compared to it.
import type { ClusterView } from '../../model/model.js';
import type { PacemakerResource, PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import { pacemakerReports, runningPacemaker, type Fresh } from './reports.js';

/**
 * The report the cluster-wide view follows: a reporter whose partition has quorum, then the largest partition,
 * then the DC's own report, then by name, so the choice is stable. null when no fresh member runs Pacemaker.
 */
export const referenceReport = (c: ClusterView): Fresh<PacemakerRunning> | null => {
  const running = runningPacemaker(c);
  const partitionSize = (dc: string | undefined) => running.filter((f) => f.report.dc?.name === dc).length;
  const ranked = [...running].sort((a, b) => {
    const qa = a.report.dc?.withQuorum === true ? 1 : 0;
    const qb = b.report.dc?.withQuorum === true ? 1 : 0;
    if (qa !== qb) return qb - qa;
    const sa = a.report.dc ? partitionSize(a.report.dc.name) : 0;
    const sb = b.report.dc ? partitionSize(b.report.dc.name) : 0;
    if (sa !== sb) return sb - sa;
    const da = a.report.dc?.name === a.node.name ? 1 : 0;
    const db = b.report.dc?.name === b.node.name ? 1 : 0;
    if (da !== db) return db - da;
    return a.node.name.localeCompare(b.node.name);
  });
  return ranked[0] ?? null;
};

/** Every node name the fresh reports mention, so that a link to any of them resolves. */
export const pacemakerNodeNames = (c: ClusterView): Set<string> => {
  const names = new Set<string>();
  for (const { report } of runningPacemaker(c)) {
    for (const n of report.nodes) names.add(n.name);
    for (const r of report.resources) for (const n of r.nodes) names.add(n);
    for (const f of report.failCounts) names.add(f.node);
    if (report.dc) names.add(report.dc.name);
  }
  return names;
};

/** How each fresh reporter sees `node` in its crm_mon output; the collector's value is in comparing them. */
export const pacemakerSeenBy = (c: ClusterView, node: string): Record<string, string> => {
  const seen: Record<string, string> = {};
  for (const { node: reporter, report: r } of pacemakerReports(c)) {
    if (!r.running) {
      if (reporter.name === node) seen[reporter.name] = 'cluster-stack-down';
      continue;
    }
    const n = r.nodes.find((x) => x.name === node);
    if (!n) continue;
    seen[reporter.name] = n.unclean
      ? 'unclean'
      : !n.online
        ? n.pending ? 'pending' : 'offline'
        : n.maintenance ? 'maintenance' : n.standby ? 'standby' : 'online';
  }
  return seen;
};

export interface Partition {
  dc: string | null;
  withQuorum: boolean | null;
  members: string[];
  seenOnline: string[];
}

/** Reporters grouped by the DC they name: two groups with a DC each is a partitioned cluster. */
export const partitions = (c: ClusterView): Partition[] => {
  const groups = new Map<string, Partition>();
  for (const { node, report } of runningPacemaker(c)) {
    const key = report.dc ? `dc:${report.dc.name}` : 'none';
    const p = groups.get(key) ?? { dc: report.dc?.name ?? null, withQuorum: report.dc ? report.dc.withQuorum : null, members: [], seenOnline: [] };
    p.members.push(node.name);
    if (report.dc && report.dc.withQuorum) p.withQuorum = true;
    p.seenOnline = [...new Set([...p.seenOnline, ...report.nodes.filter((n) => n.online).map((n) => n.name)])].sort();
    groups.set(key, p);
  }
  return [...groups.values()].sort((a, b) => (a.dc ?? '\uffff').localeCompare(b.dc ?? '\uffff'));
};

// For a clone's summary role: the most advanced role any instance has.
const ROLE_RANK: Record<string, number> = { Promoted: 5, Master: 5, Started: 4, Unpromoted: 4, Slave: 4, Stopped: 0, Unknown: 1 };
const roleRank = (role: string): number => ROLE_RANK[role] ?? 2;

export interface ResourceSummary {
  id: string;
  agent: string;
  instances: PacemakerResource[];
  role: string;
  activeNodes: string[];
  active: boolean;
  failed: boolean;
  blocked: boolean;
  managed: boolean;
  orphaned: boolean;
}

/** crm_mon lists each clone instance with the primitive's id; one REST resource per id gathers them. */
export const summarizeResources = (report: PacemakerRunning): Map<string, ResourceSummary> => {
  const byId = new Map<string, PacemakerResource[]>();
  for (const r of report.resources) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const out = new Map<string, ResourceSummary>();
  for (const [id, instances] of byId) {
    const first = instances[0];
    if (!first) continue;
    const role = instances.reduce((best, r) => (roleRank(r.role) > roleRank(best) ? r.role : best), first.role);
    out.set(id, {
      id,
      agent: first.agent,
      instances,
      role,
      activeNodes: [...new Set(instances.filter((r) => r.active).flatMap((r) => r.nodes))].sort(),
      active: instances.some((r) => r.active && r.nodes.length > 0),
      failed: instances.some((r) => r.failed),
      blocked: instances.some((r) => r.blocked),
      managed: instances.every((r) => r.managed),
      orphaned: instances.some((r) => r.orphaned),
    });
  }
  return out;
};

export interface Disagreement {
  reporter: string;
  present: boolean;
  role: string | null;
  nodes: string[];
  failed: boolean | null;
  managed: boolean | null;
}

const sameView = (a: ResourceSummary, b: ResourceSummary): boolean =>
  a.role === b.role && a.failed === b.failed && a.managed === b.managed && a.activeNodes.join('\u0000') === b.activeNodes.join('\u0000');

/** Per resource id: the fresh reporters (other than the reference) whose view of it differs. */
export const disagreements = (c: ClusterView, reference: Fresh<PacemakerRunning>, ref: Map<string, ResourceSummary>): Map<string, Disagreement[]> => {
  const out = new Map<string, Disagreement[]>();
  for (const other of runningPacemaker(c)) {
    if (other.node.name === reference.node.name) continue;
    const theirs = summarizeResources(other.report);
    for (const [id, mine] of ref) {
      const t = theirs.get(id);
      if (t && sameView(mine, t)) continue;
      const d: Disagreement = t
        ? { reporter: other.node.name, present: true, role: t.role, nodes: t.activeNodes, failed: t.failed, managed: t.managed }
        : { reporter: other.node.name, present: false, role: null, nodes: [], failed: null, managed: null };
      out.set(id, [...(out.get(id) ?? []), d]);
    }
  }
  return out;
};

/** Fail counts of a resource: crm_mon names a clone instance `id:N` or the primitive `id`. */
export const failCountsOf = (report: PacemakerRunning, id: string) =>
  report.failCounts.filter((f) => f.resource === id || f.resource.startsWith(`${id}:`));
