// The heartbeat probe's mapping of cl_status runs to outcomes, with a fake Exec fed real outputs (the golden
// cases and the fresh captures), and one run of the real cl_status on this machine.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { exec, type Exec, type ExecOptions, type ExecResult } from '../../../../agent/lib/exec.js';
import { Observation } from '../../../../agent/protocol/index.js';
import { HeartbeatReport } from '../../../../agent/protocol/heartbeat.js';
import {
  DEADTIME_ARGV,
  HBSTATUS_ARGV,
  KEEPALIVE_ARGV,
  LISTNODES_ARGV,
  RSCSTATUS_ARGV,
  UNAME_ARGV,
  heartbeatProbe,
} from '../../../../agent/probes/heartbeat/index.js';
import type { ProbeContext } from '../../../../agent/probes/types.js';
import { HB_GOLDEN, hbCase, hbCases } from './cases.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CAPTURE = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'heartbeat', 'capture', 'out');

const exited = (code: number, stdout: string, stderr = '', truncated = false): ExecResult => ({ kind: 'exited', code, stdout, stderr, durationMs: 5, truncated });
const same = (a: readonly string[], b: readonly string[]) => a.join('\u0000') === b.join('\u0000');

/** A fake Exec answering from a golden case's runs by argv (anything else: absent); records the calls. */
const caseExec = (name: string, map: (argv: readonly string[]) => readonly string[] = (a) => a) => {
  const c = hbCase(name);
  const calls: { argv: readonly string[]; options: ExecOptions }[] = [];
  const fn: Exec = async (argv, options) => {
    calls.push({ argv, options });
    const run = c.runs.find((r) => same(r.argv, map(argv)));
    if (!run) return { kind: 'absent', message: `${argv[0]}: not recorded` };
    const read = (f: string | null) => (f === null ? '' : readFileSync(join(HB_GOLDEN, name, f), 'utf8'));
    return exited(run.exitCode, read(run.stdout), read(run.stderr));
  };
  return { fn, calls };
};

/** A fake Exec answering from a list, in order. */
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

const ctxWith = (e: Exec, node = 'node1', timeoutMs = 10_000, now: () => number = () => 1_700_000_000_000): ProbeContext => ({ exec: e, timeoutMs, node, now });
type Outcome = Awaited<ReturnType<typeof heartbeatProbe.run>>;
const asObservation = (o: Outcome) => ({
  probe: heartbeatProbe.name,
  at: 1_700_000_000_000,
  durationMs: 5,
  status: o.status,
  ...(o.status === 'ok' ? {} : { error: o.error }),
  ...(o.report === undefined ? {} : { report: o.report }),
  samples: o.samples,
  states: o.states,
});
const expected = (name: string) => JSON.parse(readFileSync(join(HB_GOLDEN, name, 'expected.json'), 'utf8')) as { report: unknown; samples: unknown; states: unknown };
const capture = (state: string, node: string, file: string) => readFileSync(join(CAPTURE, state, node, file), 'utf8');

describe('heartbeat probe on captured outputs', () => {
  it('is named heartbeat; runs hbstatus -v, uname -n, rscstatus and two hbparameters within one budget', async () => {
    expect(heartbeatProbe.name).toBe('heartbeat');
    const f = caseExec('capture-01-healthy_node1');
    let t = 0;
    const o = await heartbeatProbe.run(ctxWith(f.fn, 'node1', 10_000, () => (t += 100)));
    expect(f.calls.map((c) => c.argv)).toEqual([HBSTATUS_ARGV, UNAME_ARGV, RSCSTATUS_ARGV, KEEPALIVE_ARGV, DEADTIME_ARGV]);
    expect(f.calls.map((c) => c.options.timeoutMs)).toEqual([9_900, 9_800, 9_700, 9_600, 9_500]);
    expect(o.status).toBe('ok');
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
    expect(Value.Check(HeartbeatReport, o.report)).toBe(true);
  });

  for (const name of hbCases().filter((c) => c.startsWith('capture-'))) {
    it(`${name}: the probe gives the golden report, samples and states`, async () => {
      const o = await heartbeatProbe.run(ctxWith(caseExec(name).fn, hbCase(name).node));
      expect(o.status).toBe('ok');
      const e = expected(name);
      expect({ report: o.report, samples: o.samples, states: o.states }).toEqual(e);
    });
  }

  it('where hbstatus -v prints no node list, the single queries are run (shared heartbeat 3.0.6 captures), and give the golden report', async () => {
    for (const name of ['shared-01-healthy_node1', 'shared-02-node2-crashed_node1']) {
      // The shared set has plain `hbstatus` ("Heartbeat is running on this machine."): answer -v with it.
      const f = caseExec(name, (a) => (same(a, HBSTATUS_ARGV) ? ['cl_status', 'hbstatus'] : a));
      const o = await heartbeatProbe.run(ctxWith(f.fn, 'node1'));
      expect(o.status, name).toBe('ok');
      expect(f.calls.map((c) => c.argv.join(' '))).toEqual([
        'cl_status hbstatus -v',
        'uname -n',
        'cl_status listnodes',
        'cl_status nodestatus node2',
        'cl_status nodetype node2',
        'cl_status listhblinks node2',
        'cl_status hblinkstatus node2 eth0',
        'cl_status nodestatus node1',
        'cl_status nodetype node1',
        'cl_status listhblinks node1',
        'cl_status rscstatus',
        'cl_status hbparameter -p keepalive',
        'cl_status hbparameter -p deadtime',
      ]);
      expect({ report: o.report, samples: o.samples, states: o.states }).toEqual(expected(name));
    }
  });

  it('heartbeat stopped (exit 1): running false, a state of its own, not a failure', async () => {
    const f = caseExec('capture-03-node2-crashed_node2');
    const o = await heartbeatProbe.run(ctxWith(f.fn, 'node2'));
    expect(f.calls.map((c) => c.argv)).toEqual([HBSTATUS_ARGV]);
    expect(o.status).toBe('ok');
    expect(o.report).toEqual({ running: false, message: "Heartbeat is stopped on this machine. (hb_api_signon: Can't initiate connection to heartbeat)" });
    expect(o.states).toEqual([{ kind: 'heartbeat_daemon', id: 'heartbeat', state: 'stopped', availability: 'down' }]);
    expect(o.samples).toEqual([{ metric: 'hawatch_heartbeat_running', labels: {}, value: 0 }]);
  });

  it('without uname the configured node name marks the local node', async () => {
    const f = caseExec('capture-02-eth1-down-on-node2_node2', (a) => (same(a, UNAME_ARGV) ? ['none'] : a));
    const o = await heartbeatProbe.run(ctxWith(f.fn, 'node2'));
    expect(o.status).toBe('ok');
    expect(o.report?.running && o.report.localNode).toBe('node2');
    expect(o.states).toContainEqual({ kind: 'heartbeat_link', id: 'node1:eth1', state: 'dead', availability: 'down' });
  });
});

describe('heartbeat probe outcomes (fake exec)', () => {
  const V = capture('01-healthy', 'node1', 'cl_status_hbstatus_v.out');
  it('absent cl_status → absent, heartbeat.absent', async () => {
    const o = await heartbeatProbe.run(ctxWith(listExec({ kind: 'absent', message: 'cl_status: not found' }).fn));
    expect(o).toEqual({ status: 'absent', error: { code: 'heartbeat.absent', message: 'cl_status: not found' }, samples: [], states: [] });
  });

  it('timeout → timeout; a later timeout keeps what was read', async () => {
    const t = await heartbeatProbe.run(ctxWith(listExec({ kind: 'timeout', stdout: '', stderr: '', durationMs: 3000, truncated: false }).fn, 'node1', 3000));
    expect(t).toMatchObject({ status: 'timeout', error: { code: 'heartbeat.timeout', message: 'cl_status hbstatus -v did not finish within 3000 ms' } });
    const late = await heartbeatProbe.run(ctxWith(listExec(exited(0, V), exited(0, 'node1\n'), { kind: 'timeout', stdout: '', stderr: '', durationMs: 3000, truncated: false }).fn));
    expect(late.status).toBe('timeout');
    expect(late.report).toMatchObject({ running: true, localNode: 'node1', resources: null });
    expect(late.states).toContainEqual({ kind: 'heartbeat_node', id: 'node2', state: 'active', availability: 'up' });
  });

  it('garbage, empty and truncated hbstatus -v → failed with the parser code', async () => {
    expect(await heartbeatProbe.run(ctxWith(listExec(exited(0, 'hello\n')).fn))).toMatchObject({ status: 'failed', error: { code: 'heartbeat.unknown_format' } });
    expect(await heartbeatProbe.run(ctxWith(listExec(exited(0, '')).fn))).toMatchObject({ status: 'failed', error: { code: 'heartbeat.empty' } });
    const cut = await heartbeatProbe.run(ctxWith(listExec(exited(0, V.slice(0, V.indexOf('(nodetype')), '', true)).fn));
    expect(cut).toMatchObject({ status: 'failed', error: { code: 'heartbeat.truncated' } });
    expect(cut.status !== 'ok' && cut.error.message).toMatch(/output truncated/);
  });

  it('non-zero exit, nothing on stdout, an unknown message → failed heartbeat.exit_status', async () => {
    const o = await heartbeatProbe.run(ctxWith(listExec(exited(2, '', 'cl_status: unknown failure\n')).fn));
    expect(o).toMatchObject({ status: 'failed', error: { code: 'heartbeat.exit_status', message: 'cl_status hbstatus -v exited 2: cl_status: unknown failure' } });
  });

  it('a query that cannot sign on (heartbeat died between two runs) → failed heartbeat.signon_failed with the partial report', async () => {
    const signon = capture('03-node2-crashed', 'node2', 'cl_status_rscstatus.err');
    const o = await heartbeatProbe.run(ctxWith(listExec(exited(0, V), exited(0, 'node1\n'), exited(1, '', signon), exited(0, '1\n'), exited(0, '6\n')).fn));
    expect(o.status).toBe('failed');
    expect(o.status !== 'ok' && o.error.code).toBe('heartbeat.signon_failed');
    expect(o.report).toMatchObject({ running: true, resources: null, errors: [{ source: 'cl_status rscstatus', code: 'heartbeat.signon_failed' }] });
    expect(o.states).toContainEqual({ kind: 'heartbeat_node', id: 'node2', state: 'active', availability: 'up' });
  });

  it('killed by a signal or not startable → failed', async () => {
    const sig = await heartbeatProbe.run(ctxWith(listExec({ kind: 'signalled', signal: 'SIGSEGV', stdout: '', stderr: '', durationMs: 1, truncated: false }).fn));
    expect(sig).toMatchObject({ status: 'failed', error: { code: 'heartbeat.signalled' } });
    const err = await heartbeatProbe.run(ctxWith(listExec({ kind: 'error', message: 'cl_status: EMFILE' }).fn));
    expect(err).toMatchObject({ status: 'failed', error: { code: 'heartbeat.exec_failed' } });
  });

  it('the single-query path asks listnodes only when -v has no node list', () => {
    expect(LISTNODES_ARGV).toEqual(['cl_status', 'listnodes']);
  });
});

const HAVE_TOOL = existsSync('/usr/bin/cl_status') || existsSync('/usr/sbin/cl_status');
describe('heartbeat probe with the real cl_status', () => {
  it.skipIf(!HAVE_TOOL)(`through the real exec${HAVE_TOOL ? '' : ' (skipped: cl_status not installed)'}`, async () => {
    const o = await heartbeatProbe.run({ exec, timeoutMs: 20_000, node: 'local', now: () => Date.now() });
    // No heartbeat runs on a build machine: "Heartbeat is stopped on this machine." (exit 1) is the expected state.
    expect(o.status).toBe('ok');
    if (o.report && !o.report.running) expect(o.report.message).toMatch(/^Heartbeat is stopped on this machine\./);
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });
});
