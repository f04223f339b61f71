// Which reports a view may use: the latest successful report of a probe from each node whose agent is not
// stale. Stale data is unknown, so it neither proves nor disproves anything and is left out of every view.
import { Compile } from 'typebox/compile';
import type { TSchema, Static } from 'typebox';
import type { ClusterView, NodeView } from '../../model/model.js';
import type { PacemakerReport, PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import { CorosyncReport, type CorosyncRunning } from '../../../agent/protocol/corosync.js';
import { VrrpReport } from '../../../agent/protocol/vrrp.js';
import { DrbdReport } from '../../../agent/protocol/drbd.js';
import { IscsiReport } from '../../../agent/protocol/iscsi.js';

export interface Fresh<T> {
  node: NodeView;
  report: T;
  atMs: number;
}

type Checker<T> = (value: unknown) => value is T;
const checker = <S extends TSchema>(schema: S): Checker<Static<S>> => {
  const compiled = Compile(schema);
  return (value: unknown): value is Static<S> => compiled.Check(value);
};

// The model validates only the reports it knows; these views check the others themselves before reading them.
const isCorosync = checker(CorosyncReport);
const isVrrp = checker(VrrpReport);
const isDrbd = checker(DrbdReport);
const isIscsi = checker(IscsiReport);

const fresh = <T>(c: ClusterView, probe: string, check: (v: unknown) => v is T): Fresh<T>[] => {
  const out: Fresh<T>[] = [];
  for (const node of c.nodes) {
    if (node.agentState !== 'up') continue;
    const p = node.probes[probe];
    if (!p || p.status !== 'ok' || p.report === null || !check(p.report)) continue;
    out.push({ node, report: p.report, atMs: p.atMs });
  }
  return out;
};

// The model has checked pacemaker reports against the schema already.
const isPacemaker = (v: unknown): v is PacemakerReport => typeof v === 'object' && v !== null;

export const pacemakerReports = (c: ClusterView): Fresh<PacemakerReport>[] => fresh(c, 'pacemaker', isPacemaker);
export const runningPacemaker = (c: ClusterView): Fresh<PacemakerRunning>[] =>
  pacemakerReports(c).flatMap((f) => (f.report.running ? [{ ...f, report: f.report }] : []));
export const runningCorosync = (c: ClusterView): Fresh<CorosyncRunning>[] =>
  fresh(c, 'corosync', isCorosync).flatMap((f) => (f.report.running ? [{ ...f, report: f.report }] : []));
export const vrrpReports = (c: ClusterView): Fresh<VrrpReport>[] => fresh(c, 'vrrp', isVrrp);
export const drbdReports = (c: ClusterView): Fresh<DrbdReport>[] => fresh(c, 'drbd', isDrbd);
export const iscsiReports = (c: ClusterView): Fresh<IscsiReport>[] => fresh(c, 'iscsi', isIscsi);
