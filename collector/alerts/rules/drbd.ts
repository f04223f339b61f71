// DRBD rules. Each node reports its own resources, connections and the helper calls its events2 stream showed.
// A split brain is visible only by comparing nodes (Primary on both sides of a broken connection) or from DRBD's
// own verdict (a split-brain helper call, then StandAlone). StandAlone alone is an admin state, not proof.
import type { DrbdConnection, DrbdHelperEvent, DrbdReport, DrbdResource } from '../../../agent/protocol/drbd.js';
import type { ClusterView } from '../../model/model.js';
import type { Evidence, Finding } from '../types.js';
import { finding, freshReports, type Rule, type RuleContext } from './types.js';

type Seen = { node: string; atMs: number; res: DrbdResource; report: DrbdReport };

/** The helpers DRBD calls after it detected a split brain (same set as the drbd probe's). */
const SPLIT_BRAIN_HELPERS: ReadonlySet<string> = new Set(['split-brain', 'initial-split-brain', 'pri-lost-after-sb']);
/** Replication states in which a resync or online verify runs. */
const SYNC_STATES: ReadonlySet<string> = new Set([
  'StartingSyncS', 'StartingSyncT', 'WFBitMapS', 'WFBitMapT', 'WFSyncUUID', 'SyncSource', 'SyncTarget', 'PausedSyncS', 'PausedSyncT', 'VerifyS', 'VerifyT',
]);

/** Resources of fresh nodes whose DRBD module is loaded, by resource name. */
const byResource = (c: ClusterView): Map<string, Seen[]> => {
  const m = new Map<string, Seen[]>();
  for (const r of freshReports<DrbdReport>(c, 'drbd')) {
    if (!r.report.moduleLoaded) continue;
    for (const res of r.report.resources) m.set(res.name, [...(m.get(res.name) ?? []), { node: r.node, atMs: r.atMs, res, report: r.report }]);
  }
  return new Map([...m].sort(([a], [b]) => a.localeCompare(b)));
};

const connSays = (c: DrbdConnection): string =>
  `${c.name} ${c.connectionState}, peer ${c.peerRole}${c.peerDevices.length ? ` [${c.peerDevices.map((p) => `${p.volume}: ${p.replicationState}/${p.peerDiskState}`).join(', ')}]` : ''}`;
const says = (s: Seen): string =>
  `${s.res.name} ${s.res.role}; disk ${s.res.devices.map((d) => `${d.volume}: ${d.diskState}`).join(', ') || 'none'}; ${s.res.connections.map(connSays).join('; ') || 'no connection'}`;
const ev = (s: Seen, what?: string): Evidence => ({ node: s.node, probe: 'drbd', atMs: s.atMs, says: what ?? says(s) });

/** The connection of `s` to `peer`: by name (DRBD 9 names it after the peer's host); DRBD 8.x has one, `peer`. */
const connectionTo = (s: Seen, peer: string): DrbdConnection | undefined =>
  s.res.connections.find((c) => c.name === peer) ?? (s.res.connections.length === 1 ? s.res.connections[0] : undefined);

const atOf = (e: DrbdHelperEvent): number | null => {
  const t = e.at === null ? Number.NaN : Date.parse(e.at);
  return Number.isFinite(t) ? t : null;
};

/**
 * The split-brain helper that explains `conn` being StandAlone, or null. A helper followed by a reconnection of that
 * peer (a `drbd_peer` transition to Connected after the helper, within the history's window) is over.
 */
const splitBrainHelperFor = (c: ClusterView, s: Seen, conn: DrbdConnection, ctx: RuleContext | undefined): DrbdHelperEvent | null => {
  const helpers = [...s.report.helperEvents, ...(s.report.splitBrainHelperSeen ? [s.report.splitBrainHelperSeen] : [])].filter(
    (e) => SPLIT_BRAIN_HELPERS.has(e.helper) && e.resource === s.res.name && (e.peer === null || e.peer === conn.name),
  );
  const last = helpers.reduce<DrbdHelperEvent | null>((a, b) => (a === null || (atOf(b) ?? 0) >= (atOf(a) ?? 0) ? b : a), null);
  if (last === null) return null;
  const at = atOf(last);
  if (at !== null && ctx) {
    const obj = `${s.res.name}/${conn.name}`;
    const reconnected = ctx
      .transitions(c.name, 'drbd_peer', at)
      .some((t) => t.node === s.node && t.atMs > at && (t.object === obj || t.object.startsWith(`${obj}/`)) && (t.to === 'Connected' || t.to.startsWith('Connected/')));
    if (reconnected) return null;
  }
  return last;
};

interface SplitBrain {
  resource: string;
  reasons: string[];
  evidence: Evidence[];
  /** node + connection pairs that the split brain explains (not reported again as StandAlone/disconnected) */
  explains: Set<string>;
}

const key = (node: string, resource: string, peer: string) => `${node}\u0000${resource}\u0000${peer}`;

/** Split brains in one cluster: Primary on both ends of a broken connection, or a split-brain helper then StandAlone. */
const splitBrains = (c: ClusterView, ctx: RuleContext | undefined): SplitBrain[] => {
  const out: SplitBrain[] = [];
  for (const [name, seen] of byResource(c)) {
    const sb: SplitBrain = { resource: name, reasons: [], evidence: [], explains: new Set() };
    const involved = new Set<Seen>();
    const primaries = seen.filter((s) => s.res.role === 'Primary');
    for (let i = 0; i < primaries.length; i++) {
      for (let j = i + 1; j < primaries.length; j++) {
        const a = primaries[i]!;
        const b = primaries[j]!;
        const ab = connectionTo(a, b.node);
        const ba = connectionTo(b, a.node);
        if (ab === undefined && ba === undefined) continue; // no connection between them that we can see: unknown
        // Both ends must see the link down: one end still Connected means the two reports are from different
        // moments (a promotion right after a clean demotion) or a configured dual-primary; not a split brain.
        if ((ab && ab.connectionState === 'Connected') || (ba && ba.connectionState === 'Connected')) continue;
        sb.reasons.push(`Primary on ${a.node} and ${b.node} while their connection is ${ab?.connectionState ?? '?'}/${ba?.connectionState ?? '?'}`);
        involved.add(a).add(b);
        if (ab) sb.explains.add(key(a.node, name, ab.name));
        if (ba) sb.explains.add(key(b.node, name, ba.name));
      }
    }
    for (const s of seen) {
      for (const conn of s.res.connections) {
        if (conn.connectionState !== 'StandAlone') continue;
        const helper = splitBrainHelperFor(c, s, conn, ctx);
        if (!helper) continue;
        sb.reasons.push(`${s.node} is StandAlone to ${conn.name} after DRBD called the ${helper.helper} helper${helper.at ? ` at ${helper.at}` : ''}`);
        involved.add(s);
        sb.explains.add(key(s.node, name, conn.name));
      }
    }
    if (sb.reasons.length === 0) continue;
    sb.evidence = [...involved].map((s) => ev(s));
    out.push(sb);
  }
  return out;
};

export const drbdSplitBrain: Rule = {
  name: 'DrbdSplitBrain',
  severity: 'critical',
  forMs: 0,
  runbook: 'DRBD data diverged: pick the survivor (newest valid data), on the victim `drbdadm disconnect RES; drbdadm secondary RES; drbdadm connect --discard-my-data RES`, then `drbdadm connect RES` on the survivor; stop the service on the victim first.',
  evaluate: (snap, ctx) =>
    snap.clusters.flatMap((c) =>
      splitBrains(c, ctx).map((sb) =>
        finding(drbdSplitBrain, c.name, { resource: sb.resource }, `DRBD split brain on ${sb.resource}: ${sb.reasons[0]}`,
          `${sb.reasons.join('; ')}. Both sides may have written data the other lacks.`, sb.evidence),
      ),
    ),
};

/** Connections of fresh nodes, with whether a split brain explains them. */
const connections = (c: ClusterView, ctx: RuleContext | undefined) => {
  const explained = new Set(splitBrains(c, ctx).flatMap((sb) => [...sb.explains]));
  return [...byResource(c).values()].flatMap((seen) =>
    seen.flatMap((s) => s.res.connections.map((conn) => ({ s, conn, explained: explained.has(key(s.node, s.res.name, conn.name)) }))),
  );
};

export const drbdStandAlone: Rule = {
  name: 'DrbdStandAlone',
  severity: 'warning',
  // DRBD goes StandAlone right after it calls the split-brain helper; the helper line may arrive in the next run,
  // and then the split brain (critical) takes over instead of this warning.
  forMs: 10_000,
  runbook: 'The DRBD connection is StandAlone (disconnected on purpose, or after a split brain the agent did not see): check `drbdadm status`, the kernel log for "Split-Brain detected", then `drbdadm connect RES`.',
  evaluate: (snap, ctx) =>
    snap.clusters.flatMap((c) =>
      connections(c, ctx)
        .filter((x) => x.conn.connectionState === 'StandAlone' && !x.explained)
        .map(({ s, conn }) =>
          finding(drbdStandAlone, c.name, { resource: s.res.name, node: s.node, peer: conn.name }, `DRBD ${s.res.name} on ${s.node} is StandAlone to ${conn.name}`,
            `${s.node} will not reconnect to ${conn.name} by itself; no split-brain helper call was seen for it. Replication is off.`, [ev(s)]),
        ),
    ),
};

export const drbdDisconnected: Rule = {
  name: 'DrbdDisconnected',
  severity: 'warning',
  // DRBD retries a lost connection every connect-int (10 s by default); a blip reconnects within that.
  forMs: 30_000,
  runbook: 'DRBD is trying to reach its peer (Connecting/WFConnection/NetworkFailure): check the peer node, the replication network and firewall (port of the resource); writes are not replicated meanwhile.',
  evaluate: (snap, ctx) =>
    snap.clusters.flatMap((c) =>
      connections(c, ctx)
        .filter((x) => x.conn.connectionState !== 'Connected' && x.conn.connectionState !== 'StandAlone' && !x.explained)
        .map(({ s, conn }) =>
          finding(drbdDisconnected, c.name, { resource: s.res.name, node: s.node, peer: conn.name }, `DRBD ${s.res.name} on ${s.node} is disconnected from ${conn.name} (${conn.connectionState})`,
            `${s.node} sees its connection to ${conn.name} ${conn.connectionState}; writes on the Primary are not replicated.`, [ev(s)]),
        ),
    ),
};

/** Why a local disk is degraded, or null. A running resync explains Inconsistent/Outdated; a diskless client is fine. */
const diskProblem = (s: Seen, volume: number, diskState: string, client: boolean | null): string | null => {
  const syncing = s.res.connections.some((c) => c.peerDevices.some((p) => p.volume === volume && SYNC_STATES.has(p.replicationState)));
  switch (diskState) {
    case 'Inconsistent':
    case 'Outdated':
      return syncing ? null : `${diskState} and no resync running`;
    case 'Failed':
      return 'Failed (I/O error on the backing device)';
    case 'Diskless':
      return client === true ? null : 'Diskless (detached from its backing device; not a diskless client)';
    default:
      return null;
  }
};

export const drbdDiskDegraded: Rule = {
  name: 'DrbdDiskDegraded',
  severity: 'warning',
  // Attach and the start of a resync pass through these states for seconds.
  forMs: 30_000,
  runbook: 'The local DRBD disk does not hold good data: Failed/Diskless means the backing device failed or was detached (check dmesg, `drbdadm attach`); Inconsistent/Outdated without a resync needs a connection to an UpToDate peer.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      [...byResource(c).values()].flatMap((seen) =>
        seen.flatMap((s) =>
          s.res.devices.flatMap((d) => {
            const why = diskProblem(s, d.volume, d.diskState, d.client);
            return why === null
              ? []
              : [finding(drbdDiskDegraded, c.name, { resource: s.res.name, node: s.node, volume: String(d.volume) }, `DRBD ${s.res.name}/${d.volume} on ${s.node}: disk ${why}`,
                  `${s.node}'s local copy of ${s.res.name} volume ${d.volume} is ${d.diskState}.`, [ev(s)])];
          }),
        ),
      ),
    ),
};

export const drbdOutOfSync: Rule = {
  name: 'DrbdOutOfSync',
  severity: 'warning',
  // Connected and Established with out-of-sync blocks left means an online verify found differences (or a resync
  // was skipped): they stay until a disconnect/connect resyncs them. A minute rules out a counter read mid-change.
  forMs: 60_000,
  runbook: 'Blocks differ between the nodes while connected and no resync runs (online verify found them): `drbdadm disconnect RES; drbdadm connect RES` starts a resync of those blocks; check the disks if it recurs.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const out: Finding[] = [];
      for (const seen of byResource(c).values()) {
        for (const s of seen) {
          for (const conn of s.res.connections) {
            if (conn.connectionState !== 'Connected') continue;
            for (const p of conn.peerDevices) {
              if (p.replicationState !== 'Established' || p.outOfSyncBytes === null || p.outOfSyncBytes <= 0) continue;
              out.push(finding(drbdOutOfSync, c.name, { resource: s.res.name, node: s.node, peer: conn.name, volume: String(p.volume) },
                `DRBD ${s.res.name}/${p.volume}: ${p.outOfSyncBytes} bytes out of sync between ${s.node} and ${conn.name}`,
                `${s.node} is connected to ${conn.name} (Established) with ${p.outOfSyncBytes} bytes out of sync and no resync running.`,
                [ev(s, `${s.res.name}/${p.volume} to ${conn.name}: ${conn.connectionState}/${p.replicationState}, out of sync ${p.outOfSyncBytes} bytes`)]));
            }
          }
        }
      }
      return out;
    }),
};

export const DRBD_RULES: readonly Rule[] = [drbdSplitBrain, drbdStandAlone, drbdDisconnected, drbdDiskDegraded, drbdOutOfSync];
