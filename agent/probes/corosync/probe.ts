// The corosync probe: membership, links and votequorum as this node sees them. Per run, within one time budget:
// `corosync-quorumtool -s`, `corosync-cfgtool -s`, `corosync-cmapctl -b runtime.members` (the three commands the
// recorded timelines hold), then, if enabled, `corosync-cmapctl runtime.votequorum` and `corosync-cmapctl nodelist.node`.
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { ExecResult } from '../../lib/exec.js';
import type { CorosyncReport, CorosyncSourceError } from '../../protocol/corosync.js';
import type { Probe, ProbeContext, ProbeOutcome, WatchContext, Watcher, WatchingProbe } from '../types.js';
import { watchStream } from '../watch-stream.js';
import { corosyncSamples, corosyncStates } from './observe.js';
import {
  COROSYNC_PARSE_ERRORS,
  parseCfgtool,
  parseCmapctl,
  parseQuorumtool,
  unreachableMessage,
  type CfgtoolLinks,
  type CmapctlOutput,
  type CorosyncUnreachable,
} from './parse.js';
import { assembleCorosyncReport, type CorosyncReads } from './report.js';

export const QUORUMTOOL_ARGV = ['corosync-quorumtool', '-s'] as const;
export const CFGTOOL_ARGV = ['corosync-cfgtool', '-s'] as const;
export const CMAP_MEMBERS_ARGV = ['corosync-cmapctl', '-b', 'runtime.members'] as const;
export const CMAP_VOTEQUORUM_ARGV = ['corosync-cmapctl', 'runtime.votequorum'] as const;
export const CMAP_NODELIST_ARGV = ['corosync-cmapctl', 'nodelist.node'] as const;
/** cmapctl's tracking output is block-buffered on a pipe and it quits at end of input: stdbuf, and stdin kept open. */
export const CMAP_TRACK_MEMBERS_ARGV = ['stdbuf', '-oL', 'corosync-cmapctl', '-T', 'runtime.members.'] as const;
/** A tracked change, e.g. `modify> runtime.members.2.status (str) = left` (corosync 3.1.7). */
export const isCmapTrackChange = (line: string): boolean => /^(create|modify|delete)> runtime\.members\./.test(line);

/** corosync-quorumtool -s exits 2 (EXIT_NOT_QUORATE) when the partition is not quorate: data, not failure. */
export const QUORUMTOOL_EXIT_NOT_QUORATE = 2;

export const COROSYNC_PROBE_ERRORS = {
  absent: 'corosync.absent',
  timeout: 'corosync.timeout',
  exec: 'corosync.exec_failed',
  signalled: 'corosync.signalled',
  exit: 'corosync.exit_status',
  /** the tools reach the daemon but are refused (CS_ERR_ACCESS: not root / not in the haclient group) */
  accessDenied: 'corosync.access_denied',
  /** quorumtool cannot connect although cmap answers */
  unreachable: 'corosync.unreachable',
} as const;

/** The probe's options (config block `probes.corosync`, next to enabled/interval/timeout); defaults in the schema. */
export const CorosyncProbeOptions = Type.Object(
  {
    /** Also read runtime.votequorum (wait_for_all status, two_node, qdevice flags). */
    readVotequorum: Type.Boolean({ default: true }),
    /** Also read the nodelist, for the names of nodes that are not members now. */
    readNodelist: Type.Boolean({ default: true }),
    /**
     * Run at once when the membership changes: a long-lived `corosync-cmapctl -T runtime.members.` (line-buffered
     * through stdbuf) triggers a run on each change, so a node leaving is pushed within a second of corosync's new
     * membership instead of at the next interval.
     */
    watch: Type.Boolean({ default: true }),
    /** Changes closer together than this give one run now and one trailing run. */
    minTriggerIntervalMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 250 }),
    /** After the stream ends (corosync stopped), wait this long before starting it again. */
    restartDelayMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5_000 }),
  },
  { additionalProperties: false, default: {} },
);
export type CorosyncProbeOptions = Static<typeof CorosyncProbeOptions>;

export class CorosyncOptionsError extends Error {
  override readonly name = 'CorosyncOptionsError';
  readonly code = 'corosync.bad_options';
}

/** Options with the schema's defaults; bad options fail fast. */
export const corosyncProbeOptions = (raw: unknown = {}): CorosyncProbeOptions => {
  const v = Value.Default(CorosyncProbeOptions, Value.Clone(raw ?? {}));
  if (!Value.Check(CorosyncProbeOptions, v)) {
    const problems = [...Value.Errors(CorosyncProbeOptions, v)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new CorosyncOptionsError(`invalid corosync probe options: ${problems.join('; ')}`);
  }
  return v as CorosyncProbeOptions;
};

type Outcome = ProbeOutcome<CorosyncReport>;

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? '';
const cmd = (argv: readonly string[]): string => argv.join(' ');

const fail = (status: 'absent' | 'failed' | 'timeout', code: string, message: string, report?: CorosyncReport): Outcome =>
  report === undefined
    ? { status, error: { code, message: message.slice(0, 4096) }, samples: [], states: [] }
    : { status, error: { code, message: message.slice(0, 4096) }, report, samples: corosyncSamples(report), states: corosyncStates(report) };

const ok = (report: CorosyncReport): Outcome => ({ status: 'ok', report, samples: corosyncSamples(report), states: corosyncStates(report) });

/** What one tool run gave: its parsed value, "cannot reach corosync", or a problem with a code. */
type Read<T> =
  | { kind: 'value'; value: T }
  | { kind: 'down'; down: CorosyncUnreachable }
  | { kind: 'problem'; status: 'absent' | 'failed' | 'timeout'; code: string; message: string };

const problem = (status: 'absent' | 'failed' | 'timeout', code: string, message: string): Read<never> => ({ kind: 'problem', status, code, message });

/**
 * One run → value, down or problem. Non-zero exits are data when the output reads (quorumtool 2 = not quorate;
 * cfgtool 3.0.4-3.1.0 exits 1 when a link is down); the "cannot connect" message may be on stderr.
 */
export const readRun = <T>(
  argv: readonly string[],
  r: ExecResult,
  parse: (text: string) => { ok: true; value: T | CorosyncUnreachable } | { ok: false; error: { code: string; message: string } },
  timeoutMs: number,
): Read<T> => {
  switch (r.kind) {
    case 'absent':
      return problem('absent', COROSYNC_PROBE_ERRORS.absent, r.message);
    case 'error':
      return problem('failed', COROSYNC_PROBE_ERRORS.exec, r.message);
    case 'timeout':
      return problem('timeout', COROSYNC_PROBE_ERRORS.timeout, `${cmd(argv)} did not finish within ${timeoutMs} ms`);
    case 'signalled':
      return problem('failed', COROSYNC_PROBE_ERRORS.signalled, `${cmd(argv)} killed by ${r.signal}: ${firstLine(r.stderr)}`);
    case 'exited':
      break;
  }
  const p = parse(r.stdout);
  if (p.ok) {
    const v = p.value;
    if (typeof v === 'object' && v !== null && (v as { running?: unknown }).running === false) return { kind: 'down', down: v as CorosyncUnreachable };
    return { kind: 'value', value: v as T };
  }
  // 2.x/3.0 cfgtool prints "Printing ring status." on stdout before the reason on stderr.
  const down = unreachableMessage(r.stderr);
  if (down) return { kind: 'down', down };
  const why = r.truncated ? ' (output truncated)' : '';
  if (r.code !== 0 && r.stdout.trim() === '') {
    return problem('failed', COROSYNC_PROBE_ERRORS.exit, `${cmd(argv)} exited ${r.code}: ${firstLine(r.stderr) || p.error.message}${why}`);
  }
  return problem('failed', p.error.code, `${p.error.message}${why}`);
};

/** One time budget for the whole run: each command gets what is left of it. */
const budget = (ctx: ProbeContext) => {
  const deadline = ctx.now() + ctx.timeoutMs;
  return async (argv: readonly string[]): Promise<ExecResult> => {
    const left = deadline - ctx.now();
    if (left <= 0) return { kind: 'timeout', stdout: '', stderr: '', durationMs: 0, truncated: false };
    return ctx.exec(argv, { timeoutMs: left });
  };
};

const run = async (ctx: ProbeContext, options: CorosyncProbeOptions): Promise<Outcome> => {
  const exec = budget(ctx);
  const q = readRun(QUORUMTOOL_ARGV, await exec(QUORUMTOOL_ARGV), parseQuorumtool, ctx.timeoutMs);
  if (q.kind === 'problem') return fail(q.status, q.code, q.message);

  if (q.kind === 'down') {
    // quorumtool does not say why it cannot connect; cmapctl does (CS_ERR_LIBRARY = not running, CS_ERR_ACCESS = refused).
    const m = readRun(CMAP_MEMBERS_ARGV, await exec(CMAP_MEMBERS_ARGV), parseCmapctl, ctx.timeoutMs);
    if (m.kind === 'problem' && m.status === 'timeout') return fail('timeout', m.code, m.message);
    if (m.kind === 'down' && m.down.reason === 'access-denied') return fail('failed', COROSYNC_PROBE_ERRORS.accessDenied, m.down.message);
    if (q.down.reason === 'access-denied') return fail('failed', COROSYNC_PROBE_ERRORS.accessDenied, q.down.message);
    if (m.kind === 'value') {
      return fail('failed', COROSYNC_PROBE_ERRORS.unreachable, `${cmd(QUORUMTOOL_ARGV)}: ${q.down.message} (but corosync-cmapctl answers)`);
    }
    return ok({ running: false, messages: [q.down.message, ...(m.kind === 'down' ? [m.down.message] : [])] });
  }

  const quorumtool = q.value;
  if (quorumtool.info === null) {
    return fail('failed', COROSYNC_PARSE_ERRORS.unknownFormat, `${cmd(QUORUMTOOL_ARGV)} printed no "Quorum information" section`);
  }
  const errors: CorosyncSourceError[] = [];
  // An array, not a `let`: TypeScript would keep a `let` narrowed to null across the closures that set it.
  const timeouts: CorosyncSourceError[] = [];
  const note = (argv: readonly string[], r: Read<unknown>): void => {
    if (r.kind === 'problem') {
      const e = { source: cmd(argv), code: r.code, message: r.message.slice(0, 1000) };
      errors.push(e);
      if (r.status === 'timeout') timeouts.push(e);
    } else if (r.kind === 'down') {
      // corosync stopped between two commands of this run.
      errors.push({ source: cmd(argv), code: COROSYNC_PROBE_ERRORS.unreachable, message: r.down.message });
    }
  };

  let cfgtool: CfgtoolLinks | null = null;
  const c = readRun(CFGTOOL_ARGV, await exec(CFGTOOL_ARGV), parseCfgtool, ctx.timeoutMs);
  if (c.kind === 'value' && c.value.format === 'links') cfgtool = c.value;
  else if (c.kind === 'value') errors.push({ source: cmd(CFGTOOL_ARGV), code: COROSYNC_PARSE_ERRORS.truncated, message: 'corosync-cfgtool -s printed no link' });
  else note(CFGTOOL_ARGV, c);

  let members: CmapctlOutput | null = null;
  if (timeouts.length === 0) {
    const m = readRun(CMAP_MEMBERS_ARGV, await exec(CMAP_MEMBERS_ARGV), parseCmapctl, ctx.timeoutMs);
    if (m.kind === 'value') members = m.value;
    else note(CMAP_MEMBERS_ARGV, m);
  }

  // Optional reads: anything but a clean answer (absent in a replay, no such keys, out of time) leaves them out.
  const optional = async (argv: readonly string[]): Promise<CmapctlOutput | null> => {
    if (timeouts.length > 0) return null;
    const r = await exec(argv);
    if (r.kind !== 'exited' || r.code !== 0) return null;
    const p = parseCmapctl(r.stdout);
    return p.ok && p.value.running ? p.value : null;
  };
  const votequorum = options.readVotequorum ? await optional(CMAP_VOTEQUORUM_ARGV) : null;
  const nodelist = options.readNodelist ? await optional(CMAP_NODELIST_ARGV) : null;

  const reads: CorosyncReads = { quorumtool: { ...quorumtool, info: quorumtool.info }, cfgtool, members, votequorum, nodelist, errors };
  const report = assembleCorosyncReport(reads);
  const firstTimeout = timeouts[0];
  if (firstTimeout !== undefined) return fail('timeout', firstTimeout.code, `${firstTimeout.source}: ${firstTimeout.message}`, report);
  const first = errors[0];
  if (first !== undefined) {
    const message = errors.map((e) => `${e.source}: ${e.message}`).join('; ');
    return fail('failed', first.code, message, report);
  }
  return ok(report);
};

/** A corosync probe with the given options (defaults filled in; bad options throw CorosyncOptionsError). */
export const createCorosyncProbe = (options: unknown = {}): Probe<CorosyncReport> => {
  const o = corosyncProbeOptions(options);
  const probe: WatchingProbe<CorosyncReport> = {
    name: 'corosync',
    run: (ctx) => run(ctx, o),
    watch: (ctx: WatchContext): Watcher =>
      o.watch
        ? watchStream(ctx, {
            probe: 'corosync',
            argv: CMAP_TRACK_MEMBERS_ARGV,
            changes: () => isCmapTrackChange,
            minTriggerIntervalMs: o.minTriggerIntervalMs,
            restartDelayMs: o.restartDelayMs,
            keepStdinOpen: true,
            absentExitCodes: [127],
          })
        : { stop: async () => undefined },
  };
  return probe;
};
