// VRRP rules. keepalived's state is each node's claim; `ip addr` on each node is the ground truth of who holds
// a virtual IP. Only comparing nodes shows two MASTERs for one VRID or one VIP on two nodes.
import type { VrrpReport, VrrpInstance } from '../../../agent/protocol/vrrp.js';
import type { ClusterView } from '../../model/model.js';
import type { Evidence, Finding } from '../types.js';
import { finding, freshNodes, freshReports, type Rule, type TransitionRecord } from './types.js';

type Seen = { node: string; atMs: number; instance: VrrpInstance };

/** Instances by VRRP router: VRID (and interface-independent name when the VRID is unknown). */
const byRouter = (c: ClusterView): Map<string, Seen[]> => {
  const m = new Map<string, Seen[]>();
  for (const r of freshReports<VrrpReport>(c, 'vrrp')) {
    for (const i of r.report.instances) {
      const key = i.vrid !== null ? `vrid ${i.vrid}` : `instance ${i.name}`;
      m.set(key, [...(m.get(key) ?? []), { node: r.node, atMs: r.atMs, instance: i }]);
    }
  }
  return m;
};

const says = (s: Seen): string => {
  const vips = s.instance.vips.map((v) => `${v.address}${v.present === true ? ' present' : v.present === false ? ' absent' : ''}`).join(', ');
  return `${s.instance.name} ${s.instance.state}${s.instance.claimedState && s.instance.claimedState !== s.instance.state ? ` (keepalived last said ${s.instance.claimedState})` : ''}${vips ? `; ${vips}` : ''}`;
};
const ev = (s: Seen): Evidence => ({ node: s.node, probe: 'vrrp', atMs: s.atMs, says: says(s) });

const routerLabels = (key: string, seen: Seen[]): Record<string, string> => {
  const first = seen[0]?.instance;
  return key.startsWith('vrid ') ? { vrid: key.slice(5), instance: first?.name ?? '' } : { instance: first?.name ?? key };
};

export const vrrpSplitBrain: Rule = {
  name: 'VrrpSplitBrain',
  severity: 'critical',
  // Nodes are observed at different moments: during a preemption the new MASTER's report can arrive before the
  // old one's BACKUP (keepalived 2.2.7 hands over within ~3 ms, and both agents push a FIFO event at once, ~0.1 s
  // later). One second covers that race ten times over and still pages about a second after the second MASTER
  // appears; a real split brain lasts until the network heals. (It was 2 s; the lab's failover and preemption
  // scenarios assert that no transient split brain fires.)
  forMs: 1_000,
  runbook: 'Two nodes act as MASTER or hold the same virtual IP: clients see ARP flapping. Check the VRRP path between the nodes (adverts, multicast, firewall), then stop keepalived on one side or remove the stale address (ip addr del).',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const out: Finding[] = [];
      for (const [key, seen] of [...byRouter(c)].sort(([a], [b]) => a.localeCompare(b))) {
        const masters = seen.filter((s) => s.instance.state === 'MASTER');
        // Ground truth: the same VIP present on two nodes, whatever keepalived claims (e.g. a crashed MASTER left it).
        const holders = new Map<string, Set<string>>();
        for (const s of seen) for (const v of s.instance.vips) if (v.present === true) holders.set(v.address, (holders.get(v.address) ?? new Set()).add(s.node));
        const doubled = [...holders].filter(([, nodes]) => nodes.size > 1);
        if (masters.length < 2 && doubled.length === 0) continue;
        const reasons: string[] = [];
        if (masters.length >= 2) reasons.push(`${masters.length} nodes are MASTER (${masters.map((m) => m.node).sort().join(', ')})`);
        for (const [addr, nodes] of doubled) reasons.push(`${addr} is on ${[...nodes].sort().join(' and ')}`);
        const nodes = [...new Set([...masters.map((m) => m.node), ...doubled.flatMap(([, n]) => [...n])])].sort();
        out.push(
          finding(vrrpSplitBrain, c.name, routerLabels(key, seen), `VRRP split brain on ${key}: ${reasons.join('; ')}`,
            `Nodes involved: ${nodes.join(', ')}. keepalived's claims and the addresses on each node's interfaces disagree with a single master.`,
            seen.filter((s) => nodes.includes(s.node)).map(ev)),
        );
      }
      return out;
    }),
};

export const vrrpVipNoHolder: Rule = {
  name: 'VrrpVipNoHolder',
  severity: 'critical',
  // A failover leaves the VIP on no node for ~0.6 s (measured, keepalived 2.2.7): that is not an outage page.
  forMs: 5_000,
  runbook: 'No node holds the virtual IP: the service is unreachable. Check keepalived on all nodes (FAULT states, tracked scripts, interfaces).',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      // If any node that has this router configured is stale, we cannot know: unknown, not an outage.
      const reporters = new Set(freshReports<VrrpReport>(c, 'vrrp').map((r) => r.node));
      const anyStale = c.nodes.some((n) => n.agentState === 'stale' && n.probes['vrrp']);
      if (anyStale) return [];
      const out: Finding[] = [];
      for (const [key, seen] of byRouter(c)) {
        const configured = new Set(seen.flatMap((s) => s.instance.vips.filter((v) => !v.excluded).map((v) => v.address)));
        for (const addr of [...configured].sort()) {
          const known = seen.filter((s) => s.instance.vips.some((v) => v.address === addr && v.present !== null));
          if (known.length === 0 || known.some((s) => s.instance.vips.some((v) => v.address === addr && v.present === true))) continue;
          out.push(finding(vrrpVipNoHolder, c.name, { ...routerLabels(key, seen), address: addr }, `virtual IP ${addr} (${key}) is on no node`,
            `Checked on ${[...reporters].sort().join(', ')}.`, known.map(ev)));
        }
      }
      return out;
    }),
};

export const vrrpVipOnNonMaster: Rule = {
  name: 'VrrpVipOnNonMaster',
  severity: 'warning',
  forMs: 5_000,
  runbook: 'A node holds a virtual IP while keepalived there is not MASTER (crashed or stopped keepalived leaves addresses behind): remove the address or restart keepalived.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      [...byRouter(c).entries()].flatMap(([key, seen]) =>
        seen.flatMap((s) =>
          s.instance.state === 'MASTER'
            ? []
            : s.instance.vips
                .filter((v) => v.present === true)
                .map((v) => finding(vrrpVipOnNonMaster, c.name, { ...routerLabels(key, seen), node: s.node, address: v.address },
                  `${v.address} sits on ${s.node}, where ${s.instance.name} is ${s.instance.state}`, `keepalived on ${s.node} does not claim MASTER but the address is on ${v.presentOn ?? 'an interface'}.`, [ev(s)])),
        ),
      ),
    ),
};

export const vrrpFault: Rule = {
  name: 'VrrpInstanceFault',
  severity: 'warning',
  forMs: 0,
  runbook: 'keepalived put the instance in FAULT (interface down or a tracked script failing): this node cannot take over. Check the interface and the track scripts.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      [...byRouter(c).entries()].flatMap(([key, seen]) =>
        seen
          .filter((s) => s.instance.state === 'FAULT')
          .map((s) => finding(vrrpFault, c.name, { ...routerLabels(key, seen), node: s.node }, `${s.instance.name} is FAULT on ${s.node}${s.instance.interfaceUp === false ? ' (interface down)' : ''}`,
            `${s.node} cannot act as backup for ${key} while in FAULT.`, [ev(s)])),
      ),
    ),
};

// History rules: keepalived's notify FIFO triggers a vrrp probe run at once, so each MASTER/BACKUP change becomes a
// `vrrp_instance` transition row (collector/store/writer.ts); the report itself carries only the latest state.

const gainsOrLosesMaster = (t: TransitionRecord): boolean => t.from !== null && (t.from === 'MASTER') !== (t.to === 'MASTER');
const atText = (ms: number): string => new Date(ms).toISOString();

export interface VrrpFlappingOptions {
  /** This many changes into or out of MASTER of one instance on one node ... */
  transitions: number;
  /** ... within this window is flapping. */
  windowMs: number;
}
/** 4 changes in 10 min: a failover and its failback (2 per node) stay below it; two round trips reach it. */
export const VRRP_FLAPPING_DEFAULTS: VrrpFlappingOptions = { transitions: 4, windowMs: 600_000 };

export const vrrpFlappingRule = (o: VrrpFlappingOptions = VRRP_FLAPPING_DEFAULTS): Rule => {
  const rule: Rule = {
    name: 'VrrpFlapping',
    severity: 'warning',
    forMs: 0, // the window is the debounce
    runbook: 'The instance keeps changing between MASTER and BACKUP: adverts get lost (multicast, firewall, a busy CPU) or a track script/interface flaps. Check `journalctl -u keepalived` for the reasons and the priorities of both nodes.',
    evaluate: (snap, ctx) =>
      snap.clusters.flatMap((c) => {
        if (!ctx) return [];
        const fresh = freshNodes(c);
        const counts = new Map<string, TransitionRecord[]>();
        for (const t of ctx.transitions(c.name, 'vrrp_instance', snap.takenAtMs - o.windowMs)) {
          if (!fresh.has(t.node) || !gainsOrLosesMaster(t)) continue;
          const k = `${t.node}\u0000${t.object}`;
          counts.set(k, [...(counts.get(k) ?? []), t]);
        }
        return [...counts.values()]
          .filter((ts) => ts.length >= o.transitions)
          .map((ts) => {
            const { node, object } = ts[0]!;
            return finding(rule, c.name, { node, instance: object }, `VRRP ${object} on ${node} is flapping: ${ts.length} MASTER changes in ${o.windowMs / 60_000} min`,
              `${ts.map((t) => `${t.from}→${t.to} at ${atText(t.atMs)}`).join(', ')}.`,
              ts.map((t) => ({ node, probe: 'vrrp', atMs: t.atMs, says: `${object} ${t.from} → ${t.to}` })));
          });
      }),
  };
  return rule;
};
export const vrrpFlapping = vrrpFlappingRule();

export interface VrrpFailoverOptions {
  /** How long the info alert stays after the move (then it resolves by itself). */
  showForMs: number;
  /** A BACKUP takes over this long after the old MASTER let go at most (keepalived: 3 adverts + skew, 3.6 s at 1 s). */
  takeoverWithinMs: number;
  /** A preempted MASTER lets go this long after the new one took over at most (its next advert). Longer is two MASTERs. */
  releaseWithinMs: number;
}
export const VRRP_FAILOVER_DEFAULTS: VrrpFailoverOptions = { showForMs: 900_000, takeoverWithinMs: 30_000, releaseWithinMs: 3_000 };

export const vrrpFailoverRule = (o: VrrpFailoverOptions = VRRP_FAILOVER_DEFAULTS): Rule => {
  const rule: Rule = {
    name: 'VrrpFailover',
    severity: 'info',
    forMs: 0,
    runbook: 'MASTER (and its virtual IPs) moved to another node: find out why the old MASTER gave up (keepalived stopped, FAULT, priority change) in its journal; no action needed if it was planned.',
    evaluate: (snap, ctx) =>
      snap.clusters.flatMap((c) => {
        if (!ctx) return [];
        const fresh = freshNodes(c);
        const since = snap.takenAtMs - o.showForMs;
        const ts = ctx.transitions(c.name, 'vrrp_instance', since - o.takeoverWithinMs);
        const moves = new Map<string, { from: TransitionRecord; to: TransitionRecord }>();
        for (const to of ts) {
          // The new MASTER's own report raises it; a stale node's old rows prove nothing new.
          if (to.to !== 'MASTER' || to.from === null || to.from === 'MASTER' || to.atMs < since || !fresh.has(to.node)) continue;
          // A move needs the old MASTER to have let go: a second MASTER while the first stays is split brain.
          const exits = ts.filter((x) => x.object === to.object && x.node !== to.node && x.from === 'MASTER' && x.to !== 'MASTER' &&
            x.atMs - to.atMs <= o.releaseWithinMs && to.atMs - x.atMs <= o.takeoverWithinMs);
          const from = exits.reduce<TransitionRecord | undefined>((a, b) => (a === undefined || Math.abs(b.atMs - to.atMs) < Math.abs(a.atMs - to.atMs) ? b : a), undefined);
          if (from) moves.set(`${to.object}\u0000${from.node}\u0000${to.node}`, { from, to });
        }
        return [...moves.values()].map(({ from, to }) =>
          finding(rule, c.name, { instance: to.object, from: from.node, to: to.node }, `VRRP ${to.object} failed over from ${from.node} to ${to.node}`,
            `${from.node} went ${from.from} → ${from.to} at ${atText(from.atMs)}; ${to.node} became MASTER at ${atText(to.atMs)}.`,
            // Only the new MASTER as evidence: the old one may be switched off next, and an info that expires with
            // time must not be held open by its silence.
            [{ node: to.node, probe: 'vrrp', atMs: to.atMs, says: `${to.object} ${to.from} → ${to.to} (${from.node} ${from.from} → ${from.to} at ${atText(from.atMs)})` }]));
      }),
  };
  return rule;
};
export const vrrpFailover = vrrpFailoverRule();

export const VRRP_RULES: readonly Rule[] = [vrrpSplitBrain, vrrpVipNoHolder, vrrpVipOnNonMaster, vrrpFault, vrrpFlapping, vrrpFailover];
