// iSCSI rules, per node: a configured target portal (node record) without a session, a session that is not
// LOGGED_IN, and a report the probe could only partly read (then a lost session may go unseen).
import type { IscsiNode, IscsiReport, IscsiSession } from '../../../agent/protocol/iscsi.js';
import type { ClusterView } from '../../model/model.js';
import type { Evidence, Finding } from '../types.js';
import { finding, freshReports, type Rule } from './types.js';

type Seen = { node: string; atMs: number; report: IscsiReport };

const reports = (c: ClusterView): Seen[] => freshReports<IscsiReport>(c, 'iscsi');

const portalText = (address: string | null, port: number | null): string =>
  address === null ? '' : `${address.includes(':') ? `[${address}]` : address}${port === null ? '' : `:${port}`}`;

/** A session belongs to a node record when the target matches and so does its current or persistent portal. */
const serves = (n: IscsiNode, s: IscsiSession): boolean =>
  n.target === s.target &&
  ((s.address === null && s.persistentAddress === null) ||
    (n.address === s.persistentAddress && n.port === s.persistentPort) ||
    (n.address === s.address && n.port === s.port));

const loggedIn = (s: IscsiSession): boolean => s.sessionState === 'LOGGED_IN' && (s.connectionState === null || s.connectionState === 'LOGGED_IN');

const sessionSays = (s: IscsiSession): string => {
  const disks = (s.disks ?? []).map((d) => `${d.device ?? `${d.host}:${d.channel}:${d.id}:${d.lun}`} ${d.state ?? '?'}`).join(', ');
  return `sid ${s.sid} ${s.target}${s.address !== null ? ` @ ${portalText(s.address, s.port)}` : ''}: session ${s.sessionState ?? 'unknown'}${s.connectionState !== null ? `, connection ${s.connectionState}` : ''}${disks ? `; disks ${disks}` : ''}`;
};
const ev = (r: Seen, says: string): Evidence => ({ node: r.node, probe: 'iscsi', atMs: r.atMs, says });

export const iscsiSessionNotLoggedIn: Rule = {
  name: 'IscsiSessionNotLoggedIn',
  severity: 'critical',
  // iscsid re-logs in within seconds after a blip; the kernel queues I/O for the replacement timeout (120 s default).
  forMs: 15_000,
  runbook: 'An iSCSI session is FAILED/FREE (I/O to its disks is queued, then fails after the replacement timeout): check the path to the portal (ping, port 3260), the target, then `iscsiadm -m session -P 3`. Critical when no other session to that target is logged in.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      reports(c).flatMap((r) =>
        r.report.sessions
          .filter((s) => s.sessionState !== null && !loggedIn(s))
          .map((s) => {
            // Another logged-in session to the same target (multipath) keeps the disk reachable: a path is down.
            const otherPath = r.report.sessions.some((o) => o !== s && o.target === s.target && loggedIn(o));
            return finding(iscsiSessionNotLoggedIn, c.name, { node: r.node, target: s.target, portal: portalText(s.address, s.port) },
              `iSCSI session to ${s.target}${s.address !== null ? ` @ ${portalText(s.address, s.port)}` : ''} on ${r.node} is ${s.sessionState}${otherPath ? ' (another path is up)' : ''}`,
              otherPath ? `One path of ${s.target} is down; multipath keeps the disk reachable through the others.` : `${r.node} has no logged-in session to ${s.target}: its disks are unreachable.`,
              [ev(r, sessionSays(s))], otherPath ? 'warning' : 'critical');
          }),
      ),
    ),
};

export const iscsiSessionMissing: Rule = {
  name: 'IscsiSessionMissing',
  severity: 'warning',
  // A lost connection keeps its session (FAILED); no session at all means a logout or a login that never worked.
  forMs: 60_000,
  runbook: 'A configured iSCSI node record has no session (logged out, or login failed at boot): `iscsiadm -m node -T TARGET -p PORTAL --login`; delete the record if the portal is not meant to be used.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) => {
      const out: Finding[] = [];
      for (const r of reports(c)) {
        const seen = new Set<string>();
        for (const n of r.report.nodes ?? []) {
          if (r.report.sessions.some((s) => serves(n, s))) continue;
          const portal = portalText(n.address, n.port);
          if (seen.has(`${n.target}\u0000${portal}`)) continue; // one record per iface: one finding per portal
          seen.add(`${n.target}\u0000${portal}`);
          out.push(finding(iscsiSessionMissing, c.name, { node: r.node, target: n.target, portal }, `no iSCSI session to ${n.target} @ ${portal} on ${r.node}`,
            `${r.node} has a node record for ${n.target} at ${portal} but no session to it.`, [ev(r, `node record ${n.target} @ ${portal}: no session`)]));
        }
      }
      return out;
    }),
};

export const iscsiReportIncomplete: Rule = {
  name: 'IscsiReportIncomplete',
  severity: 'warning',
  forMs: 60_000,
  runbook: 'The iscsi probe could read only part of the state (e.g. `iscsiadm -m node` failed), so a lost session may go unnoticed: run `hawatch probe iscsi --once` on the node to see why.',
  evaluate: (snap) =>
    snap.clusters.flatMap((c) =>
      reports(c)
        .filter((r) => r.report.problems.length > 0)
        .map((r) => finding(iscsiReportIncomplete, c.name, { node: r.node }, `iSCSI state on ${r.node} is only partly known`,
          r.report.problems.map((p) => `${p.source}: ${p.code}: ${p.message}`).join('; '),
          r.report.problems.map((p) => ev(r, `${p.source}: ${p.code}: ${p.message}`)))),
    ),
};

export const ISCSI_RULES: readonly Rule[] = [iscsiSessionNotLoggedIn, iscsiSessionMissing, iscsiReportIncomplete];
