// The recorded demo scenarios and their loader: every shipped scenario loads, the replay queries return the
// recorded bytes at the right times, and a broken index.json is reported by file and field.
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundledScenariosDir,
  endMs,
  events,
  fifoLinesBetween,
  firstSample,
  jsonDumpAt,
  listScenarios,
  loadTimeline,
  nodes,
  parseTimelineIndex,
  recordedCommands,
  sampleAt,
  startMs,
  TimelineError,
  type Timeline,
} from '../../demo/timeline.js';

const ROOT = bundledScenariosDir();
const SCENARIOS = [
  'pcmk2-split-brain',
  'pcmk3-partition-node3',
  'pcmk3-resource-fail',
  'vrrp-carrier-fault',
  'vrrp-failover-term',
  'vrrp-split-brain-port',
];
const QUORUMTOOL = ['corosync-quorumtool', '-s'];

const tmpScenario = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-timeline-'));
  cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  return join(dir, name);
};

describe('shipped scenarios', () => {
  it('lists all six, with a description, the nodes and the lab', () => {
    const list = listScenarios(ROOT);
    expect(list.map((s) => s.name)).toEqual(SCENARIOS);
    const byName = new Map(list.map((s) => [s.name, s]));
    expect(byName.get('pcmk3-partition-node3')).toMatchObject({
      lab: 'pacemaker',
      nodes: ['n1', 'n2', 'n3'],
      description: 'corosync + pacemaker, 3 nodes: n3 isolated by a switch partition (n3 loses quorum, n1+n2 keep it), then heal',
    });
    expect(byName.get('vrrp-split-brain-port')).toMatchObject({ lab: 'keepalived', nodes: ['node-a', 'node-b'] });
    for (const s of list) expect(s.description).not.toMatch(/^#|^$/);
  });

  const loaded = new Map<string, Timeline>();
  it('loads every scenario eagerly, fast enough to do at demo start', () => {
    const t0 = performance.now();
    for (const name of SCENARIOS) loaded.set(name, loadTimeline(join(ROOT, name)));
    const ms = performance.now() - t0;
    const files = [...loaded.values()].reduce((n, t) => n + t.entries.length, 0);
    const bytes = [...loaded.values()].reduce((n, t) => n + t.entries.reduce((m, e) => m + e.stdout.length, 0), 0);
    console.info(`loaded ${SCENARIOS.length} scenarios: ${files} files, ${(bytes / 1e6).toFixed(2)} MB of output in ${ms.toFixed(0)} ms`);
    expect(files).toBe(1374);
    // A generous bound: the point is that eager loading is not a startup cost worth a lazy cache.
    expect(ms).toBeLessThan(2000);
  });

  it.each(SCENARIOS)('%s: consistent index and contents', (name) => {
    const t = loaded.get(name) ?? loadTimeline(join(ROOT, name));
    expect(t.scenario).toBe(name);
    expect(startMs(t)).toBeLessThan(0);
    expect(endMs(t)).toBeGreaterThan(0);
    expect(events(t).map((m) => m.name)).toEqual(['event', 'heal']);
    expect(events(t)[0]?.tMs).toBe(0);
    for (const n of nodes(t)) {
      const cmds = recordedCommands(t, n);
      expect(cmds.length).toBeGreaterThan(0);
      for (const argv of cmds) {
        const first = firstSample(t, n, argv);
        expect(first).not.toBeNull();
        // At the end of the story every command has its last sample, and it is a real output.
        expect(sampleAt(t, n, argv, endMs(t))?.stdout.length).toBeGreaterThan(0);
      }
    }
    // A FIFO file is the line keepalived wrote, with its newline.
    for (const e of t.entries.filter((x) => x.kind === 'fifo-line')) expect(e.stdout).toBe(`${e.line ?? ''}\n`);
  });
});

describe('pcmk3-partition-node3 on n3', () => {
  const t = loadTimeline(join(ROOT, 'pcmk3-partition-node3'));

  it('is quorate before the partition (t=-1000: the sample finished at -1001)', () => {
    const s = sampleAt(t, 'n3', QUORUMTOOL, -1000);
    expect(s).toMatchObject({ exitCode: 0, tMs: -1001, file: 'n3/0010-corosync-quorumtool-s.out', durMs: 23 });
    expect(s?.stdout).toContain('Date:             Mon Nov 23 18:54:08 2026\n');
    expect(s?.stdout).toContain('Ring ID:          1.d\nQuorate:          Yes\n');
    expect(s?.stdout).toContain('Total votes:      3\nQuorum:           2  \nFlags:            Quorate \n');
    expect(s?.stdout).toMatch(/ {9}3 {10}1 n3 \(local\)\n$/);
  });

  it('is not quorate after the membership change (t=+10000: the sample finished at 9082)', () => {
    const s = sampleAt(t, 'n3', QUORUMTOOL, 10_000);
    expect(s).toMatchObject({ exitCode: 2, tMs: 9082, file: 'n3/0050-corosync-quorumtool-s.out' });
    expect(s?.stdout).toContain('Nodes:            1\nNode ID:          3\nRing ID:          3.11\nQuorate:          No\n');
    expect(s?.stdout).toContain('Total votes:      1\nQuorum:           2 Activity blocked\nFlags:            \n');
    expect(s?.stdout).not.toContain(' n1\n');
  });

  it('a sample counts from the moment it finished (t_ms <= T)', () => {
    expect(sampleAt(t, 'n3', QUORUMTOOL, 8054)?.exitCode).toBe(0);
    expect(sampleAt(t, 'n3', QUORUMTOOL, 8055)).toMatchObject({ exitCode: 2, tMs: 8055 });
  });

  it('has nothing before the first sample, and nothing for an argv or node never recorded', () => {
    expect(sampleAt(t, 'n3', QUORUMTOOL, -3000)).toBeNull();
    expect(sampleAt(t, 'n3', QUORUMTOOL, -2999)?.tMs).toBe(-2999);
    expect(firstSample(t, 'n3', QUORUMTOOL)?.tMs).toBe(-2999);
    expect(sampleAt(t, 'n3', ['corosync-quorumtool'], 0)).toBeNull();
    expect(firstSample(t, 'n3', ['drbdsetup', 'status', '--json'])).toBeNull();
    expect(sampleAt(t, 'n9', QUORUMTOOL, 0)).toBeNull();
  });

  it('has no FIFO lines or JSON dumps (pacemaker lab)', () => {
    expect(fifoLinesBetween(t, 'n3', -Infinity, Infinity)).toEqual([]);
    expect(jsonDumpAt(t, 'n3', Infinity)).toBeNull();
  });
});

describe('vrrp-split-brain-port', () => {
  const t = loadTimeline(join(ROOT, 'vrrp-split-brain-port'));

  it('delivers FIFO lines in half-open windows, each once', () => {
    const all = fifoLinesBetween(t, 'node-b', -Infinity, Infinity);
    expect(all.map((l) => l.tMs)).toEqual([-10863, 3090, 12096]);
    expect(all[1]).toEqual({ tMs: 3090, line: 'INSTANCE "VI_1" MASTER 100' });
    expect(fifoLinesBetween(t, 'node-b', 0, 3090)).toEqual([all[1]]);
    expect(fifoLinesBetween(t, 'node-b', 3090, 12000)).toEqual([]);
    expect(fifoLinesBetween(t, 'node-b', 5000, 1000)).toEqual([]);
  });

  it('gives the JSON dump of the current steady state', () => {
    expect(jsonDumpAt(t, 'node-b', -5000)).toBeNull();
    const d = jsonDumpAt(t, 'node-b', 10_000);
    expect(d).toMatchObject({ tMs: 8102, phase: 'steady-after-event' });
    expect(d?.text).toBe(readFileSync(join(ROOT, 'vrrp-split-brain-port', 'node-b', '0027-keepalived-json.out'), 'utf8'));
  });

  it('starts with the FIFO lines of keepalived starting, before the first sample', () => {
    expect(startMs(t)).toBe(-10952);
    expect(endMs(t)).toBe(20503);
  });
});

describe('malformed index.json', () => {
  const write = (mutate: (doc: Record<string, unknown>) => void): string => {
    const dir = tmpScenario('pcmk2-split-brain');
    const file = join(dir, 'index.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    mutate(doc);
    writeFileSync(file, JSON.stringify(doc));
    return dir;
  };
  const loadError = (dir: string): TimelineError => {
    try {
      loadTimeline(dir);
    } catch (e) {
      rmSync(join(dir, '..'), { recursive: true, force: true });
      if (e instanceof TimelineError) return e;
      throw e;
    }
    throw new Error('loadTimeline accepted a broken scenario');
  };
  const files = (doc: Record<string, unknown>): Record<string, unknown>[] => doc['files'] as Record<string, unknown>[];

  it('names the file and the field of a wrong type', () => {
    const dir = write((doc) => {
      const f = files(doc)[7];
      if (f) f['t_ms'] = 'soon';
    });
    const e = loadError(dir);
    expect(e.message).toBe(`${join(dir, 'index.json')}: files[7].t_ms: expected a finite number, got "soon"`);
    expect(e).toMatchObject({ code: 'demo.timeline_invalid', file: join(dir, 'index.json'), field: 'files[7].t_ms' });
  });

  it('names a missing field, a bad enum and an unknown node', () => {
    expect(loadError(write((doc) => delete doc['lab'])).message).toMatch(/index\.json: lab: expected one of "keepalived", "pacemaker", got undefined$/);
    expect(loadError(write((doc) => void (files(doc)[0] && (files(doc)[0]!['kind'] = 'trace')))).field).toBe('files[0].kind');
    expect(loadError(write((doc) => void (files(doc)[3] && (files(doc)[3]!['node'] = 'n7')))).message).toMatch(
      /files\[3\]\.node: node "n7" is not in nodes \["n1","n2"\]$/,
    );
    expect(loadError(write((doc) => void (files(doc)[2] && (files(doc)[2]!['exit_code'] = null)))).message).toMatch(
      /files\[2\]\.exit_code: expected an integer for kind "sample", got null$/,
    );
  });

  it('refuses paths outside the scenario folder and names a missing output file', () => {
    expect(loadError(write((doc) => void (files(doc)[1] && (files(doc)[1]!['file'] = '../../etc/passwd')))).field).toBe('files[1].file');
    const e = loadError(write((doc) => void (files(doc)[4] && (files(doc)[4]!['file'] = 'n1/9999-missing.out'))));
    expect(e).toMatchObject({ code: 'demo.timeline_unreadable', field: 'files[4].file' });
    expect(e.message).toMatch(/n1\/9999-missing\.out \(ENOENT\)$/);
  });

  it('reports text that is not JSON, and a missing index', () => {
    expect(() => parseTimelineIndex('{"scenario": ', 'x/index.json')).toThrow(/^x\/index\.json: not valid JSON: /);
    expect(() => loadTimeline(join(tmpdir(), 'hawatch-no-such-scenario'))).toThrow(/index\.json: cannot read .*\(ENOENT\)$/);
  });
});
