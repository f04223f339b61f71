// The demo's stand-in for agent/lib/exec.ts: a simulated node's agent runs its real probes and parsers, and
// every command they start is answered from the recording of that node, as current at the scenario clock.
import type { Exec, ExecResult } from '../agent/lib/exec.js';
import { firstSample, sampleAt, type Timeline } from './timeline.js';

/**
 * An `Exec` for `node` of `timeline`. `clock` gives scenario time in ms on the recording's t_ms scale
 * (see `scenarioClock`). Only periodic samples are replayed (FIFO lines and JSON dumps are read with
 * `fifoLinesBetween` / `jsonDumpAt`); `options` (timeout, output cap) are ignored, since recorded outputs are
 * small and their recorded durations far below any probe timeout.
 */
export const replayExec = (timeline: Timeline, node: string, clock: () => number): Exec => {
  if (!timeline.nodes.includes(node)) {
    throw new Error(`replayExec: node "${node}" is not in scenario ${timeline.scenario} (nodes: ${timeline.nodes.join(', ')})`);
  }
  return (argv) => {
    const file = argv[0];
    if (file === undefined || file === '') return Promise.resolve<ExecResult>({ kind: 'error', message: 'empty argv' });
    // Before its first sample a command still answers with that sample: a demo node shows a state from the
    // start instead of flapping through "absent" (keepalived scenarios begin with FIFO lines ~8 s earlier).
    const s = sampleAt(timeline, node, argv, clock()) ?? firstSample(timeline, node, argv);
    if (s === null) {
      // Never recorded on this node: the same outcome as a node without that tool, so probes report "absent".
      return Promise.resolve<ExecResult>({
        kind: 'absent',
        message: `${file}: not found (replay: \`${argv.join(' ')}\` was not recorded on ${node} in ${timeline.scenario})`,
      });
    }
    return Promise.resolve<ExecResult>({
      kind: 'exited',
      code: s.exitCode,
      stdout: s.stdout,
      stderr: s.stderr,
      durationMs: s.durMs ?? 0,
      truncated: false,
    });
  };
};

export interface ScenarioClockOptions {
  /** Scenario time (t_ms) at which the clock starts, usually `startMs(timeline)`. */
  startMs: number;
  /** Scenario time at which the story ends, usually `endMs(timeline)`. */
  endMs: number;
  /** Scenario ms per wall ms (10 = ten times as fast as recorded). */
  speed: number;
  /** Start again from startMs after endMs (and the pause), forever; otherwise stay at endMs. */
  loop: boolean;
  /** Wall clock in ms (Date.now, performance.now, or a test's fake); read once at creation as the start. */
  now: () => number;
  /** Wall ms to hold at endMs before wrapping, so the final state is visible. Default 2000. */
  pauseMs?: number;
}

export interface ScenarioPosition {
  /** Scenario time on the t_ms scale. */
  tMs: number;
  /** How many times the clock has wrapped back to startMs (0 during the first run). */
  lap: number;
}

export interface ScenarioClock {
  /** Scenario time now; pass this (unbound is fine) as replayExec's clock. */
  readonly tMs: () => number;
  /** How many times the story restarted: a change tells a caller to reset what it derived from earlier times. */
  readonly lap: () => number;
  /** Both from one reading of the wall clock, so they cannot straddle a wrap. */
  readonly read: () => ScenarioPosition;
}

export const DEFAULT_LOOP_PAUSE_MS = 2000;

/** Map wall time to scenario time. Throws RangeError on a speed, span or pause that cannot make a clock. */
export const scenarioClock = (opts: ScenarioClockOptions): ScenarioClock => {
  const { startMs, endMs, speed, loop, now } = opts;
  const pauseMs = opts.pauseMs ?? DEFAULT_LOOP_PAUSE_MS;
  if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`scenarioClock: speed must be a positive number, got ${speed}`);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
    throw new RangeError(`scenarioClock: need finite startMs <= endMs, got ${startMs}..${endMs}`);
  }
  if (!Number.isFinite(pauseMs) || pauseMs < 0) throw new RangeError(`scenarioClock: pauseMs must be >= 0, got ${pauseMs}`);
  const spanWallMs = (endMs - startMs) / speed;
  const cycleWallMs = spanWallMs + pauseMs;
  if (loop && cycleWallMs <= 0) throw new RangeError('scenarioClock: a looping clock needs endMs > startMs or a pause');
  const wallStart = now();

  const read = (): ScenarioPosition => {
    // A wall clock that steps back (NTP) must not run the story backwards past its start.
    const elapsed = Math.max(0, now() - wallStart);
    if (!loop) return { tMs: Math.min(startMs + elapsed * speed, endMs), lap: 0 };
    const lap = Math.floor(elapsed / cycleWallMs);
    const into = elapsed - lap * cycleWallMs;
    // During the pause the clock holds at endMs.
    return { tMs: Math.min(startMs + into * speed, endMs), lap };
  };
  return { tMs: () => read().tMs, lap: () => read().lap, read };
};
