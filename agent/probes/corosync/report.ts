// Pure assembly of one corosync report from what the tools printed in one run: quorumtool's view (quorum,
// votes, current membership), cfgtool's links, and cmap's runtime.members (which keeps nodes that left).
import type { CorosyncMember, CorosyncRunning, CorosyncSourceError } from '../../protocol/corosync.js';
import type { CfgtoolLinks, CmapctlOutput, QuorumtoolOutput } from './parse.js';

export interface CorosyncReads {
  /** `corosync-quorumtool -s`, with its "Quorum information" section */
  quorumtool: QuorumtoolOutput & { info: NonNullable<QuorumtoolOutput['info']> };
  /** `corosync-cfgtool -s`; null when not read */
  cfgtool: CfgtoolLinks | null;
  /** `corosync-cmapctl -b runtime.members`; null when not read */
  members: CmapctlOutput | null;
  /** `corosync-cmapctl runtime.votequorum` (optional) */
  votequorum: CmapctlOutput | null;
  /** `corosync-cmapctl nodelist.node` (optional): names of nodes that are not members now */
  nodelist: CmapctlOutput | null;
  errors: CorosyncSourceError[];
}

/** Merge the reads into one report. Members and links are sorted by node id (and link id). */
export const assembleCorosyncReport = (r: CorosyncReads): CorosyncRunning => {
  const q = r.quorumtool;
  const localNodeId = q.info.nodeId ?? r.cfgtool?.localNodeId ?? r.votequorum?.votequorum?.thisNodeId ?? null;
  const names = new Map<number, string>();
  for (const e of r.nodelist?.nodelist ?? []) if (e.name !== null && e.name !== '') names.set(e.nodeId, e.name);
  const byId = new Map<number, CorosyncMember>();
  for (const m of r.members?.members ?? []) {
    byId.set(m.nodeId, {
      nodeId: m.nodeId,
      name: names.get(m.nodeId) ?? null,
      status: m.status ?? 'unknown',
      local: m.nodeId === localNodeId,
      inQuorumMembership: false,
      votes: null,
      joinCount: m.joinCount,
      configVersion: m.configVersion,
      addresses: m.addresses,
      qdevice: null,
    });
  }
  for (const row of q.members) {
    const known = byId.get(row.nodeId);
    // quorumtool prints the name it resolved (or an address with -i); the nodelist name is the configured one.
    const name = row.name !== '' ? row.name : (names.get(row.nodeId) ?? null);
    byId.set(row.nodeId, {
      nodeId: row.nodeId,
      name: known?.name ?? name,
      // runtime.members is read a moment after quorumtool: its status is kept (a change between the two reads
      // shows as joined + not in the membership, or left + in it); a node only quorumtool lists is joined.
      status: known?.status ?? 'joined',
      local: row.local || row.nodeId === localNodeId,
      inQuorumMembership: true,
      votes: row.votes,
      joinCount: known?.joinCount ?? null,
      configVersion: known?.configVersion ?? null,
      addresses: known?.addresses ?? [],
      qdevice: row.qdevice,
    });
  }
  return {
    running: true,
    localNodeId,
    transport: r.cfgtool?.transport ?? null,
    quorum: q.info,
    votequorum: q.votequorum,
    qdevice: q.qdevice,
    members: [...byId.values()].sort((a, b) => a.nodeId - b.nodeId),
    links: (r.cfgtool?.links ?? []).map((l) => ({ ...l, peers: [...l.peers].sort((a, b) => a.nodeId - b.nodeId) })).sort((a, b) => a.linkId - b.linkId),
    runtime: r.votequorum?.votequorum ?? null,
    errors: r.errors,
  };
};
