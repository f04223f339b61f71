// The probe interface: a probe runs its tools through the injected `exec`, parses with pure functions,
// and returns one outcome. It never throws for a tool's misbehaviour; the scheduler still guards it.
import type { Exec } from '../lib/exec.js';
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
