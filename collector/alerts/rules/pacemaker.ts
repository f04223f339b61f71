// Pacemaker/Corosync rules. Each node's crm_mon shows its own partition's view; the collector compares them.
import type { PacemakerReport } from '../../../agent/protocol/index.js';
import type { PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import type { ClusterView } from '../../model/model.js';
import type { Evidence, Finding } from '../types.js';
import { finding, freshNodes, freshReports, type Rule, type TransitionRecord } from './types.js';

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
  // When a partition forms, its quorate side starts the resource while the side without quorum stops its copy;
  // the two nodes' reports straddle that for a moment (the lab paged it once in three runs with no second copy
  // ever seen). Two seconds let the stopping side's next report arrive; a real double activity lasts until the
  // network heals, and in a real split brain PacemakerSplitBrain itself pages at once.
  forMs: 2_000,
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
        // A partition without quorum stops its resources (no-quorum-policy), and reports are taken at different
        // moments: its last report can still show the resource while the quorate side has already started it (seen
        // in the lab: an isolated old DC's dummy next to the survivors' new copy, never running at once). So its
        // claim counts only when its report is newer than the other holders' reports: then the resource is still
        // there after the other side started it. Quorate partitions (a real split brain) count at once.
        const reports = [...new Set(m.values())];
        const stale = (r: Running) => r.report.dc?.withQuorum !== true && reports.some((o) => o !== r && o.atMs >= r.atMs);
        if (reports.some(stale)) continue;
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

/** Pacemaker's INFINITY: the migration threshold when none is set, and the fail count after a failed start. */
const PCMK_INFINITY = 1_000_000;

export const pacemakerFailCountAtThreshold: Rule = {
  name: 'PacemakerFailCountAtThreshold',
  severity: 'warning',
  forMs: 0,
  runbook: 'The resource failed migration-threshold times on the node (or its start failed: fail count INFINITY) and is banned from it until cleanup: fix the cause, then `crm_resource --cleanup --resource RES --node NODE`.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const found = new Map<string, { resource: string; node: string; failCount: number; threshold: number; evidence: Evidence[] }>();
      for (const r of newestPerPartition(c)) {
        for (const f of r.report.failCounts) {
          // migration-threshold 0 turns the ban off; not stated means Pacemaker's default, INFINITY.
          const threshold = f.migrationThreshold ?? PCMK_INFINITY;
          if (threshold <= 0 || f.failCount < threshold) continue;
          const k = `${f.resource}\u0000${f.node}`;
          const e = found.get(k) ?? { resource: f.resource, node: f.node, failCount: f.failCount, threshold, evidence: [] };
          e.evidence.push(ev(r, `${f.resource} on ${f.node}: fail count ${f.failCount >= PCMK_INFINITY ? 'INFINITY' : f.failCount}, migration-threshold ${threshold >= PCMK_INFINITY ? 'INFINITY' : threshold}`));
          found.set(k, e);
        }
      }
      return [...found.values()].sort((a, b) => `${a.resource}/${a.node}`.localeCompare(`${b.resource}/${b.node}`)).map((e) =>
        finding(pacemakerFailCountAtThreshold, c.name, { resource: e.resource, node: e.node }, `${e.resource} reached its migration threshold on ${e.node}`,
          `Fail count ${e.failCount >= PCMK_INFINITY ? 'INFINITY' : e.failCount} ≥ ${e.threshold >= PCMK_INFINITY ? 'INFINITY' : e.threshold}: Pacemaker will not run ${e.resource} on ${e.node} until the fail count is cleared.`, e.evidence));
    }),
};

export const pacemakerFencingPending: Rule = {
  name: 'PacemakerFencingPending',
  severity: 'warning',
  // A fence action normally ends within stonith-timeout (60 s by default); longer means it hangs.
  forMs: 60_000,
  runbook: 'A fencing action has been pending for over a minute: the target\'s resources cannot be recovered until it ends. Check the fence device (`stonith_admin --history TARGET`, fence agent logs); if the node is verifiably off, `stonith_admin --confirm TARGET`.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const found = new Map<string, Evidence[]>();
      for (const r of newestPerPartition(c)) {
        for (const f of r.report.fenceHistory) {
          if (f.status !== 'pending') continue;
          found.set(f.target, [...(found.get(f.target) ?? []), ev(r, `${f.action} of ${f.target} pending${f.delegate ? ` (by ${f.delegate})` : ''}${f.origin ? `, requested by ${f.origin}` : ''}`)]);
        }
      }
      return [...found].sort(([a], [b]) => a.localeCompare(b)).map(([target, evidence]) =>
        finding(pacemakerFencingPending, c.name, { node: target }, `fencing of ${target} is pending`, `Fence history shows an action on ${target} that has not completed.`, evidence));
    }),
};

export interface PacemakerMovedOptions {
  /** How long the info alert stays after the move (then it resolves by itself). */
  showForMs: number;
  /** How far before a move to look for where the resource ran (a stop and the start elsewhere take a while). */
  lookbackMs: number;
}
export const PACEMAKER_MOVED_DEFAULTS: PacemakerMovedOptions = { showForMs: 900_000, lookbackMs: 600_000 };

/** `Started@n2` → n2; the location of a single-node resource state (pacemaker probe's `ROLE@NODES`). */
const locationOf = (state: string | null): string | null => {
  const m = state === null ? null : /^[^@]+@([^,@]+)$/.exec(state);
  return m ? m[1]! : null;
};
const ACTIVE_AT = /^(Started|Promoted|Master)@([^,@]+)$/;

export const pacemakerResourceMovedRule = (o: PacemakerMovedOptions = PACEMAKER_MOVED_DEFAULTS): Rule => {
  const rule: Rule = {
    name: 'PacemakerResourceMoved',
    severity: 'info',
    forMs: 0,
    runbook: 'Pacemaker moved the resource to another node (failure, node loss, standby, a move/ban): check failed actions and `crm_mon --include=bans`; remove a temporary move constraint with `crm_resource --clear`.',
    evaluate: (snap, ctx) =>
      snap.clusters.flatMap((c) => {
        if (!ctx) return [];
        const fresh = freshNodes(c);
        const since = snap.takenAtMs - o.showForMs;
        const reporters = running(c);
        // Per reporting node and resource (primitives only: clone instances are numbered, not placed), the moves it saw.
        const seqs = new Map<string, TransitionRecord[]>();
        for (const t of ctx.transitions(c.name, 'pcmk_resource', since - o.lookbackMs)) {
          if (!fresh.has(t.node) || t.object.includes(':')) continue;
          const k = `${t.node}\u0000${t.object}`;
          seqs.set(k, [...(seqs.get(k) ?? []), t]);
        }
        const moves = new Map<string, { resource: string; from: string; to: string; seenBy: Map<string, TransitionRecord> }>();
        for (const ts of seqs.values()) {
          let where = locationOf(ts[0]!.from);
          for (const t of ts) {
            const m = ACTIVE_AT.exec(t.to);
            if (m && where !== null && where !== m[2] && t.atMs >= since) {
              const k = `${t.object}\u0000${where}\u0000${m[2]}`;
              const e = moves.get(k) ?? { resource: t.object, from: where, to: m[2]!, seenBy: new Map() };
              e.seenBy.set(t.node, t);
              moves.set(k, e);
            }
            where = locationOf(t.to) ?? where;
          }
        }
        const out = new Map<string, Finding>();
        for (const mv of moves.values()) {
          // Every fresh node that reports the resource must have seen this move and must show it on the new node
          // now: a partition that starts it on its side (split brain) is not a failover, and neither is the
          // survivor's copy being stopped when the partition heals.
          const views = reporters.filter((r) => r.report.resources.some((x) => x.id === mv.resource));
          if (views.length === 0) continue;
          const agreed = views.every((r) => {
            const res = r.report.resources.find((x) => x.id === mv.resource)!;
            return mv.seenBy.has(r.node) && res.active && res.nodes.includes(mv.to) && !res.nodes.includes(mv.from);
          });
          if (!agreed) continue;
          // Members of a group move together: one alert for the group.
          const group = views[0]!.report.resources.find((x) => x.id === mv.resource)?.group ?? null;
          const name = group ?? mv.resource;
          const k = `${name}\u0000${mv.from}\u0000${mv.to}`;
          if (out.has(k)) continue;
          const seen = [...mv.seenBy.values()];
          out.set(k, finding(rule, c.name, { resource: name, from: mv.from, to: mv.to }, `${group ? `group ${group}` : mv.resource} moved from ${mv.from} to ${mv.to}`,
            `Seen by ${seen.map((t) => t.node).sort().join(', ')}: ${mv.resource} ${seen[0]!.from} → ${seen[0]!.to} at ${new Date(Math.max(...seen.map((t) => t.atMs))).toISOString()}.`,
            seen.map((t) => ({ node: t.node, probe: 'pacemaker', atMs: t.atMs, says: `${mv.resource} ${t.from ?? '(new)'} → ${t.to}` }))));
        }
        return [...out.values()];
      }),
  };
  return rule;
};
export const pacemakerResourceMoved = pacemakerResourceMovedRule();

export const PACEMAKER_RULES: readonly Rule[] = [
  pacemakerSplitBrain,
  pacemakerResourceMultiActive,
  pacemakerQuorumLost,
  pacemakerNodeOffline,
  pacemakerResourceFailed,
  pacemakerResourceStopped,
  pacemakerFencingFailed,
  pacemakerFailCountAtThreshold,
  pacemakerFencingPending,
  pacemakerResourceMoved,
];
