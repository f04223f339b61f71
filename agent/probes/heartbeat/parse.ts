// Pure parsers for Heartbeat 3's `cl_status` (heartbeat 3.0.6): one per sub-command, plus the verbose
// `hbstatus -v` / `listnodes -v` node list, and a transcript of several runs (`$ cl_status ...` headers) for
// `hawatch parse cl_status`. Text in, typed value or typed ParseError out; no I/O, clock or environment.
import { parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type { HeartbeatLink } from '../../protocol/heartbeat.js';

/** Stable error codes of these parsers. */
export const HEARTBEAT_PARSE_ERRORS = {
  empty: 'heartbeat.empty',
  unknownFormat: 'heartbeat.unknown_format',
  truncated: 'heartbeat.truncated',
  badValue: 'heartbeat.bad_value',
  /** cl_status could not sign on to heartbeat (its stderr: "ERROR: Cannot signon with heartbeat") */
  signon: 'heartbeat.signon_failed',
} as const;

/** One node as `hbstatus -v` / `listnodes -v` print it. */
export interface VerboseNode {
  name: string;
  status: string;
  type: string | null;
  links: HeartbeatLink[];
}

export type HbstatusOutput =
  | { running: true; version: string | null; managedBy: string | null; /** null: plain `hbstatus`, no node list */ nodes: VerboseNode[] | null }
  | { running: false; message: string };

/** One command and what it printed, from the probe or from a transcript. */
export interface ClStatusRun {
  argv: readonly string[];
  stdout: string;
  stderr: string;
  /** null in a transcript (not recorded) */
  exitCode: number | null;
}

class Fail extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const run = <T>(text: string, what: string, body: (lines: string[], raw: string) => T): ParseResult<T> => {
  const raw = text.replace(/^\uFEFF/, '');
  if (raw.trim() === '') return parseFailed(HEARTBEAT_PARSE_ERRORS.empty, `empty ${what} output`);
  try {
    return parsed(body(raw.split(/\r?\n/), raw));
  } catch (e) {
    if (e instanceof Fail) return parseFailed(e.code, `${what}: ${e.message}`);
    return parseFailed(HEARTBEAT_PARSE_ERRORS.unknownFormat, `${what}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
};
const clip = (s: string): string => s.trim().slice(0, 120);
const SIGNON = /ERROR: Cannot signon with heartbeat|hb_api_signon: /;

/** The "cannot sign on" lines cl_status prints (on stderr) when heartbeat is down or refuses the caller. */
export const signonFailure = (text: string): string | null => {
  const lines = text.split(/\r?\n/).filter((l) => SIGNON.test(l));
  if (lines.length === 0) return null;
  // "Nov 23 19:01:06 node2 cl_status: [23542]: ERROR: REASON: hb_api_signon: ..." → from "ERROR:" on.
  return lines.map((l) => l.replace(/^.*?(ERROR: )/, '$1').trim()).join('; ');
};

/** One word on one line (nodestatus, nodetype, hblinkstatus, rscstatus). */
const word = (what: string, text: string, known: RegExp): ParseResult<string> =>
  run(text, `cl_status ${what}`, (lines) => {
    const l = lines.filter((x) => x.trim() !== '');
    if (l.length !== 1) {
      if (SIGNON.test(text)) throw new Fail(HEARTBEAT_PARSE_ERRORS.signon, signonFailure(text) ?? 'cannot sign on');
      throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, `${l.length} lines, expected one word`);
    }
    const w = l[0]!.trim();
    if (SIGNON.test(w)) throw new Fail(HEARTBEAT_PARSE_ERRORS.signon, signonFailure(w) ?? w);
    if (!/^[A-Za-z][A-Za-z_-]*$/.test(w)) throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, `"${clip(w)}" is not one word`);
    if (!known.test(w)) throw new Fail(HEARTBEAT_PARSE_ERRORS.badValue, `"${w}" is not a ${what} value`);
    return w;
  });

/** `cl_status nodestatus NODE`: active, up, init, dead (exit 1), ping (heartbeat 3.0.6 node statuses). */
export const parseNodestatus = (text: string): ParseResult<string> => word('nodestatus', text, /^(active|up|init|dead|ping)$/);
/** `cl_status nodetype NODE`: normal or ping. */
export const parseNodetype = (text: string): ParseResult<string> => word('nodetype', text, /^(normal|ping)$/);
/** `cl_status hblinkstatus NODE LINK`: up or dead (exit 1; always dead for the local node's own links). */
export const parseHblinkstatus = (text: string): ParseResult<string> => word('hblinkstatus', text, /^(up|dead)$/);
/** `cl_status rscstatus`: which haresources groups this node holds: local, foreign, all, none, transition. */
export const parseRscstatus = (text: string): ParseResult<string> => word('rscstatus', text, /^(local|foreign|all|none|transition)$/);

/** `cl_status listnodes`: one node name per line (heartbeat's order, not sorted). */
export const parseListnodes = (text: string): ParseResult<string[]> =>
  run(text, 'cl_status listnodes', (lines, raw) => {
    if (SIGNON.test(raw)) throw new Fail(HEARTBEAT_PARSE_ERRORS.signon, signonFailure(raw) ?? 'cannot sign on');
    const names = lines.map((l) => l.trim()).filter((l) => l !== '');
    for (const n of names) if (/\s/.test(n) || n.length > 253) throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, `"${clip(n)}" is not a node name`);
    return names;
  });

/** `cl_status listhblinks NODE` (`\teth0`) or `-v` (`\teth0\tup`). */
export const parseListhblinks = (text: string): ParseResult<HeartbeatLink[]> =>
  run(text, 'cl_status listhblinks', (lines, raw) => {
    if (SIGNON.test(raw)) throw new Fail(HEARTBEAT_PARSE_ERRORS.signon, signonFailure(raw) ?? 'cannot sign on');
    const out: HeartbeatLink[] = [];
    for (const l of lines) {
      if (l.trim() === '') continue;
      const m = /^\s+(\S+)(?:\s+(\S+))?\s*$/.exec(l);
      if (!m) throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, `"${clip(l)}" is not an indented link name`);
      out.push({ name: m[1]!, status: m[2] ?? null });
    }
    return out;
  });

/** `cl_status hbparameter -p keepalive|deadtime|...`: ha.cf's time value (`2`, `500ms`, `1s`) in seconds. */
export const parseHbparameterSeconds = (text: string): ParseResult<number> =>
  run(text, 'cl_status hbparameter', (lines) => {
    const l = lines.filter((x) => x.trim() !== '');
    const m = l.length === 1 ? /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(l[0]!.trim()) : null;
    if (!m) {
      if (SIGNON.test(lines.join('\n'))) throw new Fail(HEARTBEAT_PARSE_ERRORS.signon, signonFailure(lines.join('\n')) ?? '');
      throw new Fail(HEARTBEAT_PARSE_ERRORS.badValue, `"${clip(l.join(' '))}" is not a time`);
    }
    return m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
  });

/** Node blocks of `hbstatus -v` / `listnodes -v`: `NAME<TAB>STATUS<TAB>(nodetype: TYPE)` then indented `LINK<TAB>STATUS`. */
const verboseNodes = (lines: readonly string[]): VerboseNode[] => {
  const nodes: VerboseNode[] = [];
  let inCcm = false;
  for (const l of lines) {
    if (l.trim() === '') {
      inCcm = false;
      continue;
    }
    // With a CCM (crm yes) heartbeat also prints a "ccm membership ..." block: not used, skipped whole.
    if (/^ccm membership/.test(l)) {
      inCcm = true;
      continue;
    }
    if (inCcm) continue;
    const node = /^(\S+)\s+(\S+)\s+\(nodetype: (\S+)\)\s*$/.exec(l);
    if (node) {
      nodes.push({ name: node[1]!, status: node[2]!, type: node[3]!, links: [] });
      continue;
    }
    const link = /^\s+(\S+)\s+(\S+)\s*$/.exec(l);
    const last = nodes[nodes.length - 1];
    if (link && last) {
      last.links.push({ name: link[1]!, status: link[2]! });
      continue;
    }
    throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, `unexpected line "${clip(l)}"`);
  }
  // Every heartbeat node has at least one medium; a node without links was cut off.
  for (const n of nodes) if (n.links.length === 0) throw new Fail(HEARTBEAT_PARSE_ERRORS.truncated, `node ${n.name} lists no link`);
  return nodes;
};

/** `cl_status hbstatus` or `hbstatus -v` (also accepts `listnodes -v`, the node part of it). */
export const parseHbstatus = (text: string): ParseResult<HbstatusOutput> =>
  run(text, 'cl_status hbstatus', (lines, raw) => {
    const first = lines.findIndex((l) => l.trim() !== '');
    const head = lines[first]!.trim();
    if (head === 'Heartbeat is stopped on this machine.') {
      // -v adds the reason in parentheses: "(hb_api_signon: Can't initiate connection to heartbeat)".
      const why = lines.slice(first + 1).map((l) => l.trim()).find((l) => l !== '');
      return { running: false as const, message: why === undefined ? head : `${head} ${why}` };
    }
    if (head === 'Heartbeat is running on this machine.') {
      const rest = lines.slice(first + 1);
      const nodes = verboseNodes(rest);
      return { running: true as const, version: null, managedBy: null, nodes: nodes.length > 0 ? nodes : null };
    }
    let version: string | null = null;
    let managedBy: string | null = null;
    let i = first;
    for (; i < lines.length; i++) {
      const m = /^(version|managed by):\s*(.*?)\s*$/.exec(lines[i]!);
      if (!m) break;
      if (m[1] === 'version') version = m[2]!;
      else managedBy = m[2]!;
    }
    // `listnodes -v` starts straight with the node blocks.
    const looksVerbose = version !== null || /\(nodetype: \S+\)\s*$/.test(head);
    if (!looksVerbose) {
      if (SIGNON.test(raw)) throw new Fail(HEARTBEAT_PARSE_ERRORS.signon, signonFailure(raw) ?? 'cannot sign on');
      throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, `not cl_status hbstatus output: "${clip(head)}"`);
    }
    if (!/\n\s*$/.test(raw)) throw new Fail(HEARTBEAT_PARSE_ERRORS.truncated, 'the last line has no end of line');
    const nodes = verboseNodes(lines.slice(i));
    if (nodes.length === 0) throw new Fail(HEARTBEAT_PARSE_ERRORS.truncated, 'verbose output without any node');
    return { running: true as const, version, managedBy, nodes };
  });

/**
 * A transcript of cl_status runs, one `$ ARGV` header line before each output (stdout and stderr together), e.g.
 * `for c in hbstatus listnodes ...; do echo "$ cl_status $c"; cl_status $c 2>&1; done`. Exit codes are not in it.
 */
export const parseTranscript = (text: string): ParseResult<ClStatusRun[]> =>
  run(text, 'cl_status transcript', (lines) => {
    const runs: { argv: string[]; out: string[] }[] = [];
    for (const l of lines) {
      const h = /^\$ (.+)$/.exec(l);
      if (h) {
        runs.push({ argv: h[1]!.trim().split(/\s+/), out: [] });
        continue;
      }
      const cur = runs[runs.length - 1];
      if (!cur) {
        if (l.trim() === '') continue;
        throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, `text before the first "$ command" line: "${clip(l)}"`);
      }
      cur.out.push(l);
    }
    if (runs.length === 0) throw new Fail(HEARTBEAT_PARSE_ERRORS.unknownFormat, 'no "$ command" line');
    return runs.map((r) => ({ argv: r.argv, stdout: r.out.length === 0 ? '' : `${r.out.join('\n').replace(/\n+$/, '')}\n`, stderr: '', exitCode: null }));
  });
