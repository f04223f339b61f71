// Pure: iSCSI storage sessions across nodes, by target IQN, from each fresh node's iscsi report: who is logged
// in, through which portal, and which nodes have the target configured but hold no session.
import type { ClusterView } from '../../model/model.js';
import type { IscsiNode, IscsiSession } from '../../../agent/protocol/iscsi.js';
import { Verdict, type Health } from '../odata.js';
import { iscsiReports } from './reports.js';

export interface NodeSessions {
  node: string;
  atMs: number;
  sessions: IscsiSession[];
  /** The node's configured records for this target; null when the report did not read them. */
  records: IscsiNode[] | null;
}

export interface StorageSessionRow {
  id: string;
  perNode: NodeSessions[];
  loggedIn: string[];
  health: Health;
  reasons: string[];
}

const LOGGED_IN = 'LOGGED_IN';
/** The kernel says LOGGED_IN, or (older output without the session state) iscsid's connection does. */
const isLoggedIn = (s: IscsiSession) =>
  (s.sessionState === LOGGED_IN || (s.sessionState === null && s.connectionState === LOGGED_IN)) && (s.connectionState === null || s.connectionState === LOGGED_IN);
const isKnownDown = (s: IscsiSession) => s.sessionState === 'FAILED' || s.sessionState === 'FREE';

export const storageSessionRows = (c: ClusterView): StorageSessionRow[] => {
  const byTarget = new Map<string, NodeSessions[]>();
  for (const { node, report, atMs } of iscsiReports(c)) {
    const targets = new Set([...report.sessions.map((s) => s.target), ...(report.nodes ?? []).map((n) => n.target)]);
    for (const target of targets) {
      const entry: NodeSessions = {
        node: node.name,
        atMs,
        sessions: report.sessions.filter((s) => s.target === target),
        records: report.nodes === null ? null : report.nodes.filter((n) => n.target === target),
      };
      byTarget.set(target, [...(byTarget.get(target) ?? []), entry]);
    }
  }
  return [...byTarget.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, perNode]) => sessionRow(id, perNode));
};

const sessionRow = (id: string, perNode: NodeSessions[]): StorageSessionRow => {
  const sorted = [...perNode].sort((a, b) => a.node.localeCompare(b.node));
  const loggedIn = sorted.filter((n) => n.sessions.some(isLoggedIn)).map((n) => n.node);
  const v = new Verdict();
  if (loggedIn.length === 0) {
    const evidence = sorted.some((n) => n.sessions.some(isKnownDown) || (n.sessions.length === 0 && (n.records?.length ?? 0) > 0));
    v.add(evidence ? 'Critical' : 'Warning', evidence ? 'no node is logged in to this target' : 'no session to this target is known to be logged in');
  }
  for (const n of sorted) {
    for (const s of n.sessions) if (!isLoggedIn(s)) v.add('Warning', `${n.node}: session ${s.sid} is ${s.sessionState ?? 'in an unknown state'}${s.connectionState ? ` (connection ${s.connectionState})` : ''}`);
    if (n.sessions.length === 0 && (n.records?.length ?? 0) > 0) v.add('Warning', `${n.node}: target configured but no session`);
  }
  return { id, perNode: sorted, loggedIn, health: v.health, reasons: v.reasons };
};
