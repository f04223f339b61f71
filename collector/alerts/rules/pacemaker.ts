// Pacemaker/Corosync rules. Each node's crm_mon shows its own partition's view; the collector compares them.
import type { PacemakerReport } from '../../../agent/protocol/index.js';
import type { PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import type { ClusterView } from '../../model/model.js';
import type { Evidence, Finding } from '../types.js';
import { finding, freshReports, type Rule } from './types.js';

type Running = { node: string; atMs: number; report: PacemakerRunning };

const running = (c: ClusterView): Running[] =>
  freshReports<PacemakerReport>(c, 'pacemaker').flatMap((r) => (r.report.running ? [{ node: r.node, atMs: r.atMs, report: r.report }] : []));

/** Reporters grouped by the DC they follow: one group per partition. */
const partitions = (c: ClusterView): Map<string, Running[]> => {
  const byDc = new Map<string, Running[]>();
  for (const r of running(c)) {
    const key = r.report.dc?.name ?? `(no DC: ${r.node})`;
    byDc.set(key, [...(byDc.get(key) ?? []), r]);
  }
  return byDc;
};

const dcSays = (r: Running): string =>
  r.report.dc ? `DC ${r.report.dc.name} ${r.report.dc.withQuorum ? 'with' : 'WITHOUT'} quorum; online: ${r.report.nodes.filter((n) => n.online).map((n) => n.name).join(', ') || 'none'}` : 'no DC';

const ev = (r: Running, says: string): Evidence => ({ node: r.node, probe: 'pacemaker', atMs: r.atMs, says });

/** The freshest report of each partition stands for it: reporters of one partition share one CIB. */
const newestPerPartition = (c: ClusterView): Running[] =>
  [...partitions(c).values()].map((rs) => rs.reduce((a, b) => (b.atMs > a.atMs ? b : a)));

export const pacemakerSplitBrain: Rule = {
  name: 'PacemakerSplitBrain',
  severity: 'critical',
  forMs: 0,
  runbook: 'Two partitions each act as the cluster: stop the service in one partition (or fence a side), then heal the network; check two_node/qdevice and fencing.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      // A DC without quorum is not split brain: an isolated node of a 3-node cluster elects itself DC of nothing.
      const quorateAll = [...partitions(c).entries()].filter(([, rs]) => rs.some((r) => r.report.dc?.withQuorum === true));
      // Reports are taken at different moments: right after a partition the isolated old DC's last report still
      // shows everyone online under it, while the survivors already follow a new DC (seen in the lab, 0.1-1.7 s).
      // Real partitions see disjoint sets of online nodes; a stale view overlaps the fresh one. So only partitions
      // whose online views are disjoint from another quorate partition's count.
      const online = (rs: Running[]) => new Set(rs.reduce((a, b) => (b.atMs > a.atMs ? b : a)).report.nodes.filter((n) => n.online).map((n) => n.name));
      // A partition whose crm_mon still says "with quorum" while it sees a minority online is mid-transition (the
      // lab saw an isolated n3 of 3 report it for ~0.1 s after the split and at the heal). A 2-node cluster is the
      // exception: with two_node, one node is quorate.
      const configured = (rs: Running[]) => Math.max(...rs.map((r) => r.report.nodesConfigured));
      const views = quorateAll
        .map(([dc, rs]) => ({ dc, rs, online: online(rs), configured: configured(rs) }))
        .filter((v) => v.configured <= 2 || v.online.size * 2 > v.configured);
      const disjoint = (a: Set<string>, b: Set<string>) => [...a].every((n) => !b.has(n));
      const quorate = views.filter((v) => views.some((w) => w !== v && disjoint(v.online, w.online))).map((v) => [v.dc, v.rs] as const);
      if (quorate.length < 2) return [];
      const evidence = quorate.flatMap(([, rs]) => rs.map((r) => ev(r, dcSays(r))));
      const dcs = quorate.map(([dc]) => dc).sort();
      return [
        finding(pacemakerSplitBrain, c.name, {}, `split brain: ${dcs.length} partitions each have a DC with quorum (${dcs.join(', ')})`,
          `Nodes report different quorate partitions: ${quorate.map(([dc, rs]) => `${dc} (seen by ${rs.map((r) => r.node).join(', ')})`).join(' vs ')}. Both may run the cluster's resources.`, evidence),
      ];
    }),
};

/** Primitive resources may run on one node; clones, bundles and their instances are left to Pacemaker. */
const singleInstance = (r: PacemakerRunning['resources'][number]) => r.clone === null && !r.parents.some((p) => p.includes('bundle'));

export const pacemakerResourceMultiActive: Rule = {
  name: 'PacemakerResourceActiveTwice',
  severity: 'critical',
  forMs: 0,
  runbook: 'The resource runs on more nodes than it may (data corruption risk): stop it on all but one node, then find out why (split brain, failed stop without fencing).',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      // Union over partitions: within one partition all reporters share a CIB (and Pacemaker itself sees a
      // double start); across partitions only the collector can see the resource running on both sides.
      const holders = new Map<string, Map<string, Running>>();
      for (const r of newestPerPartition(c)) {
        for (const res of r.report.resources) {
          if (!res.active || !singleInstance(res)) continue;
          const m = holders.get(res.id) ?? new Map<string, Running>();
          for (const n of res.nodes) m.set(n, r);
          holders.set(res.id, m);
        }
      }
      const out: Finding[] = [];
      for (const [id, m] of [...holders].sort(([a], [b]) => a.localeCompare(b))) {
        if (m.size < 2) continue;
        const nodes = [...m.keys()].sort();
        const evidence = [...new Set(m.values())].map((r) => ev(r, `${id} active on ${r.report.resources.find((x) => x.id === id)?.nodes.join(', ') ?? '?'}`));
        out.push(finding(pacemakerResourceMultiActive, c.name, { resource: id }, `${id} is active on ${nodes.length} nodes: ${nodes.join(', ')}`,
          `Reports of different partitions show ${id} running on ${nodes.join(' and ')} at the same time.`, evidence));
      }
      return out;
    }),
};

export const pacemakerQuorumLost: Rule = {
  name: 'PacemakerQuorumLost',
  severity: 'critical',
  forMs: 0,
  runbook: 'The node is in a partition without quorum: it stops its resources (no-quorum-policy). Check corosync links (corosync-cfgtool -s) and the network to the other nodes.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      running(c)
        .filter((r) => r.report.dc !== null && !r.report.dc.withQuorum)
        .map((r) => finding(pacemakerQuorumLost, c.name, { node: r.node }, `${r.node} has lost quorum (its partition's DC: ${r.report.dc?.name})`,
          `${r.node}'s crm_mon shows a DC without quorum; online in its view: ${r.report.nodes.filter((n) => n.online).map((n) => n.name).join(', ') || 'none'}.`, [ev(r, dcSays(r))])),
    ),
};

export const pacemakerNodeOffline: Rule = {
  name: 'PacemakerNodeOffline',
  severity: 'warning',
  // The quorate partition's membership is already debounced by corosync's token timeout (seconds); a short
  // extra grace keeps a planned reboot's blink quiet without hiding a real partition.
  forMs: 5_000,
  runbook: 'Check the node (console, power, network); unclean means fencing is pending or failed: check stonith_admin --history.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      // Prefer the view of quorate partitions: an isolated node calling everyone else offline is not news.
      const all = newestPerPartition(c);
      const quorate = all.filter((r) => r.report.dc?.withQuorum === true);
      const views = quorate.length > 0 ? quorate : all;
      const bad = new Map<string, { unclean: boolean; evidence: Evidence[] }>();
      for (const r of views) {
        for (const n of r.report.nodes) {
          if (n.online && !n.unclean) continue;
          if (n.type !== 'member' && n.type !== 'remote' && n.type !== 'unknown') continue;
          const e = bad.get(n.name) ?? { unclean: false, evidence: [] };
          e.unclean ||= n.unclean;
          e.evidence.push(ev(r, `${n.name} ${n.unclean ? 'UNCLEAN' : n.pending ? 'pending' : 'offline'}`));
          bad.set(n.name, e);
        }
      }
      return [...bad].sort(([a], [b]) => a.localeCompare(b)).map(([name, e]) =>
        finding(pacemakerNodeOffline, c.name, { node: name }, `node ${name} is ${e.unclean ? 'UNCLEAN (fencing pending or failed)' : 'offline'}`,
          `Seen by ${e.evidence.map((x) => x.node).join(', ')}.`, e.evidence, e.unclean ? 'critical' : 'warning'));
    }),
};

export const pacemakerResourceFailed: Rule = {
  name: 'PacemakerResourceFailed',
  severity: 'warning',
  forMs: 0,
  runbook: 'An operation of the resource failed: read the failed action (crm_mon --include=failures), fix the cause, then crm_resource --cleanup.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const found = new Map<string, { res: string; node: string; evidence: Evidence[]; what: string }>();
      for (const r of newestPerPartition(c)) {
        for (const f of r.report.failedActions) {
          const key = `${f.resource}\u0000${f.node}`;
          const what = `${f.operation}${f.intervalMs ? ` (${f.intervalMs / 1000} s)` : ''} on ${f.node}: ${f.rcText ?? f.status ?? 'failed'}${f.exitReason ? ` (${f.exitReason})` : ''}`;
          const e = found.get(key) ?? { res: f.resource, node: f.node, evidence: [], what };
          e.evidence.push(ev(r, `failed action ${f.resource} ${what}`));
          found.set(key, e);
        }
        for (const res of r.report.resources) {
          if (!res.failed && !res.blocked) continue;
          for (const n of res.nodes.length ? res.nodes : ['(none)']) {
            const key = `${res.id}\u0000${n}`;
            const e = found.get(key) ?? { res: res.id, node: n, evidence: [], what: res.blocked ? 'blocked' : 'failed' };
            e.evidence.push(ev(r, `${res.id} ${res.blocked ? 'BLOCKED' : 'FAILED'} (${res.role}) on ${n}`));
            found.set(key, e);
          }
        }
      }
      return [...found.values()].sort((a, b) => `${a.res}/${a.node}`.localeCompare(`${b.res}/${b.node}`)).map((e) =>
        finding(pacemakerResourceFailed, c.name, { resource: e.res, node: e.node }, `resource ${e.res} failed: ${e.what}`, `Seen by ${[...new Set(e.evidence.map((x) => x.node))].join(', ')}.`, e.evidence));
    }),
};

export const pacemakerResourceStopped: Rule = {
  name: 'PacemakerResourceNotRunning',
  severity: 'critical',
  // crm_mon shows a resource Stopped for ~2 s after `crm_resource --cleanup` while it is re-probed: not an outage.
  forMs: 15_000,
  runbook: 'The resource should run but runs nowhere: check constraints, bans (crm_mon --include=bans), fail counts and failed actions.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const quorate = newestPerPartition(c).filter((r) => r.report.dc?.withQuorum === true);
      const out: Finding[] = [];
      for (const r of quorate) {
        if (r.report.maintenanceMode || r.report.stopAllResources) continue;
        const byId = new Map<string, PacemakerRunning['resources']>();
        for (const res of r.report.resources) byId.set(res.id, [...(byId.get(res.id) ?? []), res]);
        for (const [id, instances] of byId) {
          const first = instances[0];
          if (!first || first.agent.startsWith('stonith:')) continue;
          if (first.targetRole !== null && /^stopped$/i.test(first.targetRole)) continue;
          if (!first.managed) continue;
          if (instances.some((x) => x.active)) continue;
          out.push(finding(pacemakerResourceStopped, c.name, { resource: id }, `resource ${id} is not running anywhere`, `The quorate partition (DC ${r.report.dc?.name}) shows ${id} ${first.role}.`, [ev(r, `${id} ${first.role}`)]));
        }
      }
      return out;
    }),
};

export const pacemakerFencingFailed: Rule = {
  name: 'PacemakerFencingFailed',
  severity: 'critical',
  forMs: 0,
  runbook: 'Fencing failed: the cluster cannot recover the target\'s resources safely. Check the fence device (stonith_admin --history, fence agent logs) and confirm the node is off before stonith_admin --confirm.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const found = new Map<string, Evidence[]>();
      for (const r of newestPerPartition(c)) {
        // The newest event per target decides: a failed attempt followed by a success is over.
        const latest = new Map<string, (typeof r.report.fenceHistory)[number]>();
        for (const f of r.report.fenceHistory) {
          const prev = latest.get(f.target);
          if (!prev || (f.completed ?? '') >= (prev.completed ?? '') || f.status === 'pending') latest.set(f.target, f);
        }
        for (const [target, f] of latest) {
          if (f.status !== 'failed') continue;
          found.set(target, [...(found.get(target) ?? []), ev(r, `${f.action} of ${target} failed${f.exitReason ? `: ${f.exitReason}` : ''}`)]);
        }
      }
      return [...found].map(([target, evidence]) => finding(pacemakerFencingFailed, c.name, { node: target }, `fencing of ${target} failed`, `Fence history shows the latest attempt on ${target} failed.`, evidence));
    }),
};

export const PACEMAKER_RULES: readonly Rule[] = [
  pacemakerSplitBrain,
  pacemakerResourceMultiActive,
  pacemakerQuorumLost,
  pacemakerNodeOffline,
  pacemakerResourceFailed,
  pacemakerResourceStopped,
  pacemakerFencingFailed,
];
