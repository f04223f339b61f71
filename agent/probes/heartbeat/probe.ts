// The heartbeat probe (legacy Heartbeat 3): `cl_status hbstatus -v` gives heartbeat's state, every node with its
// status and type and every link with its status in one run; `uname -n` names the local node (heartbeat's own
// name); `rscstatus` and two `hbparameter`s add the rest. Where `hbstatus -v` prints no node list, the single
// queries (listnodes, nodestatus, nodetype, listhblinks, hblinkstatus) are run instead. One time budget per run.
import type { ExecResult } from '../../lib/exec.js';
import type { HeartbeatReport } from '../../protocol/heartbeat.js';
import type { Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { heartbeatSamples, heartbeatStates } from './observe.js';
import { parseHbstatus, parseListhblinks, parseListnodes, signonFailure, type ClStatusRun } from './parse.js';
import { buildHeartbeatReport } from './report.js';

export const HBSTATUS_ARGV = ['cl_status', 'hbstatus', '-v'] as const;
export const UNAME_ARGV = ['uname', '-n'] as const;
export const RSCSTATUS_ARGV = ['cl_status', 'rscstatus'] as const;
export const KEEPALIVE_ARGV = ['cl_status', 'hbparameter', '-p', 'keepalive'] as const;
export const DEADTIME_ARGV = ['cl_status', 'hbparameter', '-p', 'deadtime'] as const;
export const LISTNODES_ARGV = ['cl_status', 'listnodes'] as const;

export const HEARTBEAT_PROBE_ERRORS = {
  absent: 'heartbeat.absent',
  timeout: 'heartbeat.timeout',
  exec: 'heartbeat.exec_failed',
  signalled: 'heartbeat.signalled',
  exit: 'heartbeat.exit_status',
} as const;

type Outcome = ProbeOutcome<HeartbeatReport>;

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? '';
const cmd = (argv: readonly string[]): string => argv.join(' ');

const fail = (status: 'absent' | 'failed' | 'timeout', code: string, message: string, report?: HeartbeatReport): Outcome =>
  report === undefined
    ? { status, error: { code, message: message.slice(0, 4096) }, samples: [], states: [] }
    : { status, error: { code, message: message.slice(0, 4096) }, report, samples: heartbeatSamples(report), states: heartbeatStates(report) };

/** A run that did not exit, as the outcome it means. Exported for tests. */
export const notExited = (argv: readonly string[], r: Exclude<ExecResult, { kind: 'exited' }>, timeoutMs: number): Outcome => {
  switch (r.kind) {
    case 'absent':
      return fail('absent', HEARTBEAT_PROBE_ERRORS.absent, r.message);
    case 'error':
      return fail('failed', HEARTBEAT_PROBE_ERRORS.exec, r.message);
    case 'timeout':
      return fail('timeout', HEARTBEAT_PROBE_ERRORS.timeout, `${cmd(argv)} did not finish within ${timeoutMs} ms`);
    case 'signalled':
      return fail('failed', HEARTBEAT_PROBE_ERRORS.signalled, `${cmd(argv)} killed by ${r.signal}: ${firstLine(r.stderr)}`);
  }
};

const run = async (ctx: ProbeContext): Promise<Outcome> => {
  const deadline = ctx.now() + ctx.timeoutMs;
  const runs: ClStatusRun[] = [];
  /** Runs one command within the budget; exited runs are kept for the report, anything else is returned. */
  const step = async (argv: readonly string[]): Promise<ExecResult> => {
    const left = deadline - ctx.now();
    const r: ExecResult = left <= 0 ? { kind: 'timeout', stdout: '', stderr: '', durationMs: 0, truncated: false } : await ctx.exec(argv, { timeoutMs: left });
    if (r.kind === 'exited') runs.push({ argv: [...argv], stdout: r.stdout, stderr: r.stderr, exitCode: r.code });
    return r;
  };

  const hb = await step(HBSTATUS_ARGV);
  if (hb.kind !== 'exited') return notExited(HBSTATUS_ARGV, hb, ctx.timeoutMs);
  const parsedHb = parseHbstatus(hb.stdout.trim() !== '' ? hb.stdout : hb.stderr);
  if (!parsedHb.ok) {
    const why = hb.truncated ? ' (output truncated)' : '';
    if (hb.code !== 0 && hb.stdout.trim() === '' && signonFailure(hb.stderr) === null) {
      return fail('failed', HEARTBEAT_PROBE_ERRORS.exit, `${cmd(HBSTATUS_ARGV)} exited ${hb.code}: ${firstLine(hb.stderr) || parsedHb.error.message}${why}`);
    }
    return fail('failed', parsedHb.error.code, `${parsedHb.error.message}${why}`);
  }
  // "Heartbeat is stopped on this machine." (exit 1) is a state to report, not a failure.
  if (!parsedHb.value.running) return finish(runs, ctx);

  // Optional: a node without uname still gets a report (the config's node name is the fallback).
  let timedOut: Outcome | null = null;
  const optional = async (argv: readonly string[]): Promise<ExecResult | null> => {
    if (timedOut !== null) return null;
    const r = await step(argv);
    if (r.kind === 'timeout') timedOut = notExited(argv, r, ctx.timeoutMs);
    return r;
  };
  const uname = await optional(UNAME_ARGV);
  const local = uname?.kind === 'exited' && uname.code === 0 ? (uname.stdout.split('\n')[0] ?? '').trim() || ctx.node : ctx.node;

  if (parsedHb.value.nodes === null) {
    // No node list in -v output: ask node by node (what the shared captures of heartbeat 3.0.6 hold).
    const ln = await optional(LISTNODES_ARGV);
    const names = ln?.kind === 'exited' ? parseListnodes(ln.stdout) : null;
    for (const name of names?.ok ? names.value : []) {
      await optional(['cl_status', 'nodestatus', name]);
      await optional(['cl_status', 'nodetype', name]);
      const lk = await optional(['cl_status', 'listhblinks', name]);
      const links = lk?.kind === 'exited' ? parseListhblinks(lk.stdout) : null;
      // Links to the local node are always "dead" (heartbeat does not track them): not asked.
      if (name === local) continue;
      for (const link of links?.ok ? links.value : []) await optional(['cl_status', 'hblinkstatus', name, link.name]);
    }
  }
  await optional(RSCSTATUS_ARGV);
  await optional(KEEPALIVE_ARGV);
  await optional(DEADTIME_ARGV);
  return finish(runs, ctx, timedOut);
};

const finish = (runs: readonly ClStatusRun[], ctx: ProbeContext, timedOut: Outcome | null = null): Outcome => {
  const r = buildHeartbeatReport(runs, ctx.node);
  if (!r.ok) return fail('failed', r.error.code, r.error.message);
  const report = r.value;
  if (timedOut !== null && timedOut.status !== 'ok') return fail('timeout', timedOut.error.code, timedOut.error.message, report);
  if (report.running) {
    const first = report.errors[0];
    if (first !== undefined) return fail('failed', first.code, report.errors.map((e) => `${e.source}: ${e.message}`).join('; '), report);
  }
  return { status: 'ok', report, samples: heartbeatSamples(report), states: heartbeatStates(report) };
};

export const heartbeatProbe: Probe<HeartbeatReport> = {
  name: 'heartbeat',
  run,
};
