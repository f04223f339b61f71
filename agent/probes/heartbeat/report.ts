// Pure assembly of one heartbeat report from the cl_status runs of one probe cycle (or of a transcript):
// `hbstatus -v` gives everything at once; without its node list the single queries are read instead.
import { parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type { HeartbeatLink, HeartbeatNode, HeartbeatReport, HeartbeatSourceError } from '../../protocol/heartbeat.js';
import {
  HEARTBEAT_PARSE_ERRORS,
  parseHblinkstatus,
  parseHbparameterSeconds,
  parseHbstatus,
  parseListhblinks,
  parseListnodes,
  parseNodestatus,
  parseNodetype,
  parseRscstatus,
  parseTranscript,
  type ClStatusRun,
  type VerboseNode,
} from './parse.js';

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** What the run printed: stdout, or stderr when stdout is empty (cl_status's errors go there). */
const textOf = (r: ClStatusRun): string => (r.stdout.trim() !== '' ? r.stdout : r.stderr);

/** Build the report from the runs; `nodeHint` names the local node when `uname -n` was not run. */
export const buildHeartbeatReport = (runs: readonly ClStatusRun[], nodeHint: string | null = null): ParseResult<HeartbeatReport> => {
  const find = (...argv: string[]): ClStatusRun | undefined => runs.find((r) => same(r.argv, argv));
  const errors: HeartbeatSourceError[] = [];
  const read = <T>(r: ClStatusRun | undefined, parse: (t: string) => ParseResult<T>): T | null => {
    if (r === undefined) return null;
    const p = parse(textOf(r));
    if (p.ok) return p.value;
    errors.push({ source: r.argv.join(' '), code: p.error.code, message: p.error.message.slice(0, 1000) });
    return null;
  };

  const hbRun = find('cl_status', 'hbstatus', '-v') ?? find('cl_status', 'hbstatus');
  let verbose: { version: string | null; managedBy: string | null; nodes: VerboseNode[] | null } = { version: null, managedBy: null, nodes: null };
  if (hbRun !== undefined) {
    const hb = parseHbstatus(textOf(hbRun));
    if (!hb.ok) return hb;
    if (!hb.value.running) return parsed({ running: false, message: hb.value.message });
    verbose = hb.value;
  } else if (find('cl_status', 'listnodes') === undefined && find('cl_status', 'listnodes', '-v') === undefined) {
    return parseFailed(HEARTBEAT_PARSE_ERRORS.unknownFormat, 'no cl_status hbstatus or listnodes run');
  }

  const uname = find('uname', '-n');
  const unameName = uname === undefined ? '' : (uname.stdout.split('\n')[0] ?? '').trim();
  const candidate = unameName !== '' ? unameName : nodeHint;

  let nodes: VerboseNode[] | null = verbose.nodes;
  if (nodes === null) {
    const lv = find('cl_status', 'listnodes', '-v');
    if (lv !== undefined) {
      const p = parseHbstatus(textOf(lv));
      if (p.ok && p.value.running && p.value.nodes !== null) nodes = p.value.nodes;
    }
  }
  const source: 'verbose' | 'queries' = nodes !== null ? 'verbose' : 'queries';
  if (nodes === null) {
    const names = read(find('cl_status', 'listnodes'), parseListnodes) ?? [];
    nodes = names.map((name) => {
      const status = read(find('cl_status', 'nodestatus', name), parseNodestatus) ?? 'unknown';
      const type = read(find('cl_status', 'nodetype', name), parseNodetype);
      const listed = read(find('cl_status', 'listhblinks', name) ?? find('cl_status', 'listhblinks', '-v', name), parseListhblinks) ?? [];
      const links: HeartbeatLink[] = listed.map((l) => {
        const st = find('cl_status', 'hblinkstatus', name, l.name);
        return { name: l.name, status: st === undefined ? l.status : read(st, parseHblinkstatus) };
      });
      return { name, status, type, links };
    });
  }

  const localNode = candidate !== null && nodes.some((n) => n.name === candidate) ? candidate : null;
  const out: HeartbeatNode[] = nodes
    .map((n) => ({
      name: n.name,
      status: n.status,
      type: n.type,
      local: n.name === localNode,
      // heartbeat does not track links to itself (always "dead", see cl_status(1)): not a link state.
      links: n.links.map((l) => ({ name: l.name, status: n.name === localNode ? null : l.status })).sort((a, b) => cmpStr(a.name, b.name)),
    }))
    .sort((a, b) => cmpStr(a.name, b.name));

  const param = (name: string): number | null => {
    const r = find('cl_status', 'hbparameter', '-p', name);
    if (r === undefined || textOf(r).trim() === '') return null;
    const p = parseHbparameterSeconds(textOf(r));
    // A parameter is configuration, not state: an unreadable one is left out, not an error of the run.
    return p.ok ? p.value : null;
  };

  return parsed({
    running: true,
    source,
    version: verbose.version,
    managedBy: verbose.managedBy,
    localNode,
    nodes: out,
    resources: read(find('cl_status', 'rscstatus'), parseRscstatus),
    keepaliveSeconds: param('keepalive'),
    deadtimeSeconds: param('deadtime'),
    errors,
  });
};

/**
 * `hawatch parse cl_status`: a transcript (`$ cl_status ...` before each output), or one `hbstatus [-v]` /
 * `listnodes -v` output on its own.
 */
export const parseClStatus = (text: string): ParseResult<HeartbeatReport> => {
  if (/^\$ /m.test(text)) {
    const t = parseTranscript(text);
    return t.ok ? buildHeartbeatReport(t.value) : t;
  }
  const hb = parseHbstatus(text);
  if (!hb.ok) return hb;
  const argv = hb.value.running && hb.value.nodes !== null && hb.value.version === null ? ['cl_status', 'listnodes', '-v'] : ['cl_status', 'hbstatus', '-v'];
  return buildHeartbeatReport([{ argv, stdout: text, stderr: '', exitCode: null }]);
};
