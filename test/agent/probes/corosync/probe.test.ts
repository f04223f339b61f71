// The corosync probe's mapping of tool runs to outcomes, with a fake Exec fed real outputs (the fresh captures in
// test/fixtures/probes/corosync/capture), a replay of a recorded timeline, and a run of the real tools.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { exec, type Exec, type ExecOptions, type ExecResult } from '../../../../agent/lib/exec.js';
import { Observation } from '../../../../agent/protocol/index.js';
import { CorosyncReport } from '../../../../agent/protocol/corosync.js';
import {
  CFGTOOL_ARGV,
  CMAP_MEMBERS_ARGV,
  CMAP_NODELIST_ARGV,
  CMAP_VOTEQUORUM_ARGV,
  CorosyncOptionsError,
  QUORUMTOOL_ARGV,
  corosyncProbeOptions,
  createCorosyncProbe,
} from '../../../../agent/probes/corosync/index.js';
import type { ProbeContext } from '../../../../agent/probes/types.js';
import { replayExec } from '../../../../demo/replay-exec.js';
import { bundledScenariosDir, loadTimeline } from '../../../../demo/timeline.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CAPTURE = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'corosync', 'capture', 'out');

const exited = (code: number, stdout: string, stderr = '', truncated = false): ExecResult => ({ kind: 'exited', code, stdout, stderr, durationMs: 5, truncated });

/** argv joined by `_`, the capture's file names. */
const fileOf = (argv: readonly string[]): string => argv.join('_');

/** Exit codes of the capture, from its index.tsv. */
const exitCodes = (): Map<string, number> => {
  const m = new Map<string, number>();
  for (const line of readFileSync(join(CAPTURE, 'index.tsv'), 'utf8').split('\n')) {
    const [state, , code, cmd] = line.split('\t');
    if (state && code && cmd) m.set(`${state}/${cmd}`, Number(code));
  }
  return m;
};

/** A fake Exec that answers from one captured state, by argv; records what it was asked. */
const captureExec = (state: string) => {
  const codes = exitCodes();
  const calls: { argv: readonly string[]; options: ExecOptions }[] = [];
  const fn: Exec = async (argv, options) => {
    calls.push({ argv, options });
    const base = join(CAPTURE, state, fileOf(argv));
    if (!existsSync(`${base}.txt`)) return { kind: 'absent', message: `${argv[0]}: not captured` };
    const stderr = existsSync(`${base}.err`) ? readFileSync(`${base}.err`, 'utf8') : '';
    return exited(codes.get(`${state}/${argv.join(' ')}`) ?? 0, readFileSync(`${base}.txt`, 'utf8'), stderr);
  };
  return { fn, calls };
};

/** A fake Exec that answers each call from a list. */
const listExec = (...answers: ExecResult[]) => {
  const calls: (readonly string[])[] = [];
  const fn: Exec = async (argv) => {
    calls.push(argv);
    const a = answers.shift();
    if (!a) throw new Error(`unexpected exec ${argv.join(' ')}`);
    return a;
  };
  return { fn, calls };
};

const ctxWith = (e: Exec, timeoutMs = 10_000, now: () => number = () => 1_700_000_000_000): ProbeContext => ({ exec: e, timeoutMs, node: 'node1', now });
const probe = createCorosyncProbe();
type Outcome = Awaited<ReturnType<typeof probe.run>>;

const asObservation = (o: Outcome) => ({
  probe: probe.name,
  at: 1_700_000_000_000,
  durationMs: 5,
  status: o.status,
  ...(o.status === 'ok' ? {} : { error: o.error }),
  ...(o.report === undefined ? {} : { report: o.report }),
  samples: o.samples,
  states: o.states,
});
const sorted = (l: Record<string, string>): string => JSON.stringify(Object.entries(l).sort());
const sample = (o: Outcome, metric: string, labels: Record<string, string> = {}) =>
  o.samples.find((s) => s.metric === `hawatch_corosync_${metric}` && sorted(s.labels) === sorted(labels))?.value;
const state = (o: Outcome, kind: string, id: string) => o.states.find((s) => s.kind === kind && s.id === id);

describe('corosync probe on captured outputs', () => {
  it('is named corosync and runs the five commands, each with what is left of one budget', async () => {
    expect(probe.name).toBe('corosync');
    const f = captureExec('knet-3node-all-up_view-node1');
    let t = 0;
    const o = await probe.run(ctxWith(f.fn, 10_000, () => (t += 100)));
    expect(f.calls.map((c) => c.argv)).toEqual([QUORUMTOOL_ARGV, CFGTOOL_ARGV, CMAP_MEMBERS_ARGV, CMAP_VOTEQUORUM_ARGV, CMAP_NODELIST_ARGV]);
    expect(f.calls.map((c) => c.options.timeoutMs)).toEqual([9_900, 9_800, 9_700, 9_600, 9_500]);
    expect(o.status).toBe('ok');
    expect(Value.Check(CorosyncReport, o.report)).toBe(true);
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
    expect(o.report).toMatchObject({ running: true, localNodeId: 1, transport: 'knet', quorum: { quorate: true, ringId: '1.9' } });
    expect(sample(o, 'quorate')).toBe(1);
    expect(sample(o, 'votes_present')).toBe(3);
    expect(sample(o, 'link_connected', { link: '1', nodeid: '3' })).toBe(1);
    expect(sample(o, 'peer_links_connected', { nodeid: '2' })).toBe(2);
    expect(state(o, 'corosync_quorum', 'quorum')).toEqual({ kind: 'corosync_quorum', id: 'quorum', state: 'quorate', availability: 'up' });
  });

  it('link 1 to node3 down: that peer link is disconnected (down), the member stays joined', async () => {
    const o = await probe.run(ctxWith(captureExec('knet-3node-link1-down-node3_view-node1').fn));
    expect(o.status).toBe('ok');
    expect(state(o, 'corosync_link', 'node3:link1')).toMatchObject({ state: 'disconnected', availability: 'down' });
    expect(state(o, 'corosync_link', 'node3:link0')).toMatchObject({ state: 'connected', availability: 'up' });
    expect(state(o, 'corosync_member', '3')).toMatchObject({ state: 'joined', availability: 'up' });
    expect(sample(o, 'peer_links_connected', { nodeid: '3' })).toBe(1);
  });

  it('node3 isolated, seen from node3: exit 2 is data: not quorate, 1 and 2 left (names from the nodelist)', async () => {
    const o = await probe.run(ctxWith(captureExec('knet-3node-node3-isolated_view-node3').fn));
    expect(o.status).toBe('ok');
    expect(state(o, 'corosync_quorum', 'quorum')).toMatchObject({ state: 'not-quorate', availability: 'down' });
    expect(sample(o, 'activity_blocked')).toBe(1);
    expect(o.report?.running && o.report.members.map((m) => `${m.nodeId}:${m.name}:${m.status}:${m.inQuorumMembership}`)).toEqual([
      '1:node1:left:false',
      '2:node2:left:false',
      '3:node3:joined:true',
    ]);
    expect(state(o, 'corosync_member', '1')).toMatchObject({ state: 'left', availability: 'down' });
  });

  it('corosync stopped: running false, a state of its own (not a failure)', async () => {
    const f = captureExec('corosync-stopped_view-node3');
    const o = await probe.run(ctxWith(f.fn));
    expect(f.calls.map((c) => c.argv)).toEqual([QUORUMTOOL_ARGV, CMAP_MEMBERS_ARGV]);
    expect(o.status).toBe('ok');
    expect(o.report).toEqual({ running: false, messages: ['Cannot initialize CMAP service', 'Failed to initialize the cmap API. Error CS_ERR_LIBRARY'] });
    expect(o.states).toEqual([{ kind: 'corosync_quorum', id: 'quorum', state: 'not-running', availability: 'down' }]);
    expect(sample(o, 'running')).toBe(0);
    expect(sample(o, 'quorum_state', { state: 'not-running' })).toBe(1);
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });

  it('run as an unprivileged user: failed with corosync.access_denied, not "not running"', async () => {
    const dir = 'knet-3node-all-up_view-node1';
    const read = (f: string) => readFileSync(join(CAPTURE, dir, f), 'utf8');
    const f = listExec(exited(1, '', read('nobody_corosync-quorumtool_-s.err')), exited(1, '', read('nobody_corosync-cmapctl_-b_runtime.members.err')));
    const o = await probe.run(ctxWith(f.fn));
    expect(o).toMatchObject({ status: 'failed', error: { code: 'corosync.access_denied', message: 'Failed to initialize the cmap API. Error CS_ERR_ACCESS' } });
    expect(o.samples).toEqual([]);
  });

  it('udpu, node3 killed: links per node like knet', async () => {
    const o = await probe.run(ctxWith(captureExec('udpu-3node-node3-killed_view-node1').fn));
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ transport: 'udpu', quorum: { quorate: true, nodes: 2 } });
    expect(state(o, 'corosync_link', 'node3:link0')).toMatchObject({ state: 'disconnected' });
    expect(state(o, 'corosync_member', '3')).toMatchObject({ state: 'left' });
  });
});

describe('corosync probe outcomes (fake exec)', () => {
  const Q = readFileSync(join(CAPTURE, 'knet-3node-all-up_view-node1', 'corosync-quorumtool_-s.txt'), 'utf8');
  const C = readFileSync(join(CAPTURE, 'knet-3node-all-up_view-node1', 'corosync-cfgtool_-s.txt'), 'utf8');
  const M = readFileSync(join(CAPTURE, 'knet-3node-all-up_view-node1', 'corosync-cmapctl_-b_runtime.members.txt'), 'utf8');

  it('absent corosync-quorumtool → absent, corosync.absent', async () => {
    const o = await probe.run(ctxWith(listExec({ kind: 'absent', message: 'corosync-quorumtool: not found' }).fn));
    expect(o).toEqual({ status: 'absent', error: { code: 'corosync.absent', message: 'corosync-quorumtool: not found' }, samples: [], states: [] });
  });

  it('timeout → timeout; a later timeout keeps what was read', async () => {
    const t = await probe.run(ctxWith(listExec({ kind: 'timeout', stdout: '', stderr: '', durationMs: 3000, truncated: false }).fn, 3000));
    expect(t).toMatchObject({ status: 'timeout', error: { code: 'corosync.timeout', message: 'corosync-quorumtool -s did not finish within 3000 ms' } });
    const late = await probe.run(ctxWith(listExec(exited(0, Q), { kind: 'timeout', stdout: '', stderr: '', durationMs: 3000, truncated: false }).fn, 3000));
    expect(late.status).toBe('timeout');
    expect(late.report).toMatchObject({ running: true, quorum: { quorate: true }, links: [], errors: [{ source: 'corosync-cfgtool -s', code: 'corosync.timeout' }] });
  });

  it('budget spent before a command: it is not started and the run times out', async () => {
    let t = 0;
    const f = listExec(exited(0, Q));
    const o = await probe.run(ctxWith(f.fn, 1000, () => (t += 600)));
    expect(f.calls).toEqual([QUORUMTOOL_ARGV]);
    expect(o.status).toBe('timeout');
  });

  it('non-zero exits that carry data are data: quorumtool 2, cfgtool 1 (3.0.4-3.1.0 exit 1 when a link is down)', async () => {
    const notQuorate = readFileSync(join(CAPTURE, 'knet-3node-node3-isolated_view-node3', 'corosync-quorumtool_-s.txt'), 'utf8');
    const o = await probe.run(ctxWith(listExec(exited(2, notQuorate), exited(1, C), exited(0, M), exited(1, ''), exited(1, '')).fn));
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ running: true, quorum: { quorate: false }, runtime: null });
    expect(o.report?.running && o.report.links.length).toBe(2);
  });

  it('garbage, empty and truncated quorumtool output → failed with the parser code', async () => {
    const g = await probe.run(ctxWith(listExec(exited(0, 'hello world\n')).fn));
    expect(g).toMatchObject({ status: 'failed', error: { code: 'corosync.unknown_format' } });
    const e = await probe.run(ctxWith(listExec(exited(0, '')).fn));
    expect(e).toMatchObject({ status: 'failed', error: { code: 'corosync.empty' } });
    const cut = Q.slice(0, Q.indexOf('node2'));
    const tr = await probe.run(ctxWith(listExec(exited(0, cut, '', true)).fn));
    expect(tr).toMatchObject({ status: 'failed', error: { code: 'corosync.truncated' } });
    expect(tr.status !== 'ok' && tr.error.message).toMatch(/output truncated/);
  });

  it('non-zero exit with nothing on stdout and an unknown message → failed corosync.exit_status with stderr', async () => {
    const o = await probe.run(ctxWith(listExec(exited(1, '', 'Unable to get quorum type\n')).fn));
    expect(o).toMatchObject({ status: 'failed', error: { code: 'corosync.exit_status', message: 'corosync-quorumtool -s exited 1: Unable to get quorum type' } });
  });

  it('unreadable cfgtool output → failed with its code, the rest of the report attached with samples and states', async () => {
    const o = await probe.run(ctxWith(listExec(exited(0, Q), exited(0, 'LINK ID 0 udp\n\taddr\t= 10.0.0.1\n'), exited(0, M), exited(1, ''), exited(1, '')).fn));
    expect(o.status).toBe('failed');
    expect(o.status !== 'ok' && o.error.code).toBe('corosync.truncated');
    expect(o.report).toMatchObject({ running: true, links: [], errors: [{ source: 'corosync-cfgtool -s', code: 'corosync.truncated' }] });
    expect(sample(o, 'quorate')).toBe(1);
    expect(state(o, 'corosync_member', '2')).toMatchObject({ state: 'joined' });
  });

  it('corosync stops between two commands: the run fails with corosync.unreachable', async () => {
    const o = await probe.run(
      ctxWith(listExec(exited(0, Q), exited(1, '', 'Could not initialize corosync configuration API error 2\n'), exited(1, '', 'Failed to initialize the cmap API. Error CS_ERR_LIBRARY\n'), exited(1, ''), exited(1, '')).fn),
    );
    expect(o.status).toBe('failed');
    expect(o.status !== 'ok' && o.error.code).toBe('corosync.unreachable');
  });

  it('2.x cfgtool: "Printing ring status." on stdout, the reason on stderr → read as corosync stopped meanwhile', async () => {
    const o = await probe.run(
      ctxWith(listExec(exited(0, Q), exited(1, 'Printing ring status.\n', 'Could not initialize corosync configuration API error 2\n'), exited(0, M), exited(1, ''), exited(1, '')).fn),
    );
    expect(o.status !== 'ok' && o.error).toEqual({ code: 'corosync.unreachable', message: 'corosync-cfgtool -s: Could not initialize corosync configuration API error 2' });
  });

  it('quorumtool cannot connect but cmap answers → failed corosync.unreachable', async () => {
    const o = await probe.run(ctxWith(listExec(exited(1, '', 'Cannot initialize QUORUM service\n'), exited(0, M)).fn));
    expect(o).toMatchObject({ status: 'failed', error: { code: 'corosync.unreachable' } });
  });

  it('killed by a signal or not startable → failed', async () => {
    const sig = await probe.run(ctxWith(listExec({ kind: 'signalled', signal: 'SIGSEGV', stdout: '', stderr: '', durationMs: 1, truncated: false }).fn));
    expect(sig).toMatchObject({ status: 'failed', error: { code: 'corosync.signalled' } });
    const err = await probe.run(ctxWith(listExec({ kind: 'error', message: 'corosync-quorumtool: EMFILE' }).fn));
    expect(err).toMatchObject({ status: 'failed', error: { code: 'corosync.exec_failed', message: 'corosync-quorumtool: EMFILE' } });
  });

  it('options: defaults, both optional reads off, bad options fail fast', async () => {
    expect(corosyncProbeOptions()).toEqual({ readVotequorum: true, readNodelist: true, watch: true, minTriggerIntervalMs: 250, restartDelayMs: 5000 });
    const f = listExec(exited(0, Q), exited(0, C), exited(0, M));
    const o = await createCorosyncProbe({ readVotequorum: false, readNodelist: false }).run(ctxWith(f.fn));
    expect(f.calls).toEqual([QUORUMTOOL_ARGV, CFGTOOL_ARGV, CMAP_MEMBERS_ARGV]);
    expect(o.status).toBe('ok');
    expect(() => createCorosyncProbe({ readVotequorum: 'yes' })).toThrow(CorosyncOptionsError);
    expect(() => createCorosyncProbe({ other: 1 })).toThrow(/invalid corosync probe options/);
  });
});

describe('corosync probe on a replayed timeline (demo/scenarios/pcmk3-partition-node3)', () => {
  const dir = join(bundledScenariosDir(), 'pcmk3-partition-node3');
  const HAVE = existsSync(join(dir, 'index.json'));
  it.skipIf(!HAVE)(`n3 quorate before the event, not quorate at +10 s, links to n1/n2 down; n1 sees node3 left${HAVE ? '' : ' (skipped: no bundled scenario)'}`, async () => {
    const t = loadTimeline(dir);
    let now = -1000;
    const n3 = (): Exec => replayExec(t, 'n3', () => now);
    const before = await probe.run(ctxWith(n3()));
    expect(before.status).toBe('ok');
    expect(state(before, 'corosync_quorum', 'quorum')?.state).toBe('quorate');
    now = 10_000;
    const after = await probe.run(ctxWith(n3()));
    expect(after.status).toBe('ok');
    expect(state(after, 'corosync_quorum', 'quorum')?.state).toBe('not-quorate');
    expect(state(after, 'corosync_link', 'node1:link0')?.state).toBe('disconnected');
    expect(state(after, 'corosync_member', '1')?.state).toBe('left');
    const n1 = await probe.run(ctxWith(replayExec(t, 'n1', () => 10_000)));
    expect(state(n1, 'corosync_member', '3')?.state).toBe('left');
    expect(state(n1, 'corosync_quorum', 'quorum')?.state).toBe('quorate');
  });
});

const HAVE_TOOL = existsSync('/usr/sbin/corosync-quorumtool') || existsSync('/usr/bin/corosync-quorumtool');
describe('corosync probe with the real tools', () => {
  it.skipIf(!HAVE_TOOL)(`through the real exec${HAVE_TOOL ? '' : ' (skipped: corosync-quorumtool not installed)'}`, async () => {
    const o = await probe.run({ exec, timeoutMs: 20_000, node: 'local', now: () => Date.now() });
    // A build machine runs no corosync in its own network namespace: expect "not running"; a cluster node gives a full report.
    expect(['ok', 'failed']).toContain(o.status);
    if (o.status === 'ok' && o.report && !o.report.running) expect(o.report.messages[0]).toBe('Cannot initialize CMAP service');
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });
});
