// The cl_status parsers against every cl_status output of the shared heartbeat set (Debian 12 heartbeat 3.0.6,
// listed in its index.json) and of the fresh captures in test/fixtures/probes/heartbeat/capture, with facts per
// state; and the verbose (`hbstatus -v`) and single-query readings of one capture must give the same report.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseResult } from '../../../../agent/lib/errors.js';
import {
  buildHeartbeatReport,
  parseHblinkstatus,
  parseHbparameterSeconds,
  parseHbstatus,
  parseListhblinks,
  parseListnodes,
  parseNodestatus,
  parseNodetype,
  parseRscstatus,
  type ClStatusRun,
} from '../../../../agent/probes/heartbeat/index.js';
import type { HeartbeatReport } from '../../../../agent/protocol/heartbeat.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const SHARED = SHARED_FIXTURES;
const HB = join(SHARED, 'heartbeat');
const HAVE_SHARED = existsSync(join(HB, 'index.json'));
const SKIP = HAVE_SHARED ? '' : ` (skipped: ${HB} not found; set HAWATCH_SHARED_FIXTURES)`;
const HERE = dirname(fileURLToPath(import.meta.url));
const CAPTURE = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'heartbeat', 'capture', 'out');

/** The parser for one cl_status sub-command; null for what the probe does not read (clientstatus, ip). */
const parserFor = (argv: readonly string[]): ((t: string) => ParseResult<unknown>) | null => {
  if (argv[0] !== 'cl_status') return null;
  switch (argv[1]) {
    case 'hbstatus':
      return parseHbstatus;
    case 'listnodes':
      return argv.includes('-v') ? parseHbstatus : parseListnodes;
    case 'nodestatus':
      return parseNodestatus;
    case 'nodetype':
      return parseNodetype;
    case 'listhblinks':
      return parseListhblinks;
    case 'hblinkstatus':
      return parseHblinkstatus;
    case 'rscstatus':
      return parseRscstatus;
    case 'hbparameter':
      return parseHbparameterSeconds;
    default:
      return null;
  }
};

interface Entry {
  state: string;
  node: string;
  command: string[];
  exit_code: number;
  file: string;
  stderr_file?: string;
}
const sharedIndex = (): Entry[] => (HAVE_SHARED ? (JSON.parse(readFileSync(join(HB, 'index.json'), 'utf8')) as { files: Entry[] }).files : []);
const runOf = (root: string, e: Entry): ClStatusRun => ({
  argv: e.command,
  stdout: readFileSync(join(root, e.file), 'utf8'),
  stderr: e.stderr_file ? readFileSync(join(root, e.stderr_file), 'utf8') : '',
  exitCode: e.exit_code,
});
const textOf = (r: ClStatusRun): string => (r.stdout.trim() !== '' ? r.stdout : r.stderr);
const reportOf = (runs: ClStatusRun[], node: string): HeartbeatReport => {
  const r = buildHeartbeatReport(runs, node);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
/** `name:status[:link=status,...]` per node, `*` marks the local node. */
const view = (r: HeartbeatReport): string[] =>
  r.running ? r.nodes.map((n) => `${n.name}${n.local ? '*' : ''}:${n.status}:${n.type}:${n.links.map((l) => `${l.name}=${l.status}`).join(',')}`) : [];

describe(`heartbeat parsers on every shared cl_status output${SKIP}`, () => {
  const entries = sharedIndex();
  it.skipIf(!HAVE_SHARED)('index.json lists both states on both nodes', () => {
    expect(new Set(entries.map((e) => `${e.state}/${e.node}`))).toEqual(new Set(['01-healthy/node1', '01-healthy/node2', '02-node2-crashed/node1', '02-node2-crashed/node2']));
    expect(entries.filter((e) => parserFor(e.command) !== null).length).toBeGreaterThanOrEqual(4 * 13);
  });
  for (const e of entries) {
    const parse = parserFor(e.command);
    if (parse === null) continue;
    it(`${e.file} (${e.command.join(' ')}, exit ${e.exit_code})`, () => {
      const run = runOf(HB, e);
      const r = parse(textOf(run));
      if (e.state === '02-node2-crashed' && e.node === 'node2') {
        // heartbeat is down there: hbstatus says so, every other query cannot sign on.
        if (e.command[1] === 'hbstatus') expect(r).toEqual({ ok: true, value: { running: false, message: 'Heartbeat is stopped on this machine.' } });
        else expect(r.ok ? 'parsed' : r.error.code).toBe('heartbeat.signon_failed');
        return;
      }
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      // Exit 1 goes with "dead" (nodestatus of a dead peer, hblinkstatus of any own or dead link).
      if (e.exit_code === 1) expect(r.value).toBe('dead');
    });
  }
});

describe.skipIf(!HAVE_SHARED)(`heartbeat facts per shared state${SKIP}`, () => {
  const runsOf = (state: string, node: string) => sharedIndex().filter((e) => e.state === state && e.node === node).map((e) => runOf(HB, e));
  it('healthy, on node1 and on node2: both active, the peer link eth0 up, each holds its own resources', () => {
    const n1 = reportOf(runsOf('01-healthy', 'node1'), 'node1');
    expect(view(n1)).toEqual(['node1*:active:normal:eth0=null', 'node2:active:normal:eth0=up']);
    expect(n1).toMatchObject({ running: true, source: 'queries', resources: 'local', keepaliveSeconds: 1, deadtimeSeconds: 6, errors: [] });
    expect(view(reportOf(runsOf('01-healthy', 'node2'), 'node2'))).toEqual(['node1:active:normal:eth0=up', 'node2*:active:normal:eth0=null']);
  });
  it('node2 crashed, on node1: node2 dead, its link dead, node1 holds all resources', () => {
    const r = reportOf(runsOf('02-node2-crashed', 'node1'), 'node1');
    expect(view(r)).toEqual(['node1*:active:normal:eth0=null', 'node2:dead:normal:eth0=dead']);
    expect(r).toMatchObject({ resources: 'all', errors: [] });
  });
  it('node2 crashed, on node2: heartbeat is stopped (a state, not an error)', () => {
    expect(reportOf(runsOf('02-node2-crashed', 'node2'), 'node2')).toEqual({ running: false, message: 'Heartbeat is stopped on this machine.' });
  });
  it('the crash transition seen from node1 reads as node dead and link dead', () => {
    const t = (JSON.parse(readFileSync(join(HB, 'index.json'), 'utf8')) as { node2_crash_transitions_seen_from_node1: { nodestatus: string; hblinkstatus: string }[] })
      .node2_crash_transitions_seen_from_node1;
    expect(t.map((x) => [parseNodestatus(`${x.nodestatus}\n`), parseHblinkstatus(`${x.hblinkstatus}\n`)])).toEqual([
      [{ ok: true, value: 'active' }, { ok: true, value: 'up' }],
      [{ ok: true, value: 'dead' }, { ok: true, value: 'dead' }],
    ]);
  });
});

/** The fresh capture's runs per state and node, from its index.tsv. */
const captureRuns = (): Map<string, ClStatusRun[]> => {
  const out = new Map<string, ClStatusRun[]>();
  for (const line of readFileSync(join(CAPTURE, 'index.tsv'), 'utf8').split('\n')) {
    const [state, node, code, cmd] = line.split('\t');
    if (!state || !node || !code || !cmd) continue;
    const nobody = cmd.startsWith('(as nobody) ');
    const argv = cmd.replace('(as nobody) ', '').split(' ');
    const base = `${nobody ? 'nobody_' : ''}${argv.map((a) => a.replace(/^-/, '')).join('_')}`;
    const read = (ext: string) => (existsSync(join(CAPTURE, state, node, `${base}.${ext}`)) ? readFileSync(join(CAPTURE, state, node, `${base}.${ext}`), 'utf8') : '');
    const key = `${state}/${node}${nobody ? '/nobody' : ''}`;
    out.set(key, [...(out.get(key) ?? []), { argv, stdout: read('out'), stderr: read('err'), exitCode: Number(code) }]);
  }
  return out;
};

describe('heartbeat parsers on the fresh captures (test/fixtures/probes/heartbeat/capture)', () => {
  const all = captureRuns();
  it('has three states on two nodes', () => {
    expect([...all.keys()].filter((k) => !k.endsWith('/nobody')).sort()).toEqual([
      '01-healthy/node1',
      '01-healthy/node2',
      '02-eth1-down-on-node2/node1',
      '02-eth1-down-on-node2/node2',
      '03-node2-crashed/node1',
      '03-node2-crashed/node2',
    ]);
  });
  for (const [key, runs] of all) {
    for (const run of runs) {
      const parse = parserFor(run.argv);
      if (parse === null) continue;
      it(`${key}: ${run.argv.join(' ')} (exit ${run.exitCode})`, () => {
        const r = parse(textOf(run));
        if (key.startsWith('03-node2-crashed/node2')) {
          if (run.argv[1] === 'hbstatus') expect(r.ok && (r.value as { running: boolean }).running).toBe(false);
          else expect(r.ok ? 'parsed' : r.error.code).toBe('heartbeat.signon_failed');
          return;
        }
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      });
    }
  }

  for (const key of ['01-healthy/node1', '01-healthy/node2', '02-eth1-down-on-node2/node1', '02-eth1-down-on-node2/node2', '03-node2-crashed/node1']) {
    it(`${key}: hbstatus -v and the single queries give the same report`, () => {
      const runs = all.get(key)!;
      const verbose = runs.filter((r) => ['hbstatus -v', 'uname -n', 'rscstatus', 'hbparameter -p keepalive', 'hbparameter -p deadtime'].some((c) => r.argv.join(' ').endsWith(c)));
      const queries = runs.filter((r) => !r.argv.includes('-v'));
      const a = reportOf(verbose, 'x');
      const b = reportOf(queries, 'x');
      expect(a).toMatchObject({ running: true, source: 'verbose', version: '3.0.6 (node: 958e11be8686759f1b99204c17812f2c2633b169)', managedBy: '"haresources"' });
      expect(b).toMatchObject({ running: true, source: 'queries', version: null });
      const strip = (r: HeartbeatReport) => (r.running ? { ...r, source: null, version: null, managedBy: null } : r);
      expect(strip(b)).toEqual(strip(a));
    });
  }

  it('facts: eth1 of node2 down → node1 sees node2:eth1 dead, node2 still active; node2 crashed → dead on both links', () => {
    const v = (key: string) => view(reportOf(all.get(key)!, 'x'));
    expect(v('01-healthy/node1')).toEqual(['node1*:active:normal:eth0=null,eth1=null', 'node2:active:normal:eth0=up,eth1=up']);
    expect(v('02-eth1-down-on-node2/node1')).toEqual(['node1*:active:normal:eth0=null,eth1=null', 'node2:active:normal:eth0=up,eth1=dead']);
    expect(v('02-eth1-down-on-node2/node2')).toEqual(['node1:active:normal:eth0=up,eth1=dead', 'node2*:active:normal:eth0=null,eth1=null']);
    expect(v('03-node2-crashed/node1')).toEqual(['node1*:active:normal:eth0=null,eth1=null', 'node2:dead:normal:eth0=dead,eth1=dead']);
    expect(reportOf(all.get('03-node2-crashed/node2')!, 'node2')).toEqual({
      running: false,
      message: "Heartbeat is stopped on this machine. (hb_api_signon: Can't initiate connection to heartbeat)",
    });
  });

  it('as an unprivileged user (nobody) heartbeat 3.0.6 answers the same', () => {
    const nobody = all.get('01-healthy/node1/nobody')!;
    expect(parseHbstatus(nobody[0]!.stdout)).toEqual(parseHbstatus(all.get('01-healthy/node1')!.find((r) => r.argv.join(' ') === 'cl_status hbstatus -v')!.stdout));
  });
});
