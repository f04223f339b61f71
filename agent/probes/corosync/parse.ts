// Pure parsers for corosync's tools: `corosync-quorumtool -s|-l [-p] [-i]`, `corosync-cfgtool -s|-n` and
// `corosync-cmapctl [-b] [prefix...]`, corosync 2.x and 3.x. Text in, typed value or typed ParseError out; no I/O,
// clock or environment. A tool that cannot reach corosync prints a known message: that is a value
// (`{running: false}`), not an error, so that "corosync is not running here" can be reported as a state.
import { parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type {
  CorosyncLink,
  CorosyncLinkPeer,
  CorosyncQdevice,
  CorosyncQdeviceState,
  CorosyncQuorumInfo,
  CorosyncQuorumMember,
  CorosyncRuntimeVotequorum,
  CorosyncVotequorum,
} from '../../protocol/corosync.js';

/** Stable error codes of these parsers. */
export const COROSYNC_PARSE_ERRORS = {
  empty: 'corosync.empty',
  unknownFormat: 'corosync.unknown_format',
  truncated: 'corosync.truncated',
  badValue: 'corosync.bad_value',
} as const;

/** What a tool printed instead of data because it could not reach corosync. */
export interface CorosyncUnreachable {
  running: false;
  /**
   * not-running: the library could not connect (CS_ERR_LIBRARY); access-denied: CS_ERR_ACCESS;
   * unreachable: the tool does not say why (corosync-quorumtool's "Cannot initialize CMAP service").
   */
  reason: 'not-running' | 'access-denied' | 'unreachable';
  message: string;
}

export interface QuorumtoolOutput {
  running: true;
  /** null for `-l` output (membership list only) */
  info: CorosyncQuorumInfo | null;
  votequorum: CorosyncVotequorum | null;
  members: CorosyncQuorumMember[];
  qdevice: CorosyncQdevice | null;
}

export interface CfgtoolLinks {
  running: true;
  /** `corosync-cfgtool -s` */
  format: 'links';
  localNodeId: number | null;
  transport: string | null;
  links: CorosyncLink[];
}

export interface CfgtoolNodeLink {
  linkId: number;
  transport: string | null;
  /** null where cfgtool prints one address (udp/udpu) */
  source: string | null;
  destination: string | null;
  enabled: boolean;
  connected: boolean;
  dynconnected: boolean;
  mtu: number | null;
}

export interface CfgtoolNodes {
  running: true;
  /** `corosync-cfgtool -n` (3.1+): only nodes that are reachable, and not the local node */
  format: 'nodes';
  localNodeId: number | null;
  transport: string | null;
  nodes: { nodeId: number; reachable: boolean; remote: boolean; external: boolean; links: CfgtoolNodeLink[] }[];
}

export type CfgtoolOutput = CfgtoolLinks | CfgtoolNodes;

export interface CmapMember {
  nodeId: number;
  /** joined | left, as printed */
  status: string | null;
  joinCount: number | null;
  configVersion: number | null;
  addresses: string[];
}

export interface CmapNodelistEntry {
  nodeId: number;
  name: string | null;
  addresses: string[];
}

export interface CmapctlOutput {
  running: true;
  keys: number;
  members: CmapMember[];
  /** null when no runtime.votequorum.* key was printed */
  votequorum: CorosyncRuntimeVotequorum | null;
  nodelist: CmapNodelistEntry[];
}

// ---------------------------------------------------------------------------------------------------------
// shared helpers

/** Thrown inside a parser only; the exported functions turn it into a ParseResult. */
class Fail extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
const bad = (what: string): Fail => new Fail(COROSYNC_PARSE_ERRORS.badValue, what);
const truncated = (what: string): Fail => new Fail(COROSYNC_PARSE_ERRORS.truncated, what);
const unknown = (what: string): Fail => new Fail(COROSYNC_PARSE_ERRORS.unknownFormat, what);

const run = <T>(text: string, tool: string, body: (lines: string[], raw: string) => T): ParseResult<T> => {
  const raw = text.replace(/^\uFEFF/, '');
  if (raw.trim() === '') return parseFailed(COROSYNC_PARSE_ERRORS.empty, `empty ${tool} output`);
  try {
    return parsed(body(raw.split(/\r?\n/), raw));
  } catch (e) {
    if (e instanceof Fail) return parseFailed(e.code, `${tool}: ${e.message}`);
    return parseFailed(COROSYNC_PARSE_ERRORS.unknownFormat, `${tool}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
};

const firstLine = (raw: string): string => raw.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 200) ?? '';

/** Decimal, or hexadecimal with `0x` (quorumtool -H). */
const nodeIdOf = (s: string, what: string): number => {
  const v = /^0x[0-9a-f]+$/i.test(s) ? Number.parseInt(s.slice(2), 16) : /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) throw bad(`${what} "${s}" is not a node id`);
  return v;
};
const countOf = (s: string, what: string): number => {
  const v = /^\d+$/.test(s.trim()) ? Number(s.trim()) : NaN;
  if (!Number.isSafeInteger(v)) throw bad(`${what} "${s}" is not a count`);
  return v;
};

/** libcorosync's CS_ERR_* names and numbers, as the tools print them. */
const CS_ERR_LIBRARY = 2;
const CS_ERR_ACCESS = 11;
const reasonOfCsError = (e: string): CorosyncUnreachable['reason'] => {
  if (e === 'CS_ERR_LIBRARY' || e === String(CS_ERR_LIBRARY)) return 'not-running';
  if (e === 'CS_ERR_ACCESS' || e === String(CS_ERR_ACCESS)) return 'access-denied';
  return 'unreachable';
};

/**
 * The messages corosync's tools print when they cannot connect (2.4 to 3.1, on stderr; 2.x/3.0 cfgtool on stdout).
 * Exported so the probe can read the same from stderr.
 */
export const unreachableMessage = (text: string): CorosyncUnreachable | null => {
  for (const line of text.split(/\r?\n/)) {
    const l = line.trim();
    // corosync-cmapctl: "Failed to initialize the cmap API. Error CS_ERR_LIBRARY"
    let m = /^Failed to initialize the cmap API\. Error (\S+)$/.exec(l);
    if (m) return { running: false, reason: reasonOfCsError(m[1]!), message: l };
    // corosync-cfgtool: "Could not initialize corosync configuration API error 2" (also "... cmap API error N")
    m = /^Could not initialize corosync (?:configuration|cmap) API error (\S+)$/.exec(l);
    if (m) return { running: false, reason: reasonOfCsError(m[1]!), message: l };
    // corosync-quorumtool does not say why (not running and no permission look the same).
    if (/^Cannot initiali[sz]e (CMAP|QUORUM|CFG|VOTEQUORUM) service$/.test(l)) return { running: false, reason: 'unreachable', message: l };
  }
  return null;
};

// ---------------------------------------------------------------------------------------------------------
// corosync-quorumtool

const QDEVICE_COLUMN = /^(NR|(N?A),(N?V),(N?MW))$/;

const qdeviceState = (s: string): CorosyncQdeviceState => {
  const m = QDEVICE_COLUMN.exec(s);
  if (!m) throw bad(`Qdevice column "${s}" is neither NR nor A|NA,V|NV,MW|NMW`);
  if (m[1] === 'NR') return { registered: false, alive: false, castVote: false, masterWins: false };
  return { registered: true, alive: m[2] === 'A', castVote: m[3] === 'V', masterWins: m[4] === 'MW' };
};

/** `1.1e` (3.x: hex rep node id . hex seq), `1084783375/40` (2.x: decimal), or a bare sequence (no votequorum). */
const ringIdOf = (s: string): { ringNodeId: number | null; ringSeq: number | null } => {
  let m = /^([0-9a-f]+)\.([0-9a-f]+)$/i.exec(s);
  if (m) {
    const node = Number.parseInt(m[1]!, 16);
    const seq = Number.parseInt(m[2]!, 16);
    return { ringNodeId: node <= 0xffffffff ? node : null, ringSeq: Number.isSafeInteger(seq) ? seq : null };
  }
  m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) {
    const node = Number(m[1]);
    const seq = Number(m[2]);
    return { ringNodeId: node <= 0xffffffff ? node : null, ringSeq: Number.isSafeInteger(seq) ? seq : null };
  }
  // A bare sequence is hex in 3.x and decimal in 2.x: not guessed.
  if (/^[0-9a-f]+$/i.test(s)) return { ringNodeId: null, ringSeq: null };
  throw bad(`Ring ID "${s}" is not nodeid.seq or nodeid/seq`);
};

/** `Key:   value` lines of one section, keyed by the label. */
const fields = (lines: readonly string[]): Map<string, string> => {
  const out = new Map<string, string>();
  for (const l of lines) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s*(.*?)\s*$/.exec(l);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
};

const sectionAfter = (lines: readonly string[], title: string): string[] | null => {
  const i = lines.findIndex((l) => l.trim() === title);
  if (i < 0) return null;
  const out: string[] = [];
  for (let j = i + 1; j < lines.length; j++) {
    const l = lines[j]!;
    if (/^-+\s*$/.test(l)) continue;
    if (l.trim() === '') break;
    out.push(l);
  }
  return out;
};

const parseQuorumInfo = (lines: readonly string[]): CorosyncQuorumInfo | null => {
  const sec = sectionAfter(lines, 'Quorum information');
  if (sec === null) return null;
  const f = fields(sec);
  const quorate = f.get('Quorate');
  if (quorate === undefined) throw truncated('"Quorum information" without a "Quorate:" line');
  const q = quorate.trim();
  if (q !== 'Yes' && q !== 'No') throw bad(`Quorate "${q}" is not Yes or No`);
  const ringId = f.get('Ring ID')?.trim() || null;
  const nodes = f.get('Nodes');
  const nodeId = f.get('Node ID');
  return {
    date: f.get('Date')?.trim() || null,
    provider: f.get('Quorum provider')?.trim() || null,
    nodes: nodes === undefined ? null : countOf(nodes, 'Nodes'),
    nodeId: nodeId === undefined ? null : nodeIdOf(nodeId.trim(), 'Node ID'),
    ringId,
    ...(ringId === null ? { ringNodeId: null, ringSeq: null } : ringIdOf(ringId)),
    quorate: q === 'Yes',
  };
};

const parseVotequorum = (lines: readonly string[]): CorosyncVotequorum | null => {
  const sec = sectionAfter(lines, 'Votequorum information');
  if (sec === null) return null;
  const f = fields(sec);
  const need = (k: string): string => {
    const v = f.get(k);
    if (v === undefined) throw truncated(`"Votequorum information" without "${k}:"`);
    return v;
  };
  const quorum = /^(\d+)\s*(Activity blocked)?\s*$/.exec(need('Quorum'));
  if (!quorum) throw bad(`Quorum "${f.get('Quorum') ?? ''}" is not a vote count`);
  return {
    expectedVotes: countOf(need('Expected votes'), 'Expected votes'),
    highestExpected: countOf(need('Highest expected'), 'Highest expected'),
    totalVotes: countOf(need('Total votes'), 'Total votes'),
    quorum: Number(quorum[1]),
    activityBlocked: quorum[2] !== undefined,
    flags: need('Flags').split(/\s+/).filter((s) => s !== ''),
  };
};

/** The membership list: `Nodeid [Votes] [Qdevice] Name` and one row per node, then the quorum device's row. */
const parseMembership = (
  lines: readonly string[],
): { members: CorosyncQuorumMember[]; qdevice: CorosyncQdevice | null; found: boolean } => {
  const i = lines.findIndex((l) => l.trim() === 'Membership information');
  if (i < 0) return { members: [], qdevice: null, found: false };
  let h = i + 1;
  while (h < lines.length && /^-+\s*$/.test(lines[h]!)) h++;
  const header = lines[h];
  if (header === undefined || header.trim() === '') throw truncated('"Membership information" without its column header');
  if (!/^\s*Nodeid\b.*\bName\s*$/.test(header)) throw unknown(`membership header "${header.trim()}" is not "Nodeid ... Name"`);
  const hasVotes = /\bVotes\b/.test(header);
  const hasQdevice = /\bQdevice\b/.test(header);
  const members: CorosyncQuorumMember[] = [];
  let qdevice: CorosyncQdevice | null = null;
  for (let j = h + 1; j < lines.length; j++) {
    const line = lines[j]!;
    if (line.trim() === '') break;
    // quorumtool ends every row with a newline: a last row without one was cut off (maybe inside the name).
    if (j === lines.length - 1) throw truncated(`membership row "${line.trim()}" has no end of line`);
    let rest = line;
    const take = (what: string): string => {
      const m = /^\s*(\S+)/.exec(rest);
      if (!m) throw truncated(`membership row "${line.trim()}" has no ${what}`);
      rest = rest.slice(m[0].length);
      return m[1]!;
    };
    const nodeId = nodeIdOf(take('node id'), 'Nodeid');
    const votes = hasVotes ? countOf(take('votes'), 'Votes') : null;
    if (nodeId === 0 && members.length > 0) {
      // The quorum device (VOTEQUORUM_QDEVICE_NODEID): blank Qdevice column, its name, and "(votes N)" when
      // this node's device casts no vote (then the Votes column says 0).
      const m = /^\s*(.*?)(?:\s+\(votes (\d+)\))?\s*$/.exec(rest)!;
      const cur = votes ?? 0;
      qdevice = { name: m[1]!, votes: cur, configuredVotes: m[2] === undefined ? cur : Number(m[2]) };
      continue;
    }
    const qd = hasQdevice ? qdeviceState(take('Qdevice column')) : null;
    let name = rest.trim();
    let local = false;
    if (/(^|\s)\(local\)$/.test(name)) {
      local = true;
      name = name.replace(/\s*\(local\)$/, '');
    }
    // Qdevice extra info is printed as " [..]" after the name.
    name = name.replace(/\s+\[.*\]$/, '');
    if (name === '') throw truncated(`membership row of node ${nodeId} has no name`);
    members.push({ nodeId, votes, name, local, qdevice: qd });
  }
  return { members, qdevice, found: true };
};

/** `corosync-quorumtool -s` / `-l` (with or without `-p`, `-i`, `-H`), corosync 2.x and 3.x. Never throws. */
export const parseQuorumtool = (text: string): ParseResult<QuorumtoolOutput | CorosyncUnreachable> =>
  run(text, 'corosync-quorumtool', (lines, raw) => {
    const info = parseQuorumInfo(lines);
    const membership = parseMembership(lines);
    if (info === null && !membership.found) {
      const down = unreachableMessage(raw);
      if (down) return down;
      throw unknown(`not quorumtool output: "${firstLine(raw)}"`);
    }
    const votequorum = parseVotequorum(lines);
    if (!membership.found) throw truncated('no "Membership information" section');
    const { members, qdevice } = membership;
    if (info?.nodes != null && members.length !== info.nodes) {
      throw truncated(`"Nodes: ${info.nodes}" but ${members.length} membership rows`);
    }
    if (members.length === 0 && info?.nodes !== 0) throw truncated('membership list has no rows');
    return { running: true as const, info, votequorum, members, qdevice };
  });

// ---------------------------------------------------------------------------------------------------------
// corosync-cfgtool

const peerOf = (nodeId: number, text: string, localNodeId: number | null): CorosyncLinkPeer => {
  const t = text.trim();
  // 3.0.0-3.0.3: "link enabled:1\tlink connected:1" for every node, the local one too.
  const old = /^link enabled:([01])\s+link connected:([01])$/.exec(t);
  if (old) {
    const local = nodeId === localNodeId;
    const connected = old[2] === '1';
    return { nodeId, local, status: local ? 'localhost' : connected ? 'connected' : 'disconnected', connected, enabled: old[1] === '1' };
  }
  // 3.0.4-3.1.0 add " (not enabled)"; 3.1.1+ print only localhost / connected / disconnected.
  const m = /^(connected|disconnected)( \(not enabled\))?$/.exec(t);
  if (m) return { nodeId, local: false, status: m[1]!, connected: m[1] === 'connected', enabled: m[2] === undefined ? null : false };
  if (t === 'localhost') return { nodeId, local: true, status: 'localhost', connected: true, enabled: null };
  // "knet error", "config error", "can't decode status character 'x'" (3.0.4-3.1.0): kept, not connected.
  if (t === '') throw truncated(`node ${nodeId} has no link status`);
  return { nodeId, local: nodeId === localNodeId, status: t, connected: false, enabled: null };
};

interface LinkDraft {
  link: CorosyncLink;
  statusBlock: boolean;
  line: string;
}

const parseCfgtoolLinks = (lines: readonly string[], localNodeId: number | null, transport: string | null): CfgtoolLinks => {
  const drafts: LinkDraft[] = [];
  let cur: LinkDraft | null = null;
  for (const line of lines) {
    const t = line.trim();
    if (t === '' || /^Printing (ring|link) status\.$/.test(t) || /^Local node ID /.test(t)) continue;
    if (/^\*\*SCTP is deprecated/.test(t)) continue;
    const head = /^(RING|LINK) ID (\d+)(?: (\S*))?\s*$/.exec(line);
    if (head) {
      const tr = head[3] === undefined || head[3] === '' ? null : head[3];
      cur = { link: { linkId: Number(head[2]), transport: tr, address: null, peers: [], status: null, faulty: null }, statusBlock: false, line: t };
      drafts.push(cur);
      continue;
    }
    if (cur === null) throw unknown(`line before any link: "${t.slice(0, 120)}"`);
    let m = /^(?:addr|id)\s*=\s*(.*)$/.exec(t);
    if (m) {
      cur.link.address = m[1]!.trim() || null;
      continue;
    }
    m = /^status\s*=\s*(.*)$/.exec(t);
    if (m) {
      const s = m[1]!.trim();
      cur.link.status = s;
      // 2.x rings: "ring 0 active with no faults" / "Marking ringid 0 interface 10.0.0.1 FAULTY".
      if (cur.line.startsWith('RING')) cur.link.faulty = /FAULTY/i.test(s);
      continue;
    }
    if (t === 'status:') {
      cur.statusBlock = true;
      continue;
    }
    m = /^nodeid:?\s*(\d+):\s*(.*)$/.exec(t);
    if (m && cur.statusBlock) {
      cur.link.peers.push(peerOf(nodeIdOf(m[1]!, 'nodeid'), m[2]!, localNodeId));
      continue;
    }
    throw unknown(`unexpected line in link ${cur.link.linkId}: "${t.slice(0, 120)}"`);
  }
  for (const d of drafts) {
    if (d.link.address === null && d.link.status === null && d.link.peers.length === 0) throw truncated(`link ${d.link.linkId} has no address or status`);
    if (d.link.status === null && d.link.peers.length === 0) throw truncated(`link ${d.link.linkId} has no status`);
  }
  // Every link lists every node of the nodelist: a shorter last link was cut off.
  const counts = new Set(drafts.filter((d) => d.statusBlock).map((d) => d.link.peers.length));
  if (counts.size > 1) throw truncated(`links list different numbers of nodes (${[...counts].join(', ')})`);
  return { running: true, format: 'links', localNodeId, transport, links: drafts.map((d) => d.link) };
};

const parseCfgtoolNodes = (lines: readonly string[], localNodeId: number | null, transport: string | null): CfgtoolNodes => {
  const nodes: CfgtoolNodes['nodes'] = [];
  for (const line of lines) {
    const t = line.trim();
    if (t === '' || /^Local node ID /.test(t)) continue;
    const n = /^nodeid: (\d+)((?: \w+)*?)(?:\s+onwire \(min\/max\/cur\): .*)?$/.exec(t);
    if (n) {
      const words = n[2]!.trim().split(/\s+/);
      nodes.push({ nodeId: nodeIdOf(n[1]!, 'nodeid'), reachable: words.includes('reachable'), remote: words.includes('remote'), external: words.includes('external'), links: [] });
      continue;
    }
    // 3.1.5+ knet: "LINK: 0 udp (src->dst) ..."; 3.1.1-3.1.4: "LINK: 0 (src->dst)"; udp/udpu: "LINK: 0  (dst)".
    const l = /^LINK: (\d+) ?(\S*) \(([^)]*)\)((?: [a-z]+)*) mtu: (\d+)$/.exec(t);
    const node = nodes[nodes.length - 1];
    if (l && node) {
      const addrs = l[3]!.split('->');
      const flags = l[4]!.trim().split(/\s+/);
      node.links.push({
        linkId: Number(l[1]),
        transport: l[2] === '' ? null : l[2]!,
        source: addrs.length === 2 ? addrs[0]! : null,
        destination: (addrs.length === 2 ? addrs[1] : addrs[0]) || null,
        enabled: flags.includes('enabled'),
        connected: flags.includes('connected'),
        dynconnected: flags.includes('dynconnected'),
        mtu: Number(l[5]),
      });
      continue;
    }
    throw (/^LINK: /.test(t) ? truncated : unknown)(`unexpected line: "${t.slice(0, 120)}"`);
  }
  for (const node of nodes) if (node.links.length === 0) throw truncated(`node ${node.nodeId} lists no link`);
  return { running: true, format: 'nodes', localNodeId, transport, nodes };
};

/** `corosync-cfgtool -s` (2.x rings, 3.0 and 3.1+ links, brief `-b`) or `-n` (3.1+). Never throws. */
export const parseCfgtool = (text: string): ParseResult<CfgtoolOutput | CorosyncUnreachable> =>
  run(text, 'corosync-cfgtool', (lines, raw) => {
    let localNodeId: number | null = null;
    let transport: string | null = null;
    let header = false;
    for (const l of lines) {
      // 3.1.1+: "Local node ID 1, transport knet"; before: "Local node ID 1".
      const m = /^Local node ID (\S+?)(?:, transport (\S+))?\s*$/.exec(l.trim());
      if (m) {
        localNodeId = nodeIdOf(m[1]!, 'Local node ID');
        transport = m[2] ?? null;
        header = true;
        break;
      }
    }
    const hasBlocks = lines.some((l) => /^(RING|LINK) ID \d+/.test(l));
    if (!hasBlocks) {
      const down = unreachableMessage(raw);
      if (down) return down;
    }
    if (!header && !hasBlocks) throw unknown(`not cfgtool output: "${firstLine(raw)}"`);
    // cfgtool ends every line with a newline; without one the last line (a node's status) may be cut short.
    if (!/\n\s*$/.test(raw)) throw truncated('the last line has no end of line');
    if (hasBlocks) return parseCfgtoolLinks(lines, localNodeId, transport);
    // "Local node ID ..." then nothing, or nodeid lines: `-n` (no reachable peer prints only the header).
    return parseCfgtoolNodes(lines, localNodeId, transport);
  });

// ---------------------------------------------------------------------------------------------------------
// corosync-cmapctl

const CMAP_LINE = /^(\S+) \((i8|u8|i16|u16|i32|u32|i64|u64|flt|dbl|str|bin)\)(?: = (.*))?$/;

const intValue = (v: string | undefined, key: string): number => {
  const n = v === undefined ? NaN : Number(v);
  if (v === undefined || !/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw bad(`${key} = "${v ?? ''}" is not an integer`);
  return n;
};

/** `r(0) ip(10.99.0.1) r(1) ip(10.99.1.1) ` → addresses in ring/link order. */
const addressesOf = (v: string): string[] =>
  [...v.matchAll(/r\((\d+)\) ip\(([^)]*)\)/g)].sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => m[2]!);

const VOTEQUORUM_KEYS: Record<string, keyof CorosyncRuntimeVotequorum> = {
  this_node_id: 'thisNodeId',
  two_node: 'twoNode',
  wait_for_all_status: 'waitForAllStatus',
  qdevice_can_operate: 'qdeviceCanOperate',
  qdevice_master_wins: 'qdeviceMasterWins',
  ev_barrier: 'evBarrier',
  lowest_node_id: 'lowestNodeId',
  highest_node_id: 'highestNodeId',
};
const VOTEQUORUM_BOOLS = new Set<keyof CorosyncRuntimeVotequorum>(['twoNode', 'waitForAllStatus', 'qdeviceCanOperate', 'qdeviceMasterWins']);

/** `corosync-cmapctl [-b] [prefix ...]` (any keys; members, runtime.votequorum and the nodelist are read). Never throws. */
export const parseCmapctl = (text: string): ParseResult<CmapctlOutput | CorosyncUnreachable> =>
  run(text, 'corosync-cmapctl', (lines, raw) => {
    const first = lines.find((l) => l.trim() !== '') ?? '';
    if (!CMAP_LINE.test(first)) {
      const down = unreachableMessage(raw);
      if (down) return down;
      throw unknown(`not cmapctl output: "${first.trim().slice(0, 120)}"`);
    }
    const values = new Map<string, string>();
    const endsClean = /\n$/.test(raw);
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const m = CMAP_LINE.exec(line);
      if (!m) {
        const last = lines.slice(i + 1).every((l) => l.trim() === '');
        throw (last && !endsClean ? truncated : unknown)(`line ${i + 1} is not "key (type) = value": "${line.trim().slice(0, 120)}"`);
      }
      values.set(m[1]!, m[3] ?? '');
    });
    const members = new Map<number, CmapMember>();
    const nodelist = new Map<string, { nodeId: number | null; name: string | null; rings: [number, string][] }>();
    let vq: CorosyncRuntimeVotequorum | null = null;
    for (const [key, v] of values) {
      let m = /^runtime\.members\.(\d+)\.(\w+)$/.exec(key);
      if (m) {
        const id = nodeIdOf(m[1]!, 'runtime.members id');
        const mem = members.get(id) ?? { nodeId: id, status: null, joinCount: null, configVersion: null, addresses: [] };
        if (m[2] === 'status') mem.status = v.trim();
        else if (m[2] === 'join_count') mem.joinCount = intValue(v, key);
        else if (m[2] === 'config_version') mem.configVersion = intValue(v, key);
        else if (m[2] === 'ip') mem.addresses = addressesOf(v);
        members.set(id, mem);
        continue;
      }
      m = /^runtime\.votequorum\.(\w+)$/.exec(key);
      if (m) {
        vq ??= { thisNodeId: null, twoNode: null, waitForAllStatus: null, qdeviceCanOperate: null, qdeviceMasterWins: null, evBarrier: null, lowestNodeId: null, highestNodeId: null };
        const field = VOTEQUORUM_KEYS[m[1]!];
        if (field !== undefined) {
          const n = intValue(v, key);
          if (VOTEQUORUM_BOOLS.has(field)) (vq as Record<string, unknown>)[field] = n !== 0;
          else (vq as Record<string, unknown>)[field] = n;
        }
        continue;
      }
      m = /^nodelist\.node\.(\d+)\.(\w+)$/.exec(key);
      if (m) {
        const e = nodelist.get(m[1]!) ?? { nodeId: null, name: null, rings: [] };
        const ring = /^ring(\d+)_addr$/.exec(m[2]!);
        if (m[2] === 'nodeid') e.nodeId = nodeIdOf(v.trim(), key);
        else if (m[2] === 'name') e.name = v;
        else if (ring) e.rings.push([Number(ring[1]), v]);
        nodelist.set(m[1]!, e);
      }
    }
    // A member without its status line was cut off (cmapctl prints keys sorted: status is the last of each).
    for (const mem of members.values()) {
      if (mem.status === null) throw truncated(`runtime.members.${mem.nodeId} has no status`);
      // corosync sets only these two; anything else is a value cut off at the end of the output.
      if (mem.status !== 'joined' && mem.status !== 'left') {
        throw (endsClean ? bad : truncated)(`runtime.members.${mem.nodeId}.status = "${mem.status}" is not joined or left`);
      }
    }
    return {
      running: true as const,
      keys: values.size,
      members: [...members.values()].sort((a, b) => a.nodeId - b.nodeId),
      votequorum: vq,
      nodelist: [...nodelist.values()]
        .filter((e): e is { nodeId: number; name: string | null; rings: [number, string][] } => e.nodeId !== null)
        .map((e) => ({ nodeId: e.nodeId, name: e.name, addresses: e.rings.sort((a, b) => a[0] - b[0]).map((r) => r[1]) }))
        .sort((a, b) => a.nodeId - b.nodeId),
    };
  });
