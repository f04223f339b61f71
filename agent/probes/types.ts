// The probe interface: a probe runs its tools through the injected `exec`, parses with pure functions,
// and returns one outcome. It never throws for a tool's misbehaviour; the scheduler still guards it.
import type { Exec, ExecStream } from '../lib/exec.js';
import type { ParseResult } from '../lib/errors.js';
import type { ObjectState, ProbeError, Sample } from '../protocol/index.js';

export interface ProbeContext {
  exec: Exec;
  /** Budget for the whole run; each command gets at most this. */
  timeoutMs: number;
  /** The node this agent runs on, as named in the config (labels, "which node said this"). */
  node: string;
  now: () => number;
}

export type ProbeOutcome<R = unknown> =
  | { status: 'ok'; report: R; samples: Sample[]; states: ObjectState[] }
  | { status: 'absent' | 'failed' | 'timeout'; error: ProbeError; report?: R; samples: Sample[]; states: ObjectState[] };

export interface Probe<R = unknown> {
  /** probe name = folder = config key = metric subsystem */
  readonly name: string;
  run(ctx: ProbeContext): Promise<ProbeOutcome<R>>;
}

/**
 * Event-driven probes (keepalived's notify FIFO, a long-lived `drbdsetup events2`) also watch a source and call
 * `trigger()` when it says something changed; the scheduler then runs the probe at once instead of waiting for its
 * interval, and the change is pushed at once. The periodic run stays as a safety net.
 */
export interface WatchContext extends ProbeContext {
  trigger: () => void;
  /** For long-lived event streams; the same rules as exec (argv, LC_ALL=C, process group). */
  execStream: ExecStream;
  logger: { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
}

export interface Watcher {
  stop(): Promise<void>;
}

export interface WatchingProbe<R = unknown> extends Probe<R> {
  watch(ctx: WatchContext): Watcher;
}

export const isWatching = (p: Probe): p is WatchingProbe => typeof (p as Partial<WatchingProbe>).watch === 'function';

/** A parser that `hawatch parse SOURCE` can run on a captured output. */
export interface ParseSource {
  description: string;
  parse: (text: string) => ParseResult<unknown>;
}
