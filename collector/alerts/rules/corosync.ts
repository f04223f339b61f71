// corosync rules: knet links (per node, link and peer, as `corosync-cfgtool -s` shows them on each node) and
// whether the members agree on the membership. A partition shows as disagreeing views; whether it is a split
// brain is Pacemaker's question (two quorate partitions: PacemakerSplitBrain), not this rule's.
import type { CorosyncReport, CorosyncRunning } from '../../../agent/protocol/corosync.js';
import type { ClusterView } from '../../model/model.js';
import type { Evidence, Finding } from '../types.js';
import { finding, freshReports, type Rule } from './types.js';

type Seen = { node: string; atMs: number; report: CorosyncRunning };

const running = (c: ClusterView): Seen[] =>
  freshReports<CorosyncReport>(c, 'corosync').flatMap((r) => (r.report.running ? [{ node: r.node, atMs: r.atMs, report: r.report }] : []));

/**
 * Node id → name for the whole cluster: the hawatch node whose corosync reports that id as its own first (alerts
 * name nodes as hawatch does), else a name any report's member list gives (a node that left has none in its
 * peers' lists). Stale reports only lend names here, never evidence.
 */
const namesOf = (c: ClusterView): Map<number, string> => {
  const own = new Map<number, string>();
  const listed = new Map<number, string>();
  for (const n of c.nodes) {
    const r = n.probes['corosync']?.report as CorosyncReport | null | undefined;
    if (!r || !r.running) continue;
    if (r.localNodeId !== null) own.set(r.localNodeId, n.name);
    for (const m of r.members) if (m.name !== null && m.name !== '') listed.set(m.nodeId, m.name);
  }
  return new Map([...listed, ...own]);
};
const nameIn = (names: Map<number, string>, id: number): string => names.get(id) ?? `nodeid ${id}`;
const ev = (s: Seen, says: string): Evidence => ({ node: s.node, probe: 'corosync', atMs: s.atMs, says });

export const corosyncLinkDown: Rule = {
  name: 'CorosyncLinkDown',
  severity: 'warning',
  // knet marks a link down after a few missed pongs and up again as soon as one arrives: a blip is not worth a page.
  forMs: 10_000,
  runbook: 'A corosync (knet) link to a peer is down: check that network path (interface, switch, firewall UDP 5405+). One of several links down means lost redundancy; all links down to a peer that is alive is a partition.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const views = running(c);
      const names = namesOf(c);
      // Peers that are alive: their own agent is fresh and corosync runs there (it just cannot be reached).
      const alive = new Set(views.flatMap((v) => (v.report.localNodeId === null ? [] : [v.report.localNodeId])));
      const out: Finding[] = [];
      for (const v of views) {
        const r = v.report;
        // Per peer: the links that list it (disabled links do not count) and those of them that are down.
        const perPeer = new Map<number, { links: number[]; down: number[] }>();
        for (const link of r.links) {
          for (const p of link.peers) {
            if (p.local || p.enabled === false || p.nodeId === r.localNodeId) continue;
            const e = perPeer.get(p.nodeId) ?? { links: [], down: [] };
            e.links.push(link.linkId);
            if (!p.connected) e.down.push(link.linkId);
            perPeer.set(p.nodeId, e);
          }
          // corosync 2.x rings (and 3.x udp/udpu) have one status per ring, no per-peer lines.
          if (link.peers.length === 0 && link.faulty === true) {
            out.push(finding(corosyncLinkDown, c.name, { node: v.node, link: String(link.linkId) }, `corosync ring ${link.linkId} is FAULTY on ${v.node}`,
              `${v.node}'s corosync-cfgtool says ring ${link.linkId}${link.address ? ` (${link.address})` : ''} is faulty.`, [ev(v, `ring ${link.linkId}: ${link.status ?? 'FAULTY'}`)]));
          }
        }
        for (const [peer, e] of [...perPeer].sort(([a], [b]) => a - b)) {
          const all = e.down.length === e.links.length;
          const peerName = nameIn(names, peer);
          for (const linkId of e.down) {
            const severity = all && alive.has(peer) ? 'critical' : 'warning';
            out.push(finding(corosyncLinkDown, c.name, { node: v.node, link: String(linkId), peer: peerName },
              `corosync link ${linkId} from ${v.node} to ${peerName} is down${all ? (e.links.length > 1 ? ' (all links to it are down)' : ' (its only link)') : ` (${e.links.length - e.down.length} of ${e.links.length} links still up)`}`,
              all
                ? alive.has(peer)
                  ? `${v.node} cannot reach ${peerName} on any link while ${peerName} still runs corosync: the cluster is partitioned.`
                  : `${v.node} cannot reach ${peerName} on any link; ${peerName} is not reporting a running corosync (node down?).`
                : `${v.node} still reaches ${peerName} on link(s) ${e.links.filter((l) => !e.down.includes(l)).join(', ')}: redundancy is lost, not the peer.`,
              [ev(v, `link ${linkId} to ${peerName} (nodeid ${peer}): ${r.links.find((l) => l.linkId === linkId)?.peers.find((p) => p.nodeId === peer)?.status ?? 'down'}`)], severity));
          }
        }
      }
      return out;
    }),
};

export const corosyncMembershipViewsDiffer: Rule = {
  name: 'CorosyncMembershipViewsDiffer',
  severity: 'warning',
  // During a membership change the nodes move to the new ring within a second, but their probes (every 5 s by
  // default) read it at different moments: a difference must outlast two probe periods.
  forMs: 10_000,
  runbook: 'corosync nodes disagree on who is a member (a partition, or a node stuck in a membership change). This is not a split brain by itself (see PacemakerSplitBrain): compare `corosync-quorumtool -s` on each node, check the links (`corosync-cfgtool -s`).',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const names = namesOf(c);
      const views = new Map<string, { members: string[]; seen: Seen[] }>();
      for (const v of running(c)) {
        const members = v.report.members.filter((m) => m.inQuorumMembership).map((m) => m.nodeId).sort((a, b) => a - b);
        const k = members.join(',');
        const e = views.get(k) ?? { members: members.map((id) => nameIn(names, id)), seen: [] };
        e.seen.push(v);
        views.set(k, e);
      }
      if (views.size < 2) return [];
      const groups = [...views.values()].sort((a, b) => b.seen.length - a.seen.length);
      const text = groups.map((g) => `${g.seen.map((s) => s.node).join(', ')} see {${g.members.join(', ')}}`).join('; ');
      return [
        finding(corosyncMembershipViewsDiffer, c.name, {}, `corosync membership views differ: ${text}`,
          `The nodes' corosync memberships are not the same (${groups.length} views). A partition, not by itself a split brain: only a second quorate partition is one.`,
          groups.flatMap((g) => g.seen.map((s) => ev(s, `ring ${s.report.quorum.ringId ?? '?'}, ${s.report.quorum.quorate ? 'quorate' : 'NOT quorate'}, members {${g.members.join(', ')}}`)))),
      ];
    }),
};

export const COROSYNC_RULES: readonly Rule[] = [corosyncLinkDown, corosyncMembershipViewsDiffer];
