// The drbd probe's runs (fake Exec and /proc/drbd reader; the real drbdsetup where installed) and its events2
// watcher (fake execStream).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { exec, type Exec, type ExecOptions, type ExecResult, type ExecStream, type StreamOptions } from '../../../../agent/lib/exec.js';
import { Observation } from '../../../../agent/protocol/index.js';
import {
  createDrbdProbe,
  DRBDSETUP_EVENTS_ARGV,
  DRBDSETUP_STATUS_ARGV,
  DrbdOptionsError,
  drbdProbeOptions,
  readTextFile,
  type ReadText,
} from '../../../../agent/probes/drbd/probe.js';
import type { ProbeContext, WatchContext } from '../../../../agent/probes/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const NO_MODULE = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'drbd', 'drbdsetup-no-module');
const captured = (name: string): ExecResult => ({
  kind: 'exited',
  code: Number(readFileSync(join(NO_MODULE, `${name}.rc`), 'utf8').trim()),
  stdout: readFileSync(join(NO_MODULE, `${name}.stdout`), 'utf8'),
  stderr: readFileSync(join(NO_MODULE, `${name}.stderr`), 'utf8'),
  durationMs: 3,
  truncated: false,
});

const PROC9 = 'version: 9.2.8 (api:2/proto:86-122)\nGIT-hash: 0 build by root@build, 2024-01-01 00:00:00\nTransports (api:21): tcp (9.2.8)\n';
const PROC84 = 'version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 0\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    ns:4 nr:0 dw:4 dr:8 al:1 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n';
const JSON1 = JSON.stringify([
  {
    name: 'r0', 'node-id': 0, role: 'Primary', suspended: false, 'write-ordering': 'flush',
    devices: [{ volume: 0, minor: 0, 'disk-state': 'UpToDate', client: false, quorum: true }],
    connections: [{ 'peer-node-id': 1, name: 'bob', 'connection-state': 'Connected', 'peer-role': 'Secondary', peer_devices: [{ volume: 0, 'replication-state': 'Established', 'peer-disk-state': 'UpToDate' }] }],
  },
]);

const exited = (code: number, stdout: string, stderr = '', truncated = false): ExecResult => ({ kind: 'exited', code, stdout, stderr, durationMs: 5, truncated });
const fakeExec = (...answers: ExecResult[]) => {
  const calls: { argv: readonly string[]; options: ExecOptions }[] = [];
  const fn: Exec = async (argv, options) => {
    calls.push({ argv, options });
    const a = answers.shift();
    if (!a) throw new Error(`unexpected exec ${argv.join(' ')}`);
    return a;
  };
  return { fn, calls };
};
const reader = (files: Record<string, string | null | Error>): ReadText => async (p) => {
  const v = files[p];
  if (v instanceof Error) throw v;
  return v ?? null;
};
const ctxWith = (e: Exec, timeoutMs = 10_000): ProbeContext => ({ exec: e, timeoutMs, node: 'n1', now: () => 1_700_000_000_000 });
type Outcome = Awaited<ReturnType<ReturnType<typeof createDrbdProbe>['run']>>;
const errOf = (o: Outcome) => (o.status === 'ok' ? undefined : o.error);
const asObservation = (o: Outcome) => ({
  probe: 'drbd', at: 1, durationMs: 1, status: o.status,
  ...(o.status === 'ok' ? {} : { error: o.error }),
  ...(o.report === undefined ? {} : { report: o.report }),
  samples: o.samples, states: o.states,
});

describe('drbd probe runs', () => {
  it('options: defaults from the schema; bad options fail fast', () => {
    expect(drbdProbeOptions()).toEqual({ procDrbdPath: '/proc/drbd', loadModule: false, watch: true, minTriggerIntervalMs: 1000, restartDelayMs: 5000, maxHelperEvents: 64 });
    expect(() => drbdProbeOptions({ restartDelayMs: 1 })).toThrow(DrbdOptionsError);
    expect(() => createDrbdProbe({ nope: 1 })).toThrow(/invalid drbd probe options/);
  });

  it('DRBD 9: runs drbdsetup status --json with the context timeout; kernel version from /proc/drbd', async () => {
    const f = fakeExec(exited(0, JSON1));
    const p = createDrbdProbe({}, { readFile: reader({ '/proc/drbd': PROC9 }) });
    const o = await p.run(ctxWith(f.fn, 7_000));
    expect(p.name).toBe('drbd');
    expect(f.calls).toEqual([{ argv: DRBDSETUP_STATUS_ARGV, options: { timeoutMs: 7_000 } }]);
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ source: 'drbdsetup-status-json', kernelVersion: '9.2.8', moduleLoaded: true });
    expect(o.states).toContainEqual({ kind: 'drbd_peer', id: 'r0/bob/0', state: 'Connected/Established/UpToDate', availability: 'up' });
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });

  it('DRBD 8.x: /proc/drbd alone, no drbdsetup run', async () => {
    const f = fakeExec();
    const o = await createDrbdProbe({}, { readFile: reader({ '/proc/drbd': PROC84 }) }).run(ctxWith(f.fn));
    expect(f.calls).toEqual([]);
    expect(o.report).toMatchObject({ source: 'proc-drbd', kernelVersion: '8.4.11', resources: [{ name: 'drbd0', role: 'Primary' }] });
  });

  it('no /proc/drbd: "module not loaded" without calling drbdsetup (which would modprobe)', async () => {
    const f = fakeExec();
    const o = await createDrbdProbe({}, { readFile: reader({}) }).run(ctxWith(f.fn));
    expect(f.calls).toEqual([]);
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ moduleLoaded: false, resources: [] });
    expect(o.samples).toEqual([{ metric: 'hawatch_drbd_module_loaded', labels: {}, value: 0 }]);
    expect(o.states).toEqual([]);
  });

  it('loadModule: drbdsetup runs; the real drbd-utils 9.22 "Failed to modprobe drbd", exit 20, is "module not loaded"', async () => {
    const o = await createDrbdProbe({ loadModule: true }, { readFile: reader({}) }).run(ctxWith(fakeExec(captured('status_json')).fn));
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ moduleLoaded: false });
  });

  it('absent, timeout, signalled, exec error, other non-zero exit, garbage, truncated', async () => {
    const run = (r: ExecResult) => createDrbdProbe({}, { readFile: reader({ '/proc/drbd': PROC9 }) }).run(ctxWith(fakeExec(r).fn, 3_000));
    expect(await run({ kind: 'absent', message: 'drbdsetup: not found' })).toEqual({ status: 'absent', error: { code: 'drbd.absent', message: 'drbdsetup: not found' }, samples: [], states: [] });
    expect(errOf(await run({ kind: 'timeout', stdout: '', stderr: '', durationMs: 3000, truncated: false }))).toEqual({ code: 'drbd.timeout', message: 'drbdsetup status did not finish within 3000 ms' });
    expect(await run({ kind: 'signalled', signal: 'SIGKILL', stdout: '', stderr: '', durationMs: 1, truncated: false })).toMatchObject({ status: 'failed', error: { code: 'drbd.signalled' } });
    expect(await run({ kind: 'error', message: 'drbdsetup: EMFILE' })).toMatchObject({ status: 'failed', error: { code: 'drbd.exec_failed' } });
    expect(await run(exited(10, '', 'r9: No such resource\n'))).toMatchObject({ status: 'failed', error: { code: 'drbd.exit_status', message: 'drbdsetup status exited 10: r9: No such resource' } });
    expect(await run(exited(0, 'garbage'))).toMatchObject({ status: 'failed', error: { code: 'drbd.unknown_format' } });
    const cut = await run(exited(0, JSON1.slice(0, 40), '', true));
    expect(cut).toMatchObject({ status: 'failed', error: { code: 'drbd.invalid_json' } });
    expect(errOf(cut)?.message).toMatch(/output truncated/);
  });

  it('unreadable /proc/drbd → failed read_failed; garbage in it → the parser code', async () => {
    const denied = await createDrbdProbe({}, { readFile: reader({ '/proc/drbd': new Error('EACCES: permission denied') }) }).run(ctxWith(fakeExec().fn));
    expect(denied).toMatchObject({ status: 'failed', error: { code: 'drbd.read_failed' } });
    const junk = await createDrbdProbe({}, { readFile: reader({ '/proc/drbd': 'junk\n' }) }).run(ctxWith(fakeExec().fn));
    expect(junk).toMatchObject({ status: 'failed', error: { code: 'drbd.unknown_format' } });
  });

  it('readTextFile: null for a missing file', async () => {
    expect(await readTextFile('/nonexistent/hawatch/proc-drbd')).toBeNull();
  });

  const HAVE_DRBDSETUP = existsSync('/usr/sbin/drbdsetup') || existsSync('/sbin/drbdsetup');
  const HAVE_MODULE = existsSync('/proc/drbd');
  it.skipIf(!HAVE_DRBDSETUP || HAVE_MODULE)(
    `real drbdsetup without a DRBD kernel module (loadModule on)${HAVE_DRBDSETUP && !HAVE_MODULE ? '' : ' (skipped: drbdsetup missing or DRBD loaded)'}`,
    async () => {
      const o = await createDrbdProbe({ loadModule: true }).run({ exec, timeoutMs: 20_000, node: 'local', now: () => Date.now() });
      expect(o.status).toBe('ok');
      expect(o.report).toMatchObject({ moduleLoaded: false });
    },
  );
});

/** A fake execStream: the test feeds lines and ends the stream. */
const fakeStream = () => {
  const started: { argv: readonly string[]; opts: StreamOptions; stopped: boolean }[] = [];
  const fn: ExecStream = (argv, opts) => {
    const s = { argv, opts, stopped: false };
    started.push(s);
    return {
      stop: async () => {
        s.stopped = true;
      },
    };
  };
  return { fn, started };
};

const watchCtx = (stream: ExecStream, now: () => number, trigger: () => void): WatchContext => ({
  exec: fakeExec().fn,
  execStream: stream,
  timeoutMs: 1000,
  node: 'n1',
  now,
  trigger,
  logger: { warn: vi.fn(), info: vi.fn() },
});

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('drbd events2 watcher', () => {
  afterEach(() => vi.useRealTimers());

  it('starts drbdsetup events2 --timestamps; initial state does not trigger, changes do (throttled with a trailing run)', async () => {
    vi.useFakeTimers();
    let t = 0;
    const s = fakeStream();
    const trigger = vi.fn();
    const p = createDrbdProbe({ minTriggerIntervalMs: 1000 }, { readFile: reader({ '/proc/drbd': PROC9 }) });
    const w = p.watch(watchCtx(s.fn, () => t, trigger));
    await flush();
    expect(s.started.map((x) => x.argv)).toEqual([DRBDSETUP_EVENTS_ARGV]);
    const line = s.started[0]!.opts.onLine;
    line('2026-11-23T18:05:38.123456+01:00 exists resource name:r0 role:Primary');
    expect(trigger).not.toHaveBeenCalled();
    line('2026-11-23T18:05:38.123480+01:00 exists -');
    line('2026-11-23T18:06:00.000001+01:00 change connection name:r0 peer-node-id:1 conn-name:bob connection:Unconnected');
    expect(trigger).toHaveBeenCalledTimes(1);
    t = 100;
    line('2026-11-23T18:06:00.100000+01:00 change connection name:r0 peer-node-id:1 conn-name:bob connection:Connecting');
    line('2026-11-23T18:06:00.200000+01:00 change connection name:r0 peer-node-id:1 conn-name:bob connection:StandAlone');
    expect(trigger).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(900);
    expect(trigger).toHaveBeenCalledTimes(2);
    await w.stop();
    expect(s.started[0]!.stopped).toBe(true);
  });

  it('a split-brain helper line is kept and reported by the next run, with its time stamp', async () => {
    const s = fakeStream();
    const trigger = vi.fn();
    const p = createDrbdProbe({ minTriggerIntervalMs: 0 }, { readFile: reader({ '/proc/drbd': PROC9 }) });
    const w = p.watch(watchCtx(s.fn, () => 5, trigger));
    await flush();
    s.started[0]!.opts.onLine('2026-11-23T18:06:02.500000+01:00 call helper name:r0 peer-node-id:1 conn-name:bob volume:0 helper:split-brain');
    s.started[0]!.opts.onLine('not an events2 line');
    expect(trigger).toHaveBeenCalledTimes(1);
    const o = await p.run(ctxWith(fakeExec(exited(0, JSON1)).fn));
    expect(o.report?.splitBrainHelperSeen).toEqual({ at: '2026-11-23T18:06:02.500000+01:00', kind: 'call', resource: 'r0', peer: 'bob', volume: 0, helper: 'split-brain', status: null });
    expect(o.samples).toContainEqual({ metric: 'hawatch_drbd_split_brain_helper_seen', labels: { resource: 'r0' }, value: 1 });
    await w.stop();
  });

  it('without /proc/drbd the stream is not started (no modprobe); it is retried later', async () => {
    vi.useFakeTimers();
    const files: Record<string, string | null> = {};
    const s = fakeStream();
    const p = createDrbdProbe({ restartDelayMs: 5000 }, { readFile: reader(files) });
    const w = p.watch(watchCtx(s.fn, () => 0, vi.fn()));
    await flush();
    expect(s.started).toHaveLength(0);
    files['/proc/drbd'] = PROC9;
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.started).toHaveLength(1);
    await w.stop();
  });

  it('restarts an ended stream after restartDelayMs; gives up when drbdsetup is not installed; watch:false does nothing', async () => {
    vi.useFakeTimers();
    const s = fakeStream();
    const trigger = vi.fn();
    const p = createDrbdProbe({ restartDelayMs: 1000 }, { readFile: reader({ '/proc/drbd': PROC9 }) });
    const ctx = watchCtx(s.fn, () => 0, trigger);
    const w = p.watch(ctx);
    await flush();
    s.started[0]!.opts.onEnd({ kind: 'exited', code: 20, signal: null, stderr: 'Failed to modprobe drbd\n' });
    expect(ctx.logger.warn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.started).toHaveLength(2);
    s.started[1]!.opts.onEnd({ kind: 'absent', message: 'drbdsetup: not found' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.started).toHaveLength(2);
    await w.stop();
    const off = createDrbdProbe({ watch: false }, { readFile: reader({ '/proc/drbd': PROC9 }) }).watch(watchCtx(s.fn, () => 0, trigger));
    await flush();
    expect(s.started).toHaveLength(2);
    await off.stop();
  });
});
