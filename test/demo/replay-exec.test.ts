// The demo's replayed exec and its scenario clock, on a real recording and an injected wall clock.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { replayExec, scenarioClock } from '../../demo/replay-exec.js';
import { bundledScenariosDir, endMs, loadTimeline, startMs } from '../../demo/timeline.js';
import { CRM_MON_ARGV, pacemakerProbe } from '../../agent/probes/pacemaker/probe.js';

const QUORUMTOOL = ['corosync-quorumtool', '-s'];
const OPTS = { timeoutMs: 5_000 };

describe('replayExec', () => {
  const t = loadTimeline(join(bundledScenariosDir(), 'pcmk3-partition-node3'));

  it('answers with the recorded output current at the clock', async () => {
    let now = -1000;
    const exec = replayExec(t, 'n3', () => now);
    const before = await exec(QUORUMTOOL, OPTS);
    expect(before).toMatchObject({ kind: 'exited', code: 0, stderr: '', durationMs: 23, truncated: false });
    expect(before.kind === 'exited' && before.stdout).toContain('Quorate:          Yes\n');
    now = 10_000;
    const after = await exec(QUORUMTOOL, OPTS);
    expect(after).toMatchObject({ kind: 'exited', code: 2, durationMs: 24, truncated: false });
    expect(after.kind === 'exited' && after.stdout).toContain('Quorate:          No\n');
  });

  it('answers with the first sample before it was taken, so a node has a state from the start', async () => {
    const r = await replayExec(t, 'n3', () => -50_000)(QUORUMTOOL, OPTS);
    expect(r).toMatchObject({ kind: 'exited', code: 0 });
    expect(r.kind === 'exited' && r.stdout).toContain('Date:             Mon Nov 23 18:54:06 2026\n');
  });

  it('reports an argv never recorded on the node as absent, like a missing tool', async () => {
    const exec = replayExec(t, 'n1', () => 0);
    expect(await exec(['drbdsetup', 'status', '--json'], OPTS)).toEqual({
      kind: 'absent',
      message: 'drbdsetup: not found (replay: `drbdsetup status --json` was not recorded on n1 in pcmk3-partition-node3)',
    });
    // Same tool, other arguments: not recorded either (the probe's legacy fallback would see "absent").
    expect((await exec(['crm_mon', '--as-xml'], OPTS)).kind).toBe('absent');
    expect(await exec([], OPTS)).toEqual({ kind: 'error', message: 'empty argv' });
  });

  it('refuses a node that is not in the scenario', () => {
    expect(() => replayExec(t, 'n4', () => 0)).toThrow(/node "n4" is not in scenario pcmk3-partition-node3 \(nodes: n1, n2, n3\)/);
  });

  it('drives the real pacemaker probe: n3 becomes DC of its own partition', async () => {
    let now = -1000;
    const ctx = { exec: replayExec(t, 'n3', () => now), timeoutMs: 5_000, node: 'n3', now: () => 0 };
    expect(CRM_MON_ARGV).toEqual(['crm_mon', '--output-as=xml', '--include=all']);
    const before = await pacemakerProbe.run(ctx);
    expect(before.status).toBe('ok');
    now = 10_000;
    const after = await pacemakerProbe.run(ctx);
    expect(after.status).toBe('ok');
    // The XML text itself: n3 sees itself as DC without quorum (README: first sample at 9058).
    const raw = await ctx.exec(CRM_MON_ARGV, OPTS);
    expect(raw.kind === 'exited' && raw.stdout).toMatch(/<current_dc [^>]*name="n3"[^>]*with_quorum="false"/);
  });
});

describe('scenarioClock', () => {
  const t = loadTimeline(join(bundledScenariosDir(), 'pcmk3-partition-node3'));

  it('starts at startMs and runs at speed 10 on the injected wall clock', () => {
    let wall = 1_000_000;
    const c = scenarioClock({ startMs: startMs(t), endMs: endMs(t), speed: 10, loop: false, now: () => wall });
    expect(c.tMs()).toBe(-3129);
    wall += 100;
    expect(c.tMs()).toBe(-2129);
    wall += 212.9;
    expect(c.tMs()).toBeCloseTo(0, 6);
    // Without loop it stays at the end.
    wall += 1_000_000;
    expect(c.read()).toEqual({ tMs: 27027, lap: 0 });
  });

  it('wraps to the start after endMs and a pause, and counts laps', () => {
    let wall = 0;
    // A 30 s story at 10x = 3 s of wall time, then a 2 s pause: a 5 s cycle.
    const c = scenarioClock({ startMs: -10_000, endMs: 20_000, speed: 10, loop: true, now: () => wall, pauseMs: 2_000 });
    expect(c.read()).toEqual({ tMs: -10_000, lap: 0 });
    wall = 1_000;
    expect(c.read()).toEqual({ tMs: 0, lap: 0 });
    wall = 3_000;
    expect(c.read()).toEqual({ tMs: 20_000, lap: 0 });
    wall = 4_999; // in the pause: the final state stays visible
    expect(c.read()).toEqual({ tMs: 20_000, lap: 0 });
    wall = 5_000;
    expect(c.read()).toEqual({ tMs: -10_000, lap: 1 });
    wall = 5_500;
    expect(c.tMs()).toBe(-5_000);
    expect(c.lap()).toBe(1);
    wall = 5_000 * 7 + 2_000;
    expect(c.read()).toEqual({ tMs: 10_000, lap: 7 });
  });

  it('uses a default pause, never runs backwards past the start, and rejects a bad speed or span', () => {
    let wall = 100;
    const c = scenarioClock({ startMs: 0, endMs: 1_000, speed: 1, loop: true, now: () => wall });
    wall = 100 + 1_000 + 1_999;
    expect(c.read()).toEqual({ tMs: 1_000, lap: 0 });
    wall = 100 + 3_000;
    expect(c.read()).toEqual({ tMs: 0, lap: 1 });
    wall = 0; // the wall clock stepped back
    expect(c.read()).toEqual({ tMs: 0, lap: 0 });
    expect(() => scenarioClock({ startMs: 0, endMs: 1, speed: 0, loop: false, now: () => 0 })).toThrow(RangeError);
    expect(() => scenarioClock({ startMs: 5, endMs: 1, speed: 1, loop: false, now: () => 0 })).toThrow(RangeError);
    expect(() => scenarioClock({ startMs: 0, endMs: 0, speed: 1, loop: true, now: () => 0, pauseMs: 0 })).toThrow(RangeError);
  });

  it('feeds replayExec: the quorum flips while the clock runs at 10x', async () => {
    let wall = 0;
    const c = scenarioClock({ startMs: startMs(t), endMs: endMs(t), speed: 10, loop: true, now: () => wall });
    const exec = replayExec(t, 'n3', c.tMs);
    expect(await exec(QUORUMTOOL, OPTS)).toMatchObject({ kind: 'exited', code: 0 });
    wall = (10_000 - startMs(t)) / 10; // scenario t = +10000
    expect(c.tMs()).toBeCloseTo(10_000, 6);
    expect(await exec(QUORUMTOOL, OPTS)).toMatchObject({ kind: 'exited', code: 2 });
  });
});
