// Pure: DRBD resources across nodes, from each fresh node's drbd report. Primary on both sides of a resource
// while they are not connected is the split-brain signal; StandAlone alone is a warning, not proof.
import type { ClusterView } from '../../model/model.js';
import type { DrbdReport, DrbdResource } from '../../../agent/protocol/drbd.js';
import { Verdict, type Health } from '../odata.js';
import { drbdReports } from './reports.js';

export interface Replica {
  node: string;
  atMs: number;
  resource: DrbdResource;
  splitBrainSeenAt: string | null;
}

export interface ReplicatedVolumeRow {
  id: string;
  replicas: Replica[];
  primaries: string[];
  health: Health;
  reasons: string[];
}

const SPLIT_BRAIN_HELPERS = new Set(['split-brain', 'initial-split-brain', 'pri-lost-after-sb']);

const splitBrainSeen = (report: DrbdReport, resource: string): string | null => {
  const seen = report.helperEvents.filter((e) => e.kind === 'call' && e.resource === resource && SPLIT_BRAIN_HELPERS.has(e.helper));
  const last = seen[seen.length - 1];
  return last ? (last.at ?? 'time unknown') : null;
};

export const replicatedVolumeRows = (c: ClusterView): ReplicatedVolumeRow[] => {
  const groups = new Map<string, Replica[]>();
  for (const { node, report, atMs } of drbdReports(c)) {
    if (!report.moduleLoaded) continue;
    for (const resource of report.resources) {
      const replica = { node: node.name, atMs, resource, splitBrainSeenAt: splitBrainSeen(report, resource.name) };
      groups.set(resource.name, [...(groups.get(resource.name) ?? []), replica]);
    }
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, replicas]) => volumeRow(id, replicas));
};

const volumeRow = (id: string, replicas: Replica[]): ReplicatedVolumeRow => {
  const sorted = [...replicas].sort((a, b) => a.node.localeCompare(b.node));
  const primaries = sorted.filter((r) => r.resource.role === 'Primary').map((r) => r.node);
  const v = new Verdict();
  const disconnected = (r: Replica) => r.resource.connections.some((x) => x.connectionState !== 'Connected');
  if (primaries.length > 1 && sorted.some((r) => r.resource.role === 'Primary' && disconnected(r))) {
    v.add('Critical', `Primary on ${primaries.join(', ')} while not connected: split brain`);
  }
  for (const r of sorted) {
    if (r.splitBrainSeenAt !== null) v.add('Critical', `${r.node}: DRBD called a split-brain helper (${r.splitBrainSeenAt})`);
    for (const x of r.resource.connections) {
      if (x.connectionState === 'StandAlone') v.add('Warning', `${r.node}: connection ${x.name} is StandAlone`);
      else if (x.connectionState !== 'Connected') v.add('Warning', `${r.node}: connection ${x.name} is ${x.connectionState}`);
      for (const pd of x.peerDevices) {
        if ((pd.outOfSyncBytes ?? 0) > 0) v.add('Warning', `${r.node}: volume ${pd.volume} is ${pd.outOfSyncBytes} bytes out of sync with ${x.name}`);
      }
    }
    for (const d of r.resource.devices) {
      if (d.quorum === false) v.add('Warning', `${r.node}: volume ${d.volume} has lost quorum`);
      if (d.diskState !== 'UpToDate' && !(d.diskState === 'Diskless' && d.client === true)) {
        v.add('Warning', `${r.node}: volume ${d.volume} disk is ${d.diskState}`);
      }
    }
  }
  return { id, replicas: sorted, primaries, health: v.health, reasons: v.reasons };
};

/** Sum of a peer's out-of-sync bytes over its volumes; null when DRBD did not print any. */
export const outOfSync = (values: (number | null)[]): number | null =>
  values.every((x) => x === null) ? null : values.reduce<number>((s, x) => s + (x ?? 0), 0);

/** The least progress of the resyncs that run; null when none does. */
export const syncDone = (values: (number | null)[]): number | null => {
  const running = values.filter((x): x is number => x !== null);
  return running.length === 0 ? null : Math.min(...running);
};
