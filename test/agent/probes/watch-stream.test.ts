// The change watchers of the pacemaker and corosync probes: the real captured streams (crm_mon's refreshing text
// mode and `corosync-cmapctl -T runtime.members.` from the project's lab) fed line by line through a fake
// execStream, the throttle, restarts and "not installed"; and execStream's open stdin with a real process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execStream, type ExecStream, type StreamOptions } from '../../../agent/lib/exec.js';
import { CMAP_TRACK_MEMBERS_ARGV, createCorosyncProbe, isCmapTrackChange } from '../../../agent/probes/corosync/probe.js';
import { CRM_MON_WATCH_ARGV, createPacemakerProbe, isCrmMonRefresh, PacemakerOptionsError, pacemakerProbeOptions } from '../../../agent/probes/pacemaker/probe.js';
import type { WatchContext, Watcher } from '../../../agent/probes/types.js';
import { isWatching } from '../../../agent/probes/types.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'streams');
const lines = (path: string): string[] => readFileSync(join(FIXTURES, path), 'utf8').split('\n');
const CMAP_STREAM = lines('cmapctl-T-runtime.members-n3-partition-and-heal.txt');
const CRM_STREAM = lines('crm_mon-text-n3-partition-and-heal.txt');
const CRM_SUMMARY_STREAM = lines('crm_mon-text-summary-n3-dummy-fail-and-cleanup.txt');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake execStream: records each start; the test feeds lines and ends streams. */
const fakeStreams = () => {
  const started: { argv: readonly string[]; options: StreamOptions; stopped: boolean }[] = [];
  const fn: ExecStream = (argv, options) => {
    const s = { argv, options, stopped: false };
    started.push(s);
    return { stop: async () => void (s.stopped = true) };
  };
  return { fn, started };
};

const context = (execStreamFn: ExecStream) => {
  const triggers: number[] = [];
  const logs: { level: string; msg: string; obj: object }[] = [];
  const ctx: WatchContext = {
    exec: async () => ({ kind: 'absent', message: 'not used' }),
    execStream: execStreamFn,
    timeoutMs: 1000,
    node: 'n3',
    now: Date.now,
    trigger: () => triggers.push(Date.now()),
    logger: { warn: (obj, msg) => logs.push({ level: 'warn', msg, obj }), info: (obj, msg) => logs.push({ level: 'info', msg, obj }) },
  };
  return { ctx, triggers, logs };
};

const watchers: Watcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.stop();
});

describe('the change lines, on real captures', () => {
  it('corosync-cmapctl -T: the six membership changes of a partition and heal, not the "Type q" banner', () => {
    expect(CMAP_STREAM.filter(isCmapTrackChange)).toEqual([
      'modify> runtime.members.1.status (str) = left',
      'modify> runtime.members.2.status (str) = left',
      'modify> runtime.members.1.join_count (u32) = 4',
      'modify> runtime.members.1.status (str) = joined',
      'modify> runtime.members.2.join_count (u32) = 4',
      'modify> runtime.members.2.status (str) = joined',
    ]);
  });

  it("crm_mon --output-as=text: one refresh per change, found behind crm_mon's progress dots", () => {
    const partition = CRM_STREAM.filter(isCrmMonRefresh);
    // the initial view, the transitional MIXED-VERSION one, n3 DC without quorum, and the heal's refreshes
    expect(partition.length).toBe(CRM_STREAM.filter((l) => l.includes('Current DC:')).length);
    expect(partition.length).toBeGreaterThanOrEqual(4);
    const summary = CRM_SUMMARY_STREAM.filter(isCrmMonRefresh);
    expect(summary).toHaveLength(4); // start, the failed monitor, the cleanup's two CIB updates
    expect(summary.some((l) => l.startsWith('.'))).toBe(true);
    // what else stands at the start of a line: the wait before connecting, and the goodbye when it was stopped
    expect(CRM_SUMMARY_STREAM.filter((l) => !isCrmMonRefresh(l) && /^\S/.test(l))).toEqual(['Waiting until cluster is available on this node ...', 'Connection to the cluster-daemons terminated']);
  });
});

describe('pacemaker and corosync probes watch their change streams', () => {
  it('both probes watch, with the documented argv; watch: false turns it off', () => {
    const pm = createPacemakerProbe();
    const cs = createCorosyncProbe();
    expect(isWatching(pm) && isWatching(cs)).toBe(true);
    const f = fakeStreams();
    const { ctx } = context(f.fn);
    watchers.push(pm.watch(ctx), cs.watch(ctx));
    expect(f.started.map((s) => s.argv)).toEqual([CRM_MON_WATCH_ARGV, CMAP_TRACK_MEMBERS_ARGV]);
    expect(f.started[1]!.options.keepStdinOpen).toBe(true);
    const g = fakeStreams();
    watchers.push(createPacemakerProbe({ watch: false }).watch(context(g.fn).ctx), createCorosyncProbe({ watch: false }).watch(context(g.fn).ctx));
    expect(g.started).toEqual([]);
  });

  it('options: defaults, and bad ones fail fast', () => {
    expect(pacemakerProbeOptions()).toEqual({ watch: true, minTriggerIntervalMs: 250, restartDelayMs: 5000 });
    expect(() => pacemakerProbeOptions({ watch: 'yes' })).toThrow(PacemakerOptionsError);
    expect(() => pacemakerProbeOptions({ interval: 5 })).toThrow(/invalid pacemaker probe options/);
  });

  it('the partition stream: a burst gives one run at once and one trailing run; quiet lines give none', async () => {
    const f = fakeStreams();
    const { ctx, triggers } = context(f.fn);
    watchers.push(createCorosyncProbe({ minTriggerIntervalMs: 80 }).watch(ctx));
    const onLine = f.started[0]!.options.onLine;
    onLine(CMAP_STREAM[0]!); // the banner
    expect(triggers).toHaveLength(0);
    for (const l of CMAP_STREAM.slice(1, 3)) onLine(l); // "left" twice, within microseconds
    expect(triggers).toHaveLength(1);
    await sleep(150);
    expect(triggers).toHaveLength(2); // the trailing run for the last change of the burst
    expect(triggers[1]! - triggers[0]!).toBeGreaterThanOrEqual(75);
    await sleep(100);
    expect(triggers).toHaveLength(2);
  });

  it('a stream that ends is restarted later (one warning for a repeated reason) and its end triggers a run', async () => {
    const f = fakeStreams();
    const { ctx, triggers, logs } = context(f.fn);
    watchers.push(createPacemakerProbe({ restartDelayMs: 100, minTriggerIntervalMs: 0 }).watch(ctx));
    for (let i = 0; i < 2; i++) {
      f.started[i]!.options.onEnd({ kind: 'exited', code: 102, signal: null, stderr: 'crm_mon: Not connected\n' });
      await sleep(160);
    }
    expect(f.started).toHaveLength(3);
    expect(triggers).toHaveLength(2);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(logs[0]!.obj).toMatchObject({ probe: 'pacemaker', end: 'exit 102: crm_mon: Not connected' });
  });

  it('not installed (spawn ENOENT, or 127 from stdbuf): no restart, one info line', async () => {
    for (const end of [{ kind: 'absent', message: 'crm_mon: not found' } as const, { kind: 'exited', code: 127, signal: null, stderr: "stdbuf: failed to run command 'corosync-cmapctl'" } as const]) {
      const f = fakeStreams();
      const { ctx, logs } = context(f.fn);
      watchers.push(createCorosyncProbe({ restartDelayMs: 100 }).watch(ctx));
      f.started[0]!.options.onEnd(end);
      await sleep(160);
      expect(f.started).toHaveLength(1);
      expect(logs.map((l) => l.level)).toEqual(['info']);
    }
  });

  it('stop ends the stream and cancels a pending trailing run', async () => {
    const f = fakeStreams();
    const { ctx, triggers } = context(f.fn);
    const w = createCorosyncProbe({ minTriggerIntervalMs: 80 }).watch(ctx);
    const onLine = f.started[0]!.options.onLine;
    onLine(CMAP_STREAM[1]!);
    onLine(CMAP_STREAM[2]!);
    await w.stop();
    await sleep(120);
    expect(triggers).toHaveLength(1);
    expect(f.started[0]!.stopped).toBe(true);
  });
});

describe('execStream stdin (a real process)', () => {
  const run = (keepStdinOpen: boolean) =>
    new Promise<{ ended: boolean; stop: () => Promise<void> }>((resolve) => {
      let ended = false;
      // cat ends at end of input: with stdin kept open it keeps running until stopped.
      const s = execStream(['cat'], { onLine: () => undefined, onEnd: () => void (ended = true), ...(keepStdinOpen ? { keepStdinOpen } : {}) });
      setTimeout(() => resolve({ ended, stop: () => s.stop() }), 300);
    });

  it('is at end of input by default, and kept open (and silent) when asked', async () => {
    const closed = await run(false);
    expect(closed.ended).toBe(true);
    const open = await run(true);
    expect(open.ended).toBe(false);
    await open.stop();
  });
});
